/* cmd-transfer: `mamori user transfer FILE.csv`: 人事異動 from one CSV (core/personnel.h):
 * every line checked and shown first; with no error and without --dry-run, applied through the
 * door all or nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/org.h"
#include "core/personnel.h"
#include "policy/policy.h"

/* What people read for a section id or a role@scope: in Japanese their names ("税務課",
 * "税務課 セキュリティ責任者"), in English the ids as written in the file. */
static void add_section(struct door *d, const char *id, struct strbuf *out)
{
	char *scope = NULL, *name = NULL;

	if (cli_lang_ja() && id) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "section:%s", id);
		scope = strbuf_detach(&sb, NULL);
		name = org_scope_name(door_store(d), scope);
	}
	strbuf_addstr(out, name ? name : id ? id : "-");
	free(name);
	free(scope);
}

static void add_role(struct door *d, const char *rs, struct strbuf *out)
{
	const char *at = strchr(rs, '@');
	char *role = at ? xstrndup(rs, (size_t)(at - rs)) : xstrdup(rs);
	const struct policy_role *x = policy_role(door_profile(d), role);
	char *scope = at ? org_scope_name(door_store(d), at + 1) : NULL;

	if (!cli_lang_ja() || !x || !x->name)
		strbuf_addstr(out, rs);
	else if (scope)
		strbuf_addf(out, "%s %s", scope, x->name);
	else
		strbuf_addstr(out, x->name);
	free(scope);
	free(role);
}

/* "line 3: sato 佐藤花子 (2027-04-01): moves zeimu -> kumin on that day; 職名 X; ends A; starts B;
 * retires", in the CLI's language (names and the date as the office writes them in Japanese). */
static void describe(struct door *d, const struct personnel_line *l, struct strbuf *out)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	strbuf_addf(out, T_("line %zu: %s"), l->line, l->login);
	if (l->name)
		strbuf_addf(out, " %s", l->name);
	cli_date(&a, l->date ? l->date : "-");
	strbuf_addf(out, T_(" (%s):"), a.buf);
	if (l->section) {
		strbuf_reset(&a);
		add_section(d, l->from_section, &a);
		add_section(d, l->section, &b);
		strbuf_addf(out, T_(" moves %s -> %s%s;"), a.buf, b.buf,
		            l->date_ms > time_now_ms() ? T_(" on that day") : "");
	}
	if (l->title)
		strbuf_addf(out, T_(" 職名 %s;"), l->title);
	for (size_t i = 0; i < l->end_roles.nr; i++) {
		strbuf_reset(&a);
		add_role(d, l->end_roles.items[i], &a);
		strbuf_addf(out, T_(" ends %s;"), a.buf);
	}
	for (size_t i = 0; i < l->start_roles.nr; i++) {
		strbuf_reset(&a);
		add_role(d, l->start_roles.items[i], &a);
		strbuf_addf(out, T_(" starts %s;"), a.buf);
	}
	if (l->retire)
		strbuf_addstr(out, T_(" retires;"));
	if (out->len && out->buf[out->len - 1] == ';')
		strbuf_setlen(out, out->len - 1);
	strbuf_addch(out, '\n');
	strbuf_release(&a);
	strbuf_release(&b);
}

static void print_plan(struct door *d, const char *path, const struct personnel_plan *plan)
{
	struct strbuf out = STRBUF_INIT;

	for (size_t i = 0; i < plan->nr; i++) {
		const struct personnel_line *l = &plan->items[i];
		if (!l->error) {
			describe(d, l, &out);
			continue;
		}
		strbuf_addf(&out, T_("'%s' line %zu: "), path, l->line);
		personnel_format(T_(personnel_error_text(l->error)), l->arg, &out);
		strbuf_addch(&out, '\n');
	}
	fputs(out.buf, plan->n_errors ? stderr : stdout); /* with errors all of it is the error */
	strbuf_release(&out);
}

/* --due: the moves dated ahead whose day has come, applied through the door now. */
static int run_due(struct cli_ctx *ctx)
{
	struct strbuf err = STRBUF_INIT;
	struct door *d = NULL;
	size_t applied = 0, failed = 0;
	int ret = cli_door_open(ctx, 0, &d);

	if (ret)
		return ret;
	if (personnel_run_due(d, time_now_ms(), &applied, &failed, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
	} else {
		printf(T_("applied %zu moves dated ahead\n"), applied);
		if (failed) {
			cli_error("%zu moves dated ahead were not applied (they stay): %s", failed,
			          err.buf);
			ret = EXIT_FAILED;
		}
	}
	strbuf_release(&err);
	door_free(d);
	return ret;
}

/* --cancel LOGIN: the move dated ahead kept for LOGIN is called off through the door. */
static int run_cancel(struct cli_ctx *ctx, const char *login, const char *as, bool json)
{
	struct act_input in = { .kind = ACT_USER_MOVE_CANCEL, .target = login };
	struct door *d = NULL;
	int ret = cli_door_open(ctx, 0, &d);

	if (ret)
		return ret;
	in.actor = cli_admin_actor(as);
	cli_act_context(&in.ctx);
	ret = cli_act(d, &in, json, NULL);
	door_free(d);
	return ret;
}

/* Applies the checked plan of path (read as enc), all or nothing; returns the exit code. */
static int apply_plan(struct door *d, const char *path, enum csv_encoding enc,
                      const struct personnel_plan *plan, const char *as, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	struct act_context c;
	size_t acts = 0, line = 0;
	int r, ret = EXIT_DONE;

	cli_act_context(&c);
	r = personnel_apply(d, plan, cli_admin_actor(as), &c, &acts, &line, &why, err);
	if (r == -ECANCELED) {
		cli_error("'%s' line %zu: refused: %s; nothing applied", path, line, why.buf);
		ret = EXIT_REFUSED;
	} else if (r < 0) {
		cli_error("'%s' line %zu: %s; nothing applied", path, line, err->buf);
		ret = EXIT_FAILED;
	} else {
		printf(T_("applied %zu lines (%zu acts) from '%s' (%s)\n"), plan->nr, acts, path,
		       csv_encoding_name(enc));
	}
	strbuf_release(&why);
	return ret;
}

int cmd_user_transfer(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori user transfer FILE.csv [--date YYYY-MM-DD] [--dry-run] [--as LOGIN]",
		"mamori user transfer --due",
		"mamori user transfer --cancel LOGIN [--as LOGIN] [--json]",
		N_("columns ログインID, and any of 異動日, 新所属, 新職名, 終了する役割, 開始する "
		   "役割, 退職"),
		NULL
	};
	const char *as = NULL, *date = NULL, *cancel = NULL;
	bool dry = false, due = false, json = false;
	const struct option opts[] = {
		OPT_STRING(0, "date", &date, "DATE",
		           "the day it takes effect for lines without one"),
		OPT_BOOL(0, "dry-run", &dry, "check and show every line, change nothing"),
		OPT_STRING(0, "as", &as, "LOGIN", "administrator acting (default: admin)"),
		OPT_BOOL(0, "due", &due,
		         "apply the moves dated ahead whose day has come (serve does it every "
		         "minute)"),
		OPT_STRING(0, "cancel", &cancel, "LOGIN", "call off LOGIN's move dated ahead"),
		OPT_BOOL(0, "json", &json, "with --cancel: print the outcome as JSON"),
		OPT_END(),
	};
	struct csv csv = CSV_INIT;
	struct personnel_plan plan = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 1, &ret);
	if (n < 0)
		return ret;
	if (cancel && !n && !due)
		return run_cancel(ctx, cancel, as, json);
	if (due != !n || cancel) {
		cli_error("give one of FILE.csv, --due and --cancel LOGIN");
		return EXIT_USAGE;
	}
	if (due)
		return run_due(ctx);
	if (csv_read_file(&csv, argv[0], CSV_READ_HEADER | CSV_READ_UNGUARD, NULL, &err) < 0) {
		cli_error("'%s': %s; nothing applied", argv[0], err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	ret = cli_door_open(ctx, dry ? DOOR_READONLY : 0, &d);
	if (ret)
		goto out;
	if (personnel_parse(door_store(d), door_profile(d), &csv, date, time_now_ms(), &plan,
	                    &err) < 0) {
		cli_error("'%s': %s; nothing applied", argv[0], err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	print_plan(d, argv[0], &plan);
	if (plan.n_errors) {
		cli_error("'%s': %zu of %zu lines have errors; nothing applied", argv[0],
		          plan.n_errors, plan.nr);
		ret = EXIT_FAILED;
		goto out;
	}
	if (dry) {
		printf(T_("checked %zu lines; nothing applied (--dry-run)\n"), plan.nr);
		goto out;
	}
	ret = apply_plan(d, argv[0], csv.encoding, &plan, as, &err);
out:
	personnel_plan_release(&plan);
	csv_release(&csv);
	strbuf_release(&err);
	door_free(d);
	return ret;
}
