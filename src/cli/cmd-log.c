/* cmd-log: `mamori log import`: another system's access log, one ledger entry per line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "core/act.h"
#include "ingest/follow.h"
#include "ingest/logindex.h"
#include "ingest/retention.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"
#include "store/store.h"

/* Source names are short labels: letters, digits and a few separators. */
static bool source_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-_.:/@", c)))
			return false;
	}
	return true;
}

/*
 * On PostgreSQL the group-commit writer signs no checkpoint: several servers may share the ward
 * and one of them signs, the one holding the checkpoint leader's lock (docs/operations.md).
 * An import run when no server holds it signs the head itself, taking the lock for the
 * signature, so what it appended is under a signed checkpoint as on SQLite; while a server
 * leads, that server signs at its next round (within a minute) or at its stop. Returns 1 when
 * signed here, 0 when a server signs, or a negative errno.
 */
static int import_checkpoint(const char *dir, struct strbuf *err)
{
	struct store *st = NULL;
	struct ledger *lg = NULL;
	int r;

	if (!ledger_can_sign(dir))
		return 0;
	r = store_open(dir, STORE_ANY_BACKEND, &st, err);
	if (r == 0 && store_dialect(st) != STORE_POSTGRESQL)
		goto out; /* SQLite: the writer signed at its stop */
	if (r == 0)
		r = store_lock_try(st, STORE_LOCK_CHECKPOINT, err);
	if (r == 1 && (r = ledger_open(st, &lg, err)) == 0 &&
	    (r = ledger_checkpoint_sign(lg, dir, NULL, err)) == 0)
		r = 1;
out:
	ledger_close(lg);
	store_close(st); /* gives the lock up */
	return r;
}

/* A log import under way: the file and its lines, the writer, what was submitted. */
struct import {
	const char *source, *file;
	FILE *fp;
	struct ledger_writer *w;
	char *line; /* the last line read: personal data */
	size_t cap;
	uint64_t lineno, imported, first_ticket, last_ticket;
	uint64_t first, last; /* the entries the first and last lines became */
	struct strbuf err;
};

/* log import's options: --source and the file ("-": stdin). 0, or -1 with *ret_exit set
 * (--help, a usage error, said). */
static int import_parse(struct import *im, int argc, const char **argv, int *ret_exit)
{
	static const char *const usage[] = { "mamori log import --source NAME [FILE]",
		                             N_("appends each line of an access log exported by "
		                                "another system (stdin without FILE) "
		                                "as one ingest entry"),
		                             NULL };
	const char *source = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "source", &source, "NAME", "the system the log comes from"),
		OPT_END(),
	};
	int n = parse_options(argc, argv, opts, usage);

	if (n == PARSE_OPT_HELP) {
		*ret_exit = EXIT_DONE;
		return -1;
	}
	if (n < 0) {
		*ret_exit = EXIT_USAGE;
		return -1;
	}
	if (n > 1 || !source) {
		cli_error("%s", !source ? N_("log import needs --source NAME")
		                        : N_("give one FILE at most"));
		print_usage(usage, opts, true);
		*ret_exit = EXIT_USAGE;
		return -1;
	}
	if (!source_valid(source)) {
		cli_error("source '%s' may only have letters, digits and '-_.:/@' (at most 128)",
		          source);
		*ret_exit = EXIT_USAGE;
		return -1;
	}
	im->source = source;
	im->file = n == 1 ? argv[0] : "-";
	return 0;
}

/* Each non-empty line of the file to the writer as an ingest entry (the first one's index
 * waited for at once). 0, or a negative errno, said. */
static int import_lines(struct import *im)
{
	ssize_t len;
	int r = 0;

	while ((len = getline(&im->line, &im->cap, im->fp)) >= 0) {
		struct ledger_entry e;
		uint64_t ticket;

		im->lineno++;
		if (len > 0 && im->line[len - 1] == '\n')
			len--;
		if (len == 0)
			continue;
		if ((size_t)len > ENTRY_MAX_PAYLOAD) {
			cli_error("'%s' line %" PRIu64
			          " is %zd bytes; lines of at most %d bytes are "
			          "imported (nothing after it was)",
			          im->file, im->lineno, len, ENTRY_MAX_PAYLOAD);
			r = -EFBIG;
			break;
		}
		e = (struct ledger_entry){ .kind = ENTRY_INGEST,
			                   .time_ms = time_now_ms(),
			                   .source = im->source,
			                   .has_line = true,
			                   .line = im->lineno,
			                   .payload = im->line,
			                   .payload_len = (size_t)len };
		r = ledger_writer_submit(im->w, &e, &ticket, &im->err);
		if (r < 0) {
			cli_error("'%s' line %" PRIu64 ": %s", im->file, im->lineno, im->err.buf);
			break;
		}
		if (!im->imported) {
			im->first_ticket = ticket;
			/* The first index now: the writer remembers only recent batches. */
			r = ledger_writer_wait(im->w, ticket, &im->first, &im->err);
			if (r < 0) {
				cli_error("%s", im->err.buf);
				break;
			}
		}
		im->last_ticket = ticket;
		im->imported++;
	}
	if (r == 0 && ferror(im->fp)) {
		cli_error("cannot read '%s': %m", im->file);
		r = -EIO;
	}
	return r;
}

/*
 * After the lines (r: how reading them ended): what was submitted is committed (or the failure
 * reported) before anything is said, the writer stops, and a checkpoint is signed. 0, or a
 * negative errno, said.
 */
static int import_commit(const struct cli_ctx *ctx, struct import *im, int r)
{
	if (im->imported && r == 0) {
		/* Every line: a batch in the middle may have failed while the last one held. */
		int r2 =
		    ledger_writer_wait_range(im->w, im->first_ticket, im->last_ticket, &im->err);
		if (r2 == 0)
			r2 = ledger_writer_wait(im->w, im->last_ticket, &im->last, &im->err);
		if (r2 < 0) {
			cli_error("%s", im->err.buf);
			r = r2;
		}
	}
	{
		int r3 = ledger_writer_stop(im->w, &im->err);
		im->w = NULL;
		if (r3 < 0 && r == 0) {
			cli_error("%s", im->err.buf);
			r = r3;
		}
	}
	if (r == 0 && im->imported) {
		int r4 = import_checkpoint(ctx->dir, &im->err);
		if (r4 < 0) {
			cli_error("the lines are imported, but no checkpoint was signed: %s",
			          im->err.buf);
			r = r4;
		}
	}
	return r;
}

/*
 * Each non-empty line becomes an ingest entry: the source, the line number,
 * the time it was received, and the raw line as a sealed payload (access
 * logs name people: the payload can be erased at the end of its retention
 * while the entry, and the tree, stay). Entries go through the group-commit
 * writer; the command returns once every line is durable.
 */
static int log_import(struct cli_ctx *ctx, int argc, const char **argv)
{
	struct import im = { .err = STRBUF_INIT };
	int r, ret = EXIT_FAILED;

	if (import_parse(&im, argc, argv, &ret) < 0)
		return ret;
	im.fp = strcmp(im.file, "-") ? fopen(im.file, "rb") : stdin;
	if (!im.fp) {
		cli_error("cannot open '%s': %m", im.file);
		return EXIT_FAILED;
	}
	r = ledger_writer_start(ctx->dir, NULL, &im.w, &im.err);
	if (r < 0) {
		cli_error("%s", im.err.buf);
		goto out;
	}
	r = import_lines(&im);
	r = import_commit(ctx, &im, r);
	if (r == 0) {
		if (im.imported)
			printf(T_("imported %" PRIu64 " lines from '%s' as entries %" PRIu64
			          "..%" PRIu64 "\n"),
			       im.imported, im.file, im.first, im.last);
		else
			printf(T_("'%s' has no lines to import\n"), im.file);
		ret = fflush(stdout) == 0 ? EXIT_DONE : EXIT_FAILED;
	}
out:
	if (im.w)
		ledger_writer_stop(im.w, NULL);
	if (im.line)
		explicit_bzero(im.line, im.cap); /* the last line read: personal data */
	free(im.line);
	if (im.fp != stdin)
		(void)fclose(im.fp); /* read only */
	strbuf_release(&im.err);
	return ret;
}

/* A hit as one line for people: index, time (JST), host, program, message. */
static void hit_line(struct strbuf *out, const struct log_hit *h)
{
	const struct log_event *ev = &h->ev;
	const struct syslog_span *m = &ev->msg.msg;

	strbuf_addf(out, "%" PRIu64 "  ", h->index);
	cli_time(out, ev->time_ms);
	strbuf_addf(out, "  %s  ", ev->host[0] ? ev->host : "-");
	if (ev->msg.app.n)
		strbuf_add(out, ev->msg.app.p, ev->msg.app.n);
	else
		strbuf_addch(out, '-');
	if (ev->msg.procid.n) {
		strbuf_addch(out, '[');
		strbuf_add(out, ev->msg.procid.p, ev->msg.procid.n);
		strbuf_addch(out, ']');
	}
	strbuf_addstr(out, "  ");
	if (ev->msg.format == SYSLOG_RAW)
		strbuf_addstr(out, T_("(raw) "));
	/* Control characters of a message never reach the terminal as such. */
	for (size_t i = 0; m->p && i < m->n; i++) {
		unsigned char c = (unsigned char)m->p[i];
		strbuf_addch(out, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (ev->payload.flags & LOG_CUT)
		strbuf_addstr(out, T_(" …(cut)"));
	strbuf_addch(out, '\n');
}

static int parse_when_opt(const char *opt, const char *v, int64_t *ret)
{
	if (!v)
		return 0;
	if (log_parse_when(v, time_now_ms(), TOKYO_OFFSET_MS, ret) < 0) {
		cli_error(
		    "--%s '%s': give a date (2026-11-22), a time (2026-11-22 11:46, RFC 3339) "
		    "or a duration ago (1h, 7d)",
		    opt, v);
		return -1;
	}
	return 0;
}

/* log search's options into q and *json. 0, or -1 with *ret_exit set (--help, a usage error,
 * said). */
static int search_parse(struct log_query *q, bool *json, int argc, const char **argv, int *ret_exit)
{
	static const char *const usage[] = {
		"mamori log search [--since T] [--until T] [--host H] [--app A] [--user U] "
		"[--grep TEXT] [--limit N] [--offset N] [--count] [--json]",
		N_("searches the collected logs, newest first; times in Asia/Tokyo unless they "
		   "say"),
		NULL
	};
	const char *since = NULL, *until = NULL, *host = NULL, *app = NULL, *user = NULL,
	           *grep = NULL;
	int64_t limit = 100, offset = 0;
	bool count = false;
	const struct option opts[] = {
		OPT_STRING(0, "since", &since, "T",
		           "messages at or after T (2026-11-22 09:00, 1h)"),
		OPT_STRING(0, "until", &until, "T", "messages at or before T"),
		OPT_STRING(0, "host", &host, "H", "from this host"),
		OPT_STRING(0, "app", &app, "A", "from this program (APP-NAME, TAG)"),
		OPT_STRING(0, "user", &user, "U", "naming this user (sshd, sudo, su, Windows)"),
		OPT_STRING(0, "grep", &grep, "TEXT", "containing TEXT (also messages kept raw)"),
		OPT_INT(0, "limit", &limit, "N", "at most N messages (default 100)", 1, 100000),
		OPT_INT(0, "offset", &offset, "N", "skip the N newest matches (paging)", 0,
		        100000000),
		OPT_BOOL(0, "count", &count, "only count the matches"),
		OPT_BOOL(0, "json", json, "print JSON"),
		OPT_END(),
	};
	int n = parse_options_count(argc, argv, opts, usage, 0, 0, ret_exit);

	if (n < 0)
		return -1;
	if (parse_when_opt("since", since, &q->since_ms) < 0 ||
	    parse_when_opt("until", until, &q->until_ms) < 0) {
		*ret_exit = EXIT_USAGE;
		return -1;
	}
	if (grep && !*grep) {
		cli_error("--grep needs some text");
		*ret_exit = EXIT_USAGE;
		return -1;
	}
	q->host = host;
	q->app = app;
	q->user = user;
	q->grep = grep;
	q->limit = limit;
	q->offset = offset;
	q->count_only = count;
	return 0;
}

/* The search's answer into out: the count, or the hits, as text or JSON. */
static void search_print(const struct log_result *res, bool count, bool json, struct strbuf *out)
{
	if (count && json) {
		strbuf_addf(out, "{\"count\":%" PRIu64 "}\n", res->count);
	} else if (count) {
		strbuf_addf(out, "%" PRIu64 "\n", res->count);
	} else if (json) {
		struct json_writer w;
		jw_init(&w, out);
		jw_array_begin(&w);
		for (size_t i = 0; i < res->nr; i++)
			log_hit_json(&res->hits[i], &w);
		jw_array_end(&w);
		strbuf_addch(out, '\n');
	} else {
		for (size_t i = 0; i < res->nr; i++)
			hit_line(out, &res->hits[i]);
	}
}

static int log_search(struct cli_ctx *ctx, int argc, const char **argv)
{
	struct log_query q = { 0 };
	struct log_result res = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct store *st = NULL;
	struct ledger *lg = NULL;
	bool json = false;
	int ret;

	if (search_parse(&q, &json, argc, argv, &ret) < 0)
		return ret;
	ret = EXIT_FAILED;
	if (store_open(ctx->dir, STORE_READONLY | STORE_ANY_BACKEND, &st, &err) < 0 ||
	    ledger_open(st, &lg, &err) < 0 ||
	    logindex_search(st, lg, &q, TOKYO_OFFSET_MS, &res, &err) < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	search_print(&res, q.count_only, json, &out);
	ret = cli_print(&out);
out:
	log_result_release(&res);
	ledger_close(lg);
	store_close(st);
	strbuf_release(&err);
	strbuf_release_secret(&out);
	return ret;
}

static int log_reindex(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori log reindex",
		N_("brings the search index up to date with the ledger (the server does it as it "
		   "receives)"),
		NULL
	};
	const struct option opts[] = { OPT_END() };
	struct follower_options fo = { .offset_ms = TOKYO_OFFSET_MS };
	struct strbuf err = STRBUF_INIT;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	ret = EXIT_DONE;
	if (follower_catch_up(ctx->dir, &fo, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
	}
	strbuf_release(&err);
	return ret;
}

static int log_retention(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori log retention [--dry-run] [--json]",
		                             N_("erases the collected messages older than the "
		                                "profile's retention.access_log (the "
		                                "ledger keeps their entries and still verifies)"),
		                             NULL };
	bool dry = false, json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "dry-run", &dry, "only say what would be erased"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct follower_options fo = { .offset_ms = TOKYO_OFFSET_MS };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, before = STRBUF_INIT;
	struct log_retention plan;
	struct door *d = NULL;
	int64_t now = time_now_ms();
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	ret = EXIT_FAILED;
	/* Everything received is in the index first, so nothing old escapes the plan. */
	if (door_open(ctx->dir, DOOR_READONLY, &d, &err) < 0 ||
	    follower_catch_up(ctx->dir, &fo, &err) < 0 ||
	    log_retention_plan(door_store(d), door_profile(d), now, &plan, &err) < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (!dry && log_retention_apply(door_store(d), door_ledger(d), &plan, now, &err) < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	cli_time(&before, plan.cutoff_ms);
	if (json) {
		struct json_writer w;
		struct strbuf t = STRBUF_INIT;
		time_format_rfc3339(&t, plan.cutoff_ms);
		jw_init(&w, &out);
		jw_object_begin(&w);
		jw_kv_int(&w, "keep_seconds", plan.keep_seconds);
		jw_kv_str(&w, "before", t.buf);
		jw_kv_bool(&w, "dry_run", dry);
		jw_key(&w, "messages");
		jw_uint(&w, plan.messages);
		jw_key(&w, "first");
		plan.messages ? jw_uint(&w, plan.first) : jw_null(&w);
		jw_key(&w, "last");
		plan.messages ? jw_uint(&w, plan.last) : jw_null(&w);
		jw_key(&w, "erased");
		jw_uint(&w, plan.erased);
		jw_key(&w, "retention_entry");
		plan.erased ? jw_uint(&w, plan.entry) : jw_null(&w);
		jw_object_end(&w);
		strbuf_addch(&out, '\n');
		strbuf_release(&t);
	} else if (!plan.messages) {
		strbuf_addf(&out,
		            T_("nothing to erase: no collected message was received before %s\n"),
		            before.buf);
	} else if (dry) {
		strbuf_addf(&out,
		            T_("would erase %" PRIu64 " collected messages received before %s "
		               "(entries %" PRIu64 "..%" PRIu64 ")\n"),
		            plan.messages, before.buf, plan.first, plan.last);
	} else {
		strbuf_addf(&out,
		            T_("erased %" PRIu64 " collected messages received before %s (entries "
		               "%" PRIu64 "..%" PRIu64 "); retention entry %" PRIu64 "\n"),
		            plan.erased, before.buf, plan.first, plan.last, plan.entry);
	}
	ret = cli_print(&out);
out:
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	strbuf_release(&before);
	return ret;
}

int cmd_log(struct cli_ctx *ctx, int argc, const char **argv)
{
	/* Subcommands: name, handler, summary for `mamori log help`. */
	static const struct command table[] = {
		{ "import", log_import, N_("append an access log file, one ingest entry a line") },
		{ "search", log_search,
		  N_("search the collected logs (time, host, program, user, text)") },
		{ "reindex", log_reindex, N_("bring the search index up to date with the ledger") },
		{ "retention", log_retention,
		  N_("erase collected messages older than the profile's retention.access_log") },
		{ "rules", cmd_log_rules,
		  N_("the analysis rules: list them, test them on a file") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "log", table, argc, argv);
}
