/* cmd-transfer: `mamori user transfer FILE.csv`: 人事異動 from one CSV (core/personnel.h):
 * every line checked and shown first; with no error and without --dry-run, applied through the
 * door all or nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/csv.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/personnel.h"

/* "sato 佐藤花子: 税務課 → kumin, 職名 X, ends A, starts B from D, retires" */
static void describe(const struct personnel_line *l, struct strbuf *out)
{
	strbuf_addf(out, "line %zu: %s", l->line, l->login);
	if (l->name)
		strbuf_addf(out, " %s", l->name);
	strbuf_addf(out, " (%s):", l->date ? l->date : "-");
	if (l->section)
		strbuf_addf(out, " moves %s -> %s%s;", l->from_section ? l->from_section : "-",
		            l->section, l->date_ms > time_now_ms() ? " on that day" : "");
	if (l->title)
		strbuf_addf(out, " 職名 %s;", l->title);
	for (size_t i = 0; i < l->end_roles.nr; i++)
		strbuf_addf(out, " ends %s;", l->end_roles.items[i]);
	for (size_t i = 0; i < l->start_roles.nr; i++)
		strbuf_addf(out, " starts %s;", l->start_roles.items[i]);
	if (l->retire)
		strbuf_addstr(out, " retires;");
	if (out->len && out->buf[out->len - 1] == ';')
		strbuf_setlen(out, out->len - 1);
	strbuf_addch(out, '\n');
}

static void print_plan(const char *path, const struct personnel_plan *plan)
{
	struct strbuf out = STRBUF_INIT;

	for (size_t i = 0; i < plan->nr; i++) {
		const struct personnel_line *l = &plan->items[i];
		if (!l->error) {
			describe(l, &out);
			continue;
		}
		strbuf_addf(&out, "'%s' line %zu: ", path, l->line);
		personnel_format(personnel_error_text(l->error), l->arg, &out);
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
		printf("applied %zu moves dated ahead\n", applied);
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
	struct strbuf err = STRBUF_INIT, why = STRBUF_INIT;
	struct act_context c;
	struct door *d = NULL;
	size_t acts = 0, line = 0;
	int n, ret, r;

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
	print_plan(argv[0], &plan);
	if (plan.n_errors) {
		cli_error("'%s': %zu of %zu lines have errors; nothing applied", argv[0],
		          plan.n_errors, plan.nr);
		ret = EXIT_FAILED;
		goto out;
	}
	if (dry) {
		printf("checked %zu lines; nothing applied (--dry-run)\n", plan.nr);
		goto out;
	}
	cli_act_context(&c);
	r = personnel_apply(d, &plan, cli_admin_actor(as), &c, &acts, &line, &why, &err);
	if (r == -ECANCELED) {
		cli_error("'%s' line %zu: refused: %s; nothing applied", argv[0], line, why.buf);
		ret = EXIT_REFUSED;
	} else if (r < 0) {
		cli_error("'%s' line %zu: %s; nothing applied", argv[0], line, err.buf);
		ret = EXIT_FAILED;
	} else {
		printf("applied %zu lines (%zu acts) from '%s' (%s)\n", plan.nr, acts, argv[0],
		       csv_encoding_name(csv.encoding));
	}
out:
	personnel_plan_release(&plan);
	csv_release(&csv);
	strbuf_release(&err);
	strbuf_release(&why);
	door_free(d);
	return ret;
}
