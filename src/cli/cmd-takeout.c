/* cmd-takeout: `mamori takeout list`: what is out of the office now (持出し中), overdue first. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "base/csv.h"
#include "core/export-lists.h"
#include "core/read.h"
#include "core/takeouts.h"

/* --json: an array of the records out of the office. */
static void takeout_list_json(const struct takeout_list *l, struct strbuf *out)
{
	struct strbuf t = STRBUF_INIT;
	struct json_writer w;
	jw_init(&w, out);
	jw_array_begin(&w);
	for (size_t i = 0; i < l->nr; i++) {
		const struct takeout *x = &l->items[i];
		jw_object_begin(&w);
		jw_kv_int(&w, "record", x->record_id);
		jw_kv_str(&w, "register", x->register_id);
		jw_kv_str(&w, "title", x->title);
		jw_kv_str(&w, "level", x->level);
		jw_kv_str(&w, "section", x->section);
		jw_kv_str(&w, "action", x->action);
		strbuf_reset(&t);
		time_format_rfc3339(&t, x->taken_ms);
		jw_kv_str(&w, "taken", t.buf);
		jw_kv_str(&w, "taken_by", x->taken_by);
		jw_kv_str(&w, "destination", x->destination);
		jw_kv_str(&w, "purpose", x->purpose);
		jw_kv_str(&w, "carrier", x->carrier);
		jw_kv_str(&w, "protection", x->protection);
		jw_kv_str(&w, "return_due", x->due);
		jw_kv_bool(&w, "overdue", x->overdue);
		jw_key(&w, "request");
		if (x->request_id)
			jw_int(&w, x->request_id);
		else
			jw_null(&w);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	strbuf_addch(out, '\n');
	strbuf_release(&t);
}

/* The table of the records out of the office. */
static void takeout_list_table(const struct takeout_list *l, struct strbuf *out)
{
	struct table tb;
	table_init(
	    &tb, 7,
	    (const char *[]){ "記録", "名称", "課", "持出し先", "持出者", "返却予定日", "状況" });
	tb.right_align = 1;
	for (size_t i = 0; i < l->nr; i++) {
		const struct takeout *x = &l->items[i];
		char id[24];
		struct strbuf due = STRBUF_INIT;
		snprintf(id, sizeof(id), "%" PRId64, x->record_id);
		cli_date(&due, x->due ? x->due : "-");
		table_add(&tb, (const char *[]){ id, x->title, x->section ? x->section : "-",
		                                 x->destination ? x->destination : "-",
		                                 x->carrier    ? x->carrier
		                                 : x->taken_by ? x->taken_by
		                                               : "-",
		                                 due.buf, x->overdue ? "期限超過" : "持出し中" });
		strbuf_release(&due);
	}
	table_render(&tb, out);
	table_release(&tb);
}

static int takeout_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori takeout list [--section ID] [--overdue] [--as LOGIN] [--json | --csv "
		"[--cp932] [-o "
		"FILE]]",
		N_("records taken out of the office and not yet brought back, overdue first; with "
		   "--as, "
		   "only those LOGIN may read"),
		NULL
	};
	const char *section = NULL, *as = NULL;
	bool overdue = false, json = false;
	struct cli_csv co = { 0 };
	const struct option opts[] = {
		OPT_STRING(0, "section", &section, "ID", "only this section's records"),
		OPT_BOOL(0, "overdue", &overdue, "only those past their 返却予定日"),
		OPT_STRING(0, "as", &as, "LOGIN", "only what LOGIN may read"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_CSV(&co),
		OPT_END(),
	};
	struct takeout_filter f = { .section = NULL };
	struct takeout_list l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct reader *rd = NULL;
	struct door *d = NULL;
	int64_t now = time_now_ms();
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if ((ret = cli_csv_usage(&co)))
		return ret;
	f.section = section;
	f.overdue_only = overdue;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if ((as && reader_for_login(door_store(d), door_profile(d), as, now, &rd, &err) < 0) ||
	    takeouts_list(door_store(d), door_profile(d), rd, &f, now, &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (co.csv) {
		struct csv_writer w;
		cli_csv_begin(&co, &w, &out);
		export_takeouts_csv(door_store(d), door_profile(d), &l, &w);
		ret = cli_csv_end(&co, &w, &out);
		goto out;
	}
	if (json)
		takeout_list_json(&l, &out);
	else
		takeout_list_table(&l, &out);
	ret = cli_print(&out);
out:
	takeout_list_release(&l);
	reader_unref(rd);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

int cmd_takeout(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "list", takeout_list,
		  N_("what is out of the office now (持出し中), overdue first") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "takeout", table, argc, argv);
}
