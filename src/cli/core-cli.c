/* core-cli: what the core's command groups share: the door, acts, key=value lists, output. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/fmtargs.h"
#include "base/utf8.h"
#include "cli/core-cli.h"
#include "core/attach.h"
#include "core/read.h"
#include "base/timeutil.h"
#include "web/outcome.h"

int cli_door_open(struct cli_ctx *ctx, unsigned flags, struct door **ret)
{
	struct strbuf err = STRBUF_INIT;
	int r = door_open(ctx->dir, flags, ret, &err);

	if (r < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	strbuf_release(&err);
	return EXIT_DONE;
}

void cli_act_context(struct act_context *c)
{
	static char name[64];
	struct passwd *pw;

	if (!name[0]) {
		pw = getpwuid(geteuid());
		if (pw && pw->pw_name)
			snprintf(name, sizeof(name), "%s", pw->pw_name);
		else
			snprintf(name, sizeof(name), "uid:%u", (unsigned)geteuid());
	}
	memset(c, 0, sizeof(*c));
	c->via = "cli";
	c->os_user = name;
}

int cli_attrs_parse(const struct string_list *l, const char *what, struct cli_attrs *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->items = xcalloc((size_t)l->nr + 1, sizeof(*ret->items));
	ret->keys = xcalloc((size_t)l->nr + 1, sizeof(*ret->keys));
	for (int i = 0; i < l->nr; i++) {
		const char *eq = strchr(l->items[i], '=');
		if (!eq || eq == l->items[i]) {
			cli_error("%s '%s' must be written KEY=VALUE", what, l->items[i]);
			cli_attrs_release(ret);
			return -1;
		}
		ret->keys[i] = xstrndup(l->items[i], (size_t)(eq - l->items[i]));
		ret->items[i].key = ret->keys[i];
		ret->items[i].value = eq + 1;
		ret->nr++;
	}
	return 0;
}

void cli_attrs_release(struct cli_attrs *a)
{
	for (size_t i = 0; i < a->nr; i++)
		free(a->keys[i]);
	free(a->keys);
	free(a->items);
	memset(a, 0, sizeof(*a));
}

int cli_exit_for_outcome(enum act_outcome o)
{
	return o == ACT_REFUSED ? EXIT_REFUSED : EXIT_DONE;
}

/* A phrase of the door's, said in Japanese (NULL keeps it). */
static const char *phrase_ja(void *ctx, const char *arg)
{
	const char *ja = *arg ? T_(arg) : arg;

	return ja != arg ? ja : NULL;
}

/* The refusal's own account (detail_fmt) in the CLI's language, or r->message. */
static void refusal_detail(const struct act_result *r, struct strbuf *out)
{
	if (r->detail_fmt && T_(r->detail_fmt) != r->detail_fmt)
		fmtargs_render(out, T_(r->detail_fmt), &r->detail_args, phrase_ja, NULL);
	else if (r->message && !cli_say_core_error(out, r->message))
		strbuf_addstr(out, r->message);
}

void cli_act_text(const struct act_result *r, struct strbuf *out)
{
	struct strbuf en = STRBUF_INIT, detail = STRBUF_INIT;
	const char *who, *reason;

	if (!cli_lang_ja()) {
		act_result_text(r, out);
		return;
	}
	switch (r->outcome) {
	case ACT_DONE:
		strbuf_addstr(out, T_("Done."));
		break;
	case ACT_PENDING:
		/* the approvers as the door names them (Japanese already) */
		act_result_text(r, &en);
		who = strstr(en.buf, "(承認者: ");
		if (who && en.len && en.buf[en.len - 1] == ')') {
			who += strlen("(承認者: ");
			strbuf_setlen(&en, en.len - 1);
		}
		strbuf_addf(out, T_("Waiting for approval: request %lld (approvers: %s)"),
		            (long long)r->request_id, who ? who : "");
		break;
	case ACT_REFUSED:
		strbuf_addstr(out, T_("Refused:"));
		strbuf_addch(out, ' ');
		reason = web_refusal_reason(r->reason);
		refusal_detail(r, &detail);
		if (reason) {
			strbuf_addstr(out, T_(reason));
			if (detail.len)
				strbuf_addf(out, T_(" (details: %s)"), detail.buf);
		} else {
			strbuf_add(out, detail.buf, detail.len);
		}
		if (r->n_clauses) {
			strbuf_addstr(out, " [");
			for (size_t i = 0; i < r->n_clauses; i++)
				strbuf_addf(out, "%s%s", i ? " " : "", r->clauses[i]);
			strbuf_addch(out, ']');
		}
		break;
	}
	strbuf_release(&en);
	strbuf_release(&detail);
}

int cli_act(struct door *d, const struct act_input *in, bool json, struct act_result *res)
{
	struct act_result local = ACT_RESULT_INIT;
	struct act_result *r = res ? res : &local;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	int ret, rc;

	rc = act_run(d, in, r, &err);
	if (rc < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	if (json)
		act_result_json(r, &out);
	else
		cli_act_text(r, &out);
	strbuf_addch(&out, '\n');
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = cli_exit_for_outcome(r->outcome);
	if (!res)
		act_result_release(&local);
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}

const char *cli_admin_actor(const char *as)
{
	const char *env = getenv("MAMORI_AS");

	if (as && *as)
		return as;
	return env && *env ? env : "admin";
}

int cli_read_secret(struct strbuf *sb)
{
	int c;

	while ((c = getchar()) != EOF && c != '\n') {
		if (sb->len >= 4096)
			return -EFBIG;
		strbuf_addch(sb, c);
	}
	if (sb->len && sb->buf[sb->len - 1] == '\r')
		strbuf_setlen(sb, sb->len - 1);
	return ferror(stdin) ? -EIO : 0;
}

int cli_read_file(const char *path, struct strbuf *sb, size_t limit)
{
	int r = strbuf_read_file(sb, path, limit);

	if (r == -EFBIG)
		cli_error("'%s' is larger than %zu bytes", path, limit);
	else if (r < 0)
		cli_error("cannot read '%s': %s", path, strerror(-r));
	return r < 0 ? -1 : 0;
}

int cli_files_store(struct door *d, const struct string_list *paths, struct cli_files *ret)
{
	struct strbuf data = STRBUF_INIT, err = STRBUF_INIT;
	int64_t max = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!paths->nr)
		return 0;
	if (paths->nr > ATTACH_MAX_PER_ACT) {
		cli_error("at most %d files at once", ATTACH_MAX_PER_ACT);
		return -1;
	}
	if (attach_max_bytes(door_dir(d), &max, &err) < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	ret->items = xcalloc((size_t)paths->nr, sizeof(*ret->items));
	ret->names = xcalloc((size_t)paths->nr, sizeof(*ret->names));
	ret->hashes = xcalloc((size_t)paths->nr, sizeof(*ret->hashes));
	for (int i = 0; i < paths->nr; i++) {
		struct attach_blob blob;
		const char *base = NULL;
		strbuf_reset(&data);
		r = strbuf_read_file(&data, paths->items[i], (size_t)max);
		if (r == -EFBIG) {
			cli_error("'%s' is larger than the ward accepts: at most %lld bytes "
			          "([attachments] max_bytes in mamori.conf)",
			          paths->items[i], (long long)max);
			goto fail;
		} else if (r < 0) {
			cli_error("cannot read '%s': %s", paths->items[i], strerror(-r));
			goto fail;
		}
		r = attach_put(door_store(d), door_dir(d), paths->items[i], data.buf, data.len, max,
		               &blob, &err);
		if (r == -EINVAL || r == -EFBIG || r == -EMEDIUMTYPE || r == -EBADMSG) {
			cli_error("%s", err.buf); /* the file itself: the message says what */
			goto fail;
		} else if (r < 0) {
			cli_error("%s; nothing was done: run the command again once that is fixed",
			          err.buf);
			goto fail;
		}
		attach_valid_name(paths->items[i], &base);
		ret->names[i] = xstrdup(base);
		ret->hashes[i] = xstrdup(blob.sha256);
		ret->items[i] = (struct act_attachment){ .sha256 = ret->hashes[i],
			                                 .size = blob.size,
			                                 .name = ret->names[i],
			                                 .media_type = blob.media_type };
		ret->nr++;
	}
	strbuf_release(&data);
	strbuf_release(&err);
	return 0;
fail:
	strbuf_release(&data);
	strbuf_release(&err);
	cli_files_release(ret);
	return -1;
}

void cli_files_release(struct cli_files *f)
{
	for (size_t i = 0; i < f->nr; i++) {
		free(f->names[i]);
		free(f->hashes[i]);
	}
	free(f->names);
	free(f->hashes);
	free(f->items);
	memset(f, 0, sizeof(*f));
}

int cli_import_run(struct door *d, const char *path, const struct csv *csv, const size_t *order,
                   const struct act_input *in, struct act_result *res)
{
	struct strbuf err = STRBUF_INIT;
	size_t failed = 0, line;
	int n = act_run_all(d, in, csv->nrecords, res, &failed, &err);

	if (n >= 0) {
		for (size_t i = 0; i < csv->nrecords; i++)
			act_result_release(&res[i]);
		strbuf_release(&err);
		return EXIT_DONE;
	}
	line = failed < csv->nrecords ? csv->records[order ? order[failed] : failed].line : 0;
	if (n == -ECANCELED) {
		cli_error("'%s' line %zu: %s %s; nothing imported", path, line,
		          act_outcome_name(res[failed].outcome), res[failed].message);
		act_result_release(&res[failed]);
	} else {
		cli_error("'%s' line %zu: %s; nothing imported", path, line, err.buf);
	}
	strbuf_release(&err);
	return n == -ECANCELED ? EXIT_REFUSED : EXIT_FAILED;
}

/* The reader for --as, or the operator of the data directory (every record). */
int cli_reader(struct door *d, const char *as, struct reader **ret, struct strbuf *err)
{
	static const char *const admin[] = { ROLE_MAMORI_ADMIN "@org" };

	if (as)
		return reader_for_login(door_store(d), door_profile(d), as, time_now_ms(), ret,
		                        err);
	return reader_new(door_store(d), door_profile(d),
	                  &(struct read_subject){ .login = "", .roles = admin, .n_roles = 1 },
	                  time_now_ms(), ret, err);
}

int cli_csv_usage(const struct cli_csv *o)
{
	if (!o->csv && (o->cp932 || o->output)) {
		cli_error("--cp932 and --output go with --csv");
		return EXIT_USAGE;
	}
	return 0;
}

void cli_csv_begin(const struct cli_csv *o, struct csv_writer *w, struct strbuf *out)
{
	csv_writer_init(w, out,
	                o->cp932 ? (CSV_WRITE_CP932 | CSV_WRITE_FORMULA_GUARD) : CSV_WRITE_DEFAULT);
}

int cli_csv_end(const struct cli_csv *o, struct csv_writer *w, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;

	if (csv_writer_finish(w, &err) < 0) {
		cli_error("%s; export without --cp932", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	strbuf_release(&err);
	if (w->substituted) {
		struct strbuf ch = STRBUF_INIT;
		utf8_encode(&ch, w->first_substituted_cp);
		cli_warn(
		    "%zu characters have no CP932 (Shift_JIS) form and were written as 〓, the "
		    "first on line %zu: '%s' (U+%04X); export without --cp932 (UTF-8) to keep "
		    "them",
		    w->substituted, w->first_substituted_line, ch.buf,
		    (unsigned)w->first_substituted_cp);
		strbuf_release(&ch);
	}
	if (o->output) {
		FILE *fp = fopen(o->output, "wbx");
		if (!fp || fwrite(out->buf, 1, out->len, fp) != out->len || fclose(fp) != 0) {
			cli_error("cannot write '%s': %m (it must not exist yet)", o->output);
			return EXIT_FAILED;
		}
		return EXIT_DONE;
	}
	return cli_print_bytes(out); /* perhaps CP932: byte for byte */
}
