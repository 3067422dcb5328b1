/* cmd-notify: `mamori inbox` (what waits for a person) and `mamori notify send` (one round of
 * e-mail digests now, as `serve` does every [notify] interval). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/conf.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/inbox.h"
#include "core/notify.h"
#include "core/org.h"
#include "core/read.h"
#include "core/smtp.h"
#include "web/web.h"

static void inbox_json(struct door *d, const struct inbox *b, struct strbuf *out)
{
	struct json_writer w;
	struct strbuf t = STRBUF_INIT, line = STRBUF_INIT;

	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_int(&w, "total", (int64_t)b->nr);
	jw_kv_int(&w, "urgent", (int64_t)b->n_urgent);
	jw_key(&w, "items");
	jw_array_begin(&w);
	for (size_t i = 0; i < b->nr; i++) {
		const struct inbox_item *it = &b->items[i];
		jw_object_begin(&w);
		jw_kv_str(&w, "kind", inbox_kind_id(it->kind));
		jw_kv_str(&w, "key", it->key);
		if (it->request_id)
			jw_kv_int(&w, "request", it->request_id);
		if (it->record_id)
			jw_kv_int(&w, "record", it->record_id);
		jw_kv_str(&w, "register", it->register_id);
		jw_kv_str(&w, "action", it->action);
		jw_kv_str(&w, "title", it->title);
		jw_kv_str(&w, "state", it->state);
		jw_kv_str(&w, "duty", it->duty_id);
		jw_kv_str(&w, "scope", it->scope);
		jw_kv_str(&w, "person", it->person);
		jw_kv_str(&w, "acting_for", it->acting_for);
		jw_kv_str(&w, "deadline", it->deadline);
		jw_kv_str(&w, "by", it->by);
		if (it->ledger_index)
			jw_kv_int(&w, "ledger_index", it->ledger_index);
		strbuf_reset(&t);
		time_format_rfc3339(&t, it->when_ms);
		jw_kv_str(&w, "when", t.buf);
		jw_kv_bool(&w, "overdue", it->overdue);
		strbuf_reset(&line);
		web_inbox_item_text(door_profile(d), door_store(d), it, &line);
		jw_kv_str(&w, "text", line.buf);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	strbuf_addch(out, '\n');
	strbuf_release(&t);
	strbuf_release(&line);
}

int cmd_inbox(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori inbox --as LOGIN [--json]",
		N_("what waits for LOGIN: requests to decide, their decided requests, duties due, "
		   "overdue take-outs, incidents reported to them"),
		NULL
	};
	const char *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "whose inbox (required)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct reader *rd = NULL;
	struct door *d = NULL;
	struct inbox b = { 0 };
	int64_t now = time_now_ms();
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if (!as) {
		cli_error("whose inbox? give --as LOGIN");
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (reader_for_login(door_store(d), door_profile(d), as, now, &rd, &err) < 0 ||
	    inbox_collect(d, door_store(d), rd, reader_user_id(rd), now, &b, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	i18n_set_lang(WEB_LANG_JA);
	if (json) {
		inbox_json(d, &b, &out);
	} else {
		for (size_t i = 0; i < b.nr; i++) {
			strbuf_addf(&out, "%-8s ", inbox_kind_id(b.items[i].kind));
			web_inbox_item_text(door_profile(d), door_store(d), &b.items[i], &out);
			strbuf_addch(&out, '\n');
		}
		if (!b.nr)
			strbuf_addstr(&out, "(なし)\n");
	}
	ret = cli_print(&out);
out:
	inbox_release(&b);
	reader_unref(rd);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

struct print_ctx {
	struct door *d;
	bool print;
};

static void compose(void *ctx, const struct org_user *u, const struct inbox *b, const bool *fresh,
                    const char *base_url, struct strbuf *subject, struct strbuf *body)
{
	struct print_ctx *pc = ctx;

	web_notify_compose(pc->d, u, b, fresh, base_url, subject, body);
}

static void sent(void *ctx, const char *to, const char *message)
{
	struct print_ctx *pc = ctx;
	struct strbuf sb = STRBUF_INIT;

	if (!pc->print)
		return;
	strbuf_addf(&sb, "--- to %s\n%s\n", to, message);
	cli_print_bytes(&sb);
	strbuf_release(&sb);
}

/* notify send's counts of the round: as JSON, or one line (what a dry run would send). */
static void round_counts(struct strbuf *out, const struct notify_result *res, bool dry, bool json)
{
	if (json) {
		struct json_writer w;
		jw_init(&w, out);
		jw_object_begin(&w);
		jw_kv_int(&w, "people", res->people);
		jw_kv_int(&w, "digests", res->digests);
		jw_kv_int(&w, "items", res->items);
		jw_kv_int(&w, "failed", res->failed);
		jw_kv_int(&w, "no_email", res->no_email);
		jw_kv_bool(&w, "dry_run", dry);
		jw_object_end(&w);
		strbuf_addch(out, '\n');
	} else {
		strbuf_addf(out,
		            dry ? T_("would send %u digest(s) of %u new item(s)")
		                : T_("sent %u digest(s) of %u new item(s)"),
		            res->digests, res->items);
		if (res->no_email)
			strbuf_addf(out, T_("; %u person(s) with news have no e-mail address"),
			            res->no_email);
		strbuf_addch(out, '\n');
	}
}

static int notify_send(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori notify send [--dry-run] [--print] [--only LOGIN] [--json]",
		N_("one round of e-mail digests now: each person with something new in their inbox "
		   "gets one message ([smtp] in mamori.conf)"),
		NULL
	};
	const char *only = NULL;
	bool dry = false, print = false, json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "dry-run", &dry, "compose and count, send and remember nothing"),
		OPT_BOOL(0, "print", &print, "print each message as sent"),
		OPT_STRING(0, "only", &only, "LOGIN", "only this person's digest"),
		OPT_BOOL(0, "json", &json, "print the counts as JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct conf c = CONF_INIT;
	struct smtp_config smtp = { 0 };
	struct notify_result res = { 0 };
	struct print_ctx pc = { 0 };
	struct door *d = NULL;
	char *base_url = NULL;
	int64_t interval;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if (conf_load(ctx->dir, &c, &err) < 0 || smtp_config_read(&c, &smtp, &err) < 0 ||
	    notify_config_read(ctx->dir, &interval, &base_url, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (!smtp.host && !dry) {
		cli_error("no mail server is set: add [smtp] host and from to %s/mamori.conf "
		          "(docs/config.md), or use --dry-run",
		          ctx->dir);
		ret = EXIT_FAILED;
		goto out;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	pc.d = d;
	pc.print = print;
	ret = notify_round(d,
	                   &(struct notify_options){ .smtp = &smtp,
	                                             .base_url = base_url,
	                                             .dry_run = dry,
	                                             .only_login = only,
	                                             .compose = compose,
	                                             .ctx = &pc,
	                                             .sent = sent },
	                   time_now_ms(), &res, &err);
	if (ret < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	round_counts(&out, &res, dry, json);
	ret = cli_print(&out);
	if (res.failed) {
		cli_error("%u digest(s) could not be sent (tried again next round): %s", res.failed,
		          err.buf);
		ret = EXIT_FAILED;
	}
out:
	door_free(d);
	conf_release(&c);
	smtp_config_release(&smtp);
	free(base_url);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

int cmd_notify(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "send", notify_send,
		  N_("one round of e-mail digests now ([smtp] in mamori.conf)") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "notify", table, argc, argv);
}

/* ---- the notifier beside `serve`: a round every [notify] interval ------------------------- */

struct notifier {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	int64_t interval_s;
	char *base_url;
	struct smtp_config smtp;
	struct door *door;
};

static void *notifier_main(void *arg)
{
	struct notifier *nt = arg;
	struct strbuf err = STRBUF_INIT;
	struct print_ctx pc = { .d = nt->door };

	pthread_mutex_lock(&nt->lock);
	while (!nt->stop) {
		struct notify_result res;
		struct timespec until;
		pthread_mutex_unlock(&nt->lock);
		strbuf_reset(&err);
		if (notify_round(nt->door,
		                 &(struct notify_options){ .smtp = &nt->smtp,
		                                           .base_url = nt->base_url,
		                                           .compose = compose,
		                                           .ctx = &pc },
		                 time_now_ms(), &res, &err) < 0)
			fprintf(stderr, "mamori: notifications: %s\n", err.buf);
		else if (res.digests || res.failed)
			fprintf(stderr, "mamori: notifications: sent %u digest(s), %u failed%s%s\n",
			        res.digests, res.failed, res.failed ? ": " : "",
			        res.failed ? err.buf : "");
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += nt->interval_s;
		pthread_mutex_lock(&nt->lock);
		while (!nt->stop && pthread_cond_timedwait(&nt->cond, &nt->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&nt->lock);
	strbuf_release(&err);
	return NULL;
}

int notifier_start(const char *dir, struct notifier **ret, struct strbuf *err)
{
	struct notifier *nt = xcalloc(1, sizeof(*nt));
	struct conf c = CONF_INIT;
	int r = conf_load(dir, &c, err);

	*ret = NULL;
	if (r == 0)
		r = smtp_config_read(&c, &nt->smtp, err);
	if (r == 0)
		r = notify_config_read(dir, &nt->interval_s, &nt->base_url, err);
	conf_release(&c);
	if (r == 0 && nt->smtp.host) {
		r = door_open(dir, 0, &nt->door, err);
		if (r == -ENOENT) {
			fprintf(stderr,
			        "mamori: warning: %s; notifications start once a profile is "
			        "applied and the server restarted\n",
			        err->buf);
			strbuf_reset(err);
			r = 0;
		}
	}
	if (r < 0 || !nt->door) {
		smtp_config_release(&nt->smtp);
		free(nt->base_url);
		free(nt);
		return r;
	}
	pthread_mutex_init(&nt->lock, NULL);
	pthread_cond_init(&nt->cond, NULL);
	if (pthread_create(&nt->thread, NULL, notifier_main, nt) != 0) {
		strbuf_addstr(err, "cannot start the notification thread");
		door_free(nt->door);
		smtp_config_release(&nt->smtp);
		free(nt->base_url);
		free(nt);
		return -EAGAIN;
	}
	printf("mamori: notifications every %llds through %s:%d\n", (long long)nt->interval_s,
	       nt->smtp.host, nt->smtp.port);
	(void)fflush(stdout); /* the line tests wait for; a closed stdout is not fatal */
	*ret = nt;
	return 0;
}

void notifier_stop(struct notifier *nt)
{
	if (!nt)
		return;
	pthread_mutex_lock(&nt->lock);
	nt->stop = true;
	pthread_cond_signal(&nt->cond);
	pthread_mutex_unlock(&nt->lock);
	pthread_join(nt->thread, NULL);
	pthread_mutex_destroy(&nt->lock);
	pthread_cond_destroy(&nt->cond);
	door_free(nt->door);
	smtp_config_release(&nt->smtp);
	free(nt->base_url);
	free(nt);
}
