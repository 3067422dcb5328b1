/* cmd-record: `mamori record` (the registers' records) and `mamori act` (an action on one). */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/utf8.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/export.h"
#include "core/history.h"
#include "core/read.h"
#include "core/records.h"
#include "policy/policy.h"

/* Options every command that acts on records shares. */
struct act_opts {
	const char *as, *comment;
	struct string_list fields, context, attach;
	bool json;
};

static int run_record_act(struct cli_ctx *ctx, struct act_input *in, struct act_opts *o,
                          bool print_id)
{
	struct cli_attrs fields = { 0 }, context = { 0 };
	struct act_result res = ACT_RESULT_INIT;
	struct cli_files files = { 0 };
	struct door *d = NULL;
	int ret;

	if (!o->as) {
		cli_error("say who acts: --as LOGIN");
		return EXIT_USAGE;
	}
	if (cli_attrs_parse(&o->fields, "--field", &fields) < 0 ||
	    cli_attrs_parse(&o->context, "--context", &context) < 0) {
		cli_attrs_release(&fields);
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	if (cli_files_store(d, &o->attach, &files) < 0) {
		ret = EXIT_FAILED;
		door_free(d);
		goto out;
	}
	in->attachments = files.items;
	in->n_attachments = files.nr;
	in->actor = o->as;
	in->fields = fields.items;
	in->n_fields = fields.nr;
	in->comment = o->comment;
	cli_act_context(&in->ctx);
	in->ctx.attrs = context.items;
	in->ctx.n_attrs = context.nr;
	if (!print_id) {
		ret = cli_act(d, in, o->json, NULL);
	} else {
		struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
		if (act_run(d, in, &res, &err) < 0) {
			cli_error("%s", err.buf);
			ret = EXIT_FAILED;
		} else {
			if (o->json) {
				/* {"id":N, then the act's keys */
				struct strbuf act = STRBUF_INIT;
				act_result_json(&res, &act);
				if (res.outcome == ACT_DONE)
					strbuf_addf(&out, "{\"id\":%lld,",
					            (long long)res.record_id);
				else
					strbuf_addstr(&out, "{\"id\":null,");
				strbuf_addstr(&out, act.buf + 1);
				strbuf_release(&act);
			} else if (res.outcome == ACT_DONE) {
				strbuf_addf(&out, "%lld", (long long)res.record_id);
			} else {
				cli_act_text(&res, &out);
			}
			strbuf_addch(&out, '\n');
			ret = cli_print(&out);
			if (ret == EXIT_DONE)
				ret = cli_exit_for_outcome(res.outcome);
		}
		act_result_release(&res);
		strbuf_release(&err);
		strbuf_release(&out);
	}
	door_free(d);
out:
	cli_files_release(&files);
	cli_attrs_release(&fields);
	cli_attrs_release(&context);
	return ret;
}

#define ACT_OPTIONS(o)                                                                             \
	OPT_STRING(0, "as", &(o).as, "LOGIN", "who acts (required)"),                              \
	    OPT_STRING_LIST(0, "field", &(o).fields, "K=V", "a field value (repeatable)"),         \
	    OPT_STRING_LIST(0, "context", &(o).context, "K=V",                                     \
	                    "policy context: channel=internet, device=private, acting_for=ROLE"),  \
	    OPT_STRING(0, "comment", &(o).comment, "TEXT", "a comment kept with the act"),         \
	    OPT_STRING_LIST(0, "attach", &(o).attach, "FILE",                                      \
	                    "a file kept with the act (PDF, Office, image; repeatable)"),          \
	    OPT_BOOL(0, "json", &(o).json, "print the outcome as JSON")

static void act_opts_release(struct act_opts *o)
{
	string_list_clear(&o->fields);
	string_list_clear(&o->attach);
	string_list_clear(&o->context);
}

static int record_add(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori record add REGISTER[.ACTION] --field K=V... [--level L] [--section S] "
		"[--system ID] --as LOGIN [--json]",
		NULL
	};
	struct act_opts o = { 0 };
	const char *level = NULL, *section = NULL, *system = NULL;
	const struct option opts[] = {
		ACT_OPTIONS(o),
		OPT_STRING(0, "level", &level, "L", "the record's level (レベル, 重要性分類)"),
		OPT_STRING(0, "section", &section, "S", "the owning section"),
		OPT_STRING(0, "system", &system, "ID", "the information system it belongs to"),
		OPT_END(),
	};
	struct act_input in = { 0 };
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0) {
		act_opts_release(&o);
		return ret;
	}
	in.kind = ACT_RECORD;
	/* REGISTER (its first creating action) or REGISTER.ACTION (that one) */
	if (strchr(argv[0], '.'))
		in.action = argv[0];
	else
		in.register_id = argv[0];
	in.level = level;
	in.section = section;
	in.system = system;
	ret = run_record_act(ctx, &in, &o, true);
	act_opts_release(&o);
	return ret;
}

int cmd_act(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori act RECORD ACTION --as LOGIN [--field K=V]... [--context K=V]... "
		"[--comment TEXT] [--attach FILE]... [--json]",
		NULL
	};
	struct act_opts o = { 0 };
	int64_t expect = 0;
	const struct option opts[] = {
		ACT_OPTIONS(o),
		OPT_INT(0, "expect-version", &expect, "N",
		        "refuse if the record changed since version N", 0, INT64_MAX),
		OPT_END(),
	};
	struct act_input in = { 0 };
	int64_t id;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP || n != 2) {
		if (n >= 0)
			cli_error(
			    "act needs RECORD and ACTION (register.action, e.g. asset.take_out)");
		act_opts_release(&o);
		return n == PARSE_OPT_HELP ? EXIT_DONE : EXIT_USAGE;
	}
	if (parse_int64(argv[0], 1, INT64_MAX, &id) < 0) {
		cli_error("'%s' is not a record id", argv[0]);
		act_opts_release(&o);
		return EXIT_USAGE;
	}
	in.kind = ACT_RECORD;
	in.record_id = id;
	in.action = argv[1];
	in.expect_version = expect;
	ret = run_record_act(ctx, &in, &o, false);
	act_opts_release(&o);
	return ret;
}

static void record_json(struct json_writer *w, const struct record *r)
{
	char *fields = json_dumps(r->fields, JSON_COMPACT | JSON_SORT_KEYS);
	struct strbuf t = STRBUF_INIT;

	jw_kv_int(w, "id", r->id);
	jw_kv_str(w, "register", r->register_id);
	jw_kv_str(w, "state", r->state);
	jw_kv_str(w, "level", r->level);
	jw_kv_str(w, "section", r->section);
	jw_kv_str(w, "system", r->system);
	jw_key(w, "fields");
	jw_raw(w, fields);
	jw_kv_int(w, "version", r->version);
	time_format_rfc3339(&t, r->created_ms);
	jw_kv_str(w, "created", t.buf);
	strbuf_reset(&t);
	time_format_rfc3339(&t, r->changed_ms);
	jw_kv_str(w, "changed", t.buf);
	strbuf_release(&t);
	free(fields);
}

/*
 * The records of a register for the list and the export: every one (the operator's view), or
 * with --as LOGIN only those LOGIN may read, decided as the web decides (core/read.h).
 */
static int records_for(struct door *d, const char *as, const struct record_filter *f,
                       struct record_list *ret, struct strbuf *err)
{
	struct record_query q = { .register_id = f->register_id,
		                  .level = f->level,
		                  .section = f->section,
		                  .state = f->state,
		                  .sort = "id" };
	struct record_page pg = { 0 };
	struct reader *rd = NULL;
	int r;

	if (!as)
		return records_list(door_store(d), f, ret, err);
	r = reader_for_login(door_store(d), door_profile(d), as, time_now_ms(), &rd, err);
	if (r == 0)
		r = records_query(door_store(d), rd, &q, &pg, err);
	reader_unref(rd);
	if (r == 0)
		*ret = pg.list;
	return r;
}

static int record_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori record list REGISTER [--level L] [--section "
		                             "S] [--state S] [--as LOGIN] [--json]",
		                             NULL };
	struct record_filter f = { 0 };
	bool json = false;
	const char *as = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "only the records LOGIN may read"),
		OPT_STRING(0, "level", &f.level, "L", "only this level"),
		OPT_STRING(0, "section", &f.section, "S", "only this section"),
		OPT_STRING(0, "state", &f.state, "S", "only this state"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct record_list l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	const struct policy_register *reg;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	reg = policy_register(door_profile(d), argv[0]);
	if (!reg) {
		cli_error("unknown register '%s'; 'mamori policy show' lists them", argv[0]);
		ret = EXIT_FAILED;
		goto out;
	}
	f.register_id = argv[0];
	if (records_for(d, as, &f, &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (size_t i = 0; i < l.nr; i++) {
			jw_object_begin(&w);
			record_json(&w, &l.items[i]);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		struct table t;
		table_init(&t, 5, (const char *[]){ "ID", "名称", "レベル", "課", "状態" });
		t.right_align = 1;
		for (size_t i = 0; i < l.nr; i++) {
			const struct record *r = &l.items[i];
			const struct policy_state *st = policy_register_state(reg, r->state);
			char id[24];
			snprintf(id, sizeof(id), "%lld", (long long)r->id);
			table_add(&t, (const char *[]){ id, record_title(door_profile(d), r),
			                                r->level, r->section,
			                                st && st->name ? st->name : r->state });
		}
		table_render(&t, &out);
		table_release(&t);
	}
	ret = cli_print(&out);
out:
	record_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

static void history_text(struct strbuf *out, const struct history *h)
{
	for (size_t i = 0; i < h->nr; i++) {
		const struct history_item *x = &h->items[i];
		cli_time(out, x->at_ms);
		strbuf_addf(out, "  #%llu  %s  %s  %s", (unsigned long long)x->ledger_index,
		            x->actor, x->action, cli_state_name(x->outcome));
		if (x->request_id)
			strbuf_addf(out, T_(" (request %lld)"), (long long)x->request_id);
		if (x->decision)
			strbuf_addf(out, "  %s", cli_state_name(x->decision));
		if (x->clauses && *x->clauses)
			strbuf_addf(out, "  [%s]", x->clauses);
		strbuf_addf(out, T_("  profile %.12s%s\n"),
		            x->profile_sha256 ? x->profile_sha256 : "",
		            x->verified ? "" : T_("  (LEDGER MISMATCH)"));
		/* what the act recorded: 持出し先, 目的, 点検日 ... */
		if (json_object_size(x->fields)) {
			const char *k;
			json_t *v;
			strbuf_addstr(out, "    ");
			json_object_foreach(x->fields, k, v)
			{
				if (json_is_string(v))
					strbuf_addf(out, " %s=%s", k, json_string_value(v));
			}
			strbuf_addch(out, '\n');
		}
		if (x->comment)
			strbuf_addf(out, T_("     comment: %s\n"), x->comment);
	}
}

void cli_history_json(struct json_writer *w, const struct history *h)
{
	struct strbuf t = STRBUF_INIT;

	jw_array_begin(w);
	for (size_t i = 0; i < h->nr; i++) {
		const struct history_item *x = &h->items[i];
		jw_object_begin(w);
		strbuf_reset(&t);
		time_format_rfc3339(&t, x->at_ms);
		jw_kv_str(w, "time", t.buf);
		jw_kv_str(w, "actor", x->actor);
		jw_kv_str(w, "kind", x->kind);
		jw_kv_str(w, "action", x->action);
		jw_kv_str(w, "outcome", x->outcome);
		jw_kv_str(w, "decision", x->decision);
		jw_key(w, "clauses");
		jw_array_begin(w);
		for (const char *c = x->clauses; c && *c;) {
			const char *sp = strchr(c, ' ');
			size_t len = sp ? (size_t)(sp - c) : strlen(c);
			jw_string_len(w, c, len);
			c += len + (sp ? 1 : 0);
		}
		jw_array_end(w);
		if (x->request_id)
			jw_kv_int(w, "request", x->request_id);
		jw_kv_str(w, "via", x->via);
		jw_kv_str(w, "os_user", x->os_user);
		jw_kv_str(w, "profile", x->profile_sha256);
		jw_key(w, "ledger_index");
		jw_uint(w, x->ledger_index);
		jw_kv_bool(w, "verified", x->verified);
		/* what the act recorded, field id -> value ({} when nothing) */
		jw_key(w, "fields");
		{
			char *f =
			    x->fields ? json_dumps(x->fields, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
			jw_raw(w, f ? f : "{}");
			free(f);
		}
		if (x->comment)
			jw_kv_str(w, "comment", x->comment);
		jw_object_end(w);
	}
	jw_array_end(w);
	strbuf_release(&t);
}

/* record show's output: the record as JSON or text; with h (--history), what happened to it. */
static void record_show_print(struct strbuf *out, const struct profile *p, const struct record *r,
                              bool json, const struct history *h)
{
	const struct policy_register *reg = policy_register(p, r->register_id);

	if (json) {
		struct json_writer w;
		jw_init(&w, out);
		jw_object_begin(&w);
		record_json(&w, r);
		if (h) {
			jw_key(&w, "history");
			cli_history_json(&w, h);
		}
		jw_object_end(&w);
		strbuf_addch(out, '\n');
	} else {
		const struct policy_state *st = reg ? policy_register_state(reg, r->state) : NULL;
		strbuf_addf(out, "%s %lld  %s\n", reg && reg->name ? reg->name : r->register_id,
		            (long long)r->id, record_title(p, r));
		strbuf_addf(out, "状態: %s (%s)  版: %lld\n", st && st->name ? st->name : r->state,
		            r->state, (long long)r->version);
		for (unsigned i = 0; reg && i < reg->n_fields; i++) {
			const char *v = record_field(r, reg->fields[i].id);
			strbuf_addf(out, "%s (%s): %s\n",
			            reg->fields[i].name ? reg->fields[i].name : reg->fields[i].id,
			            reg->fields[i].id, v ? v : "-");
		}
		if (h) {
			strbuf_addstr(out, "\n履歴 (ledger):\n");
			history_text(out, h);
		}
	}
}

/* EXIT_FAILED, said, when an act of h does not match its ledger entry; else EXIT_DONE. */
static int history_verified(const struct history *h)
{
	for (size_t i = 0; i < h->nr; i++)
		if (!h->items[i].verified) {
			cli_error("act %lld does not match ledger entry %llu; run 'mamori ledger "
			          "verify'",
			          (long long)h->items[i].act_id,
			          (unsigned long long)h->items[i].ledger_index);
			return EXIT_FAILED;
		}
	return EXIT_DONE;
}

static int record_show(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori record show ID [--history] [--json] [--as LOGIN]", NULL
	};
	bool json = false, history = false;
	const char *as = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN",
		           "as LOGIN would see it (not found if they may not)"),
		OPT_BOOL(0, "history", &history, "what happened to it, from the ledger"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct record r = { 0 };
	struct history h = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if (parse_int64(argv[0], 1, INT64_MAX, &id) < 0) {
		cli_error("'%s' is not a record id", argv[0]);
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (record_get(door_store(d), id, &r, &err) == 0 && as) {
		struct reader *rd = NULL;
		struct read_why why = { 0 };
		if (reader_for_login(door_store(d), door_profile(d), as, time_now_ms(), &rd, &err) <
		    0) {
			cli_error("%s", err.buf);
			ret = EXIT_FAILED;
			goto out;
		}
		if (!read_record(rd, &r, &why)) {
			/* the same words as for a record that does not exist */
			record_release(&r);
			reader_unref(rd);
			cli_error("no record %lld; see 'mamori record list REGISTER'",
			          (long long)id);
			ret = EXIT_FAILED;
			goto out;
		}
		reader_unref(rd);
	}
	if ((!r.register_id && record_get(door_store(d), id, &r, &err) < 0) ||
	    (history && history_for_record(d, id, &h, &err) < 0)) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	record_show_print(&out, door_profile(d), &r, json, history ? &h : NULL);
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = history_verified(&h);
out:
	record_release(&r);
	history_release(&h);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

static int record_export(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori record export REGISTER --csv [--cp932] "
		                             "[--ids] [--output FILE] [--as LOGIN]",
		                             NULL };
	bool ids = false;
	const char *as = NULL;
	struct cli_csv co = { 0 };
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "only the records LOGIN may read"),
		OPT_CSV(&co),
		OPT_BOOL(0, "ids", &ids,
		         "headers are the field ids (title), not their names (名称)"),
		OPT_END(),
	};
	struct record_filter f = { 0 };
	struct record_list l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct csv_writer w;
	struct door *d = NULL;
	const struct policy_register *reg;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 1 || !co.csv) {
		if (n >= 0)
			cli_error("record export needs a REGISTER and --csv");
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	reg = policy_register(door_profile(d), argv[0]);
	if (!reg) {
		cli_error("unknown register '%s'", argv[0]);
		ret = EXIT_FAILED;
		goto out;
	}
	f.register_id = argv[0];
	if (records_for(d, as, &f, &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	cli_csv_begin(&co, &w, &out);
	export_records_csv(reg, &l, ids, &w);
	ret = cli_csv_end(&co, &w, &out);
out:
	record_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

static int record_import(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori record import REGISTER FILE.csv --as LOGIN",
		                             NULL };
	const char *as = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "who records them (required)"),
		OPT_END(),
	};
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT;
	struct door *d = NULL;
	const struct policy_register *reg;
	struct act_input *in = NULL;
	struct act_attr *fields = NULL;
	struct act_result *res = NULL;
	size_t ncols;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 2 || !as) {
		if (n >= 0)
			cli_error("record import needs REGISTER, FILE.csv and --as LOGIN");
		return EXIT_USAGE;
	}
	if (csv_read_file(&csv, argv[1], CSV_READ_HEADER | CSV_READ_UNGUARD, NULL, &err) < 0) {
		cli_error("'%s': %s; nothing imported", argv[1], err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret) {
		csv_release(&csv);
		return ret;
	}
	reg = policy_register(door_profile(d), argv[0]);
	if (!reg) {
		cli_error("unknown register '%s'; nothing imported", argv[0]);
		ret = EXIT_FAILED;
		goto out;
	}
	/* Columns are field ids or names; the number and the state (as exported) are ignored. */
	ncols = csv.ncolumns;
	in = xcalloc(csv.nrecords + 1, sizeof(*in));
	fields = xcalloc(csv.nrecords * ncols + 1, sizeof(*fields));
	res = xcalloc(csv.nrecords + 1, sizeof(*res));
	for (size_t i = 0; i < csv.nrecords; i++) {
		struct act_attr *f = &fields[i * ncols];
		size_t nf = 0;
		for (size_t c = 0; c < ncols; c++) {
			const char *col = csv.columns[c];
			if (export_column_ignored(col) || !*csv.records[i].fields[c])
				continue;
			f[nf++] = (struct act_attr){ col, csv.records[i].fields[c] };
		}
		in[i].kind = ACT_RECORD;
		in[i].actor = as;
		in[i].register_id = reg->id;
		in[i].fields = f;
		in[i].n_fields = nf;
		cli_act_context(&in[i].ctx);
	}
	ret = cli_import_run(d, argv[1], &csv, NULL, in, res);
	if (ret == EXIT_DONE)
		printf(T_("imported %zu records into '%s' from '%s' (%s)\n"), csv.nrecords, reg->id,
		       argv[1], csv_encoding_name(csv.encoding));
out:
	free(in);
	free(fields);
	free(res);
	csv_release(&csv);
	strbuf_release(&err);
	door_free(d);
	return ret;
}

int cmd_record(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "add", record_add,
		  N_("add a record to a register (an action the policy decides)") },
		{ "list", record_list, N_("list a register's records") },
		{ "show", record_show, N_("one record, with --history from the ledger") },
		{ "export", record_export, N_("write a register as CSV for Excel") },
		{ "import", record_import,
		  N_("add records from CSV (UTF-8 or CP932), all or none") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "record", table, argc, argv);
}
