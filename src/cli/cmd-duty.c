/* cmd-duty: `mamori duty`: periodic duties, who owes them, and recording their fulfilment. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/export-lists.h"
#include "core/core.h"
#include "core/duties.h"
#include "policy/policy.h"

/* Evidence files are hashed, not stored: a few hundred MiB at most is plenty. */
#define EVIDENCE_MAX_BYTES (512u << 20)

static void when(struct strbuf *sb, int64_t ms)
{
	if (ms)
		cli_time(sb, ms);
	else
		strbuf_addstr(sb, "-");
}

/* --csv: the duties (the due ones with --due), the due ones first. */
static int duty_list_csv(struct door *d, const struct cli_csv *co, struct duty_list *l, bool due,
                         int64_t now, struct strbuf *out)
{
	/* A view of the due ones (with --due): it borrows l's items. */
	struct duty_list view = { .items = xcalloc(l->nr + 1, sizeof(*view.items)) };
	struct csv_writer w;
	duty_list_sort_due(l);
	for (size_t i = 0; i < l->nr; i++)
		if (!due || l->items[i].due)
			view.items[view.nr++] = l->items[i];
	cli_csv_begin(co, &w, out);
	export_duties_csv(door_store(d), &view, now, &w);
	free(view.items);
	return cli_csv_end(co, &w, out);
}

/* One duty as a JSON object (--json); t is scratch for the times. */
static void duty_json(struct json_writer *w, const struct duty_status *x, struct strbuf *t)
{
	jw_object_begin(w);
	jw_kv_str(w, "duty", x->duty->id);
	jw_kv_str(w, "name", x->duty->name);
	jw_kv_str(w, "role", x->duty->role->id);
	jw_kv_str(w, "scope", x->scope);
	jw_kv_int(w, "every_seconds", x->duty->every_seconds);
	jw_kv_str(w, "evidence", x->duty->evidence ? x->duty->evidence->full_name : NULL);
	strbuf_reset(t);
	if (x->last_done_ms)
		time_format_rfc3339(t, x->last_done_ms);
	jw_kv_str(w, "last_done", x->last_done_ms ? t->buf : NULL);
	jw_kv_str(w, "last_done_by", x->last_done_by);
	strbuf_reset(t);
	time_format_rfc3339(t, x->next_due_ms);
	jw_kv_str(w, "next_due", t->buf);
	jw_kv_bool(w, "due", x->due);
	jw_key(w, "owed_by");
	jw_array_begin(w);
	for (size_t k = 0; k < x->owed_by.nr; k++)
		jw_string(w, x->owed_by.items[k]);
	jw_array_end(w);
	jw_key(w, "clauses");
	jw_array_begin(w);
	for (unsigned k = 0; k < x->duty->clauses.nr; k++)
		jw_string(w, x->duty->clauses.items[k]->id);
	jw_array_end(w);
	jw_key(w, "evidence_fields");
	jw_object_begin(w);
	for (unsigned k = 0; k < x->duty->n_evidence_values; k++) {
		const struct policy_evidence_value *ev = &x->duty->evidence_values[k];
		jw_key(w, ev->field->id);
		jw_array_begin(w);
		for (unsigned v = 0; v < ev->n_values; v++)
			jw_string(w, ev->values[v]);
		jw_array_end(w);
	}
	jw_object_end(w);
	jw_object_end(w);
}

/* --json: an array of the duties (the due ones with --due). */
static void duty_list_json(const struct duty_list *l, bool due, struct strbuf *out)
{
	struct strbuf t = STRBUF_INIT;
	struct json_writer w;
	jw_init(&w, out);
	jw_array_begin(&w);
	for (size_t i = 0; i < l->nr; i++)
		if (!due || l->items[i].due)
			duty_json(&w, &l->items[i], &t);
	jw_array_end(&w);
	strbuf_addch(out, '\n');
	strbuf_release(&t);
}

/* The table of the duties (the due ones with --due). */
static void duty_list_table(const struct duty_list *l, bool due, struct strbuf *out)
{
	struct table tb;
	table_init(&tb, 6, (const char *[]){ "義務", "名称", "範囲", "担当", "前回", "次回" });
	for (size_t i = 0; i < l->nr; i++) {
		const struct duty_status *x = &l->items[i];
		struct strbuf who = STRBUF_INIT, last = STRBUF_INIT, next = STRBUF_INIT;
		if (due && !x->due)
			continue;
		for (size_t k = 0; k < x->owed_by.nr; k++)
			strbuf_addf(&who, "%s%s", k ? "," : "", x->owed_by.items[k]);
		when(&last, x->last_done_ms);
		when(&next, x->next_due_ms);
		if (x->due)
			strbuf_addstr(&next, " 期限到来");
		table_add(&tb, (const char *[]){ x->duty->id, x->duty->name, x->scope, who.buf,
		                                 last.buf, next.buf });
		strbuf_release(&who);
		strbuf_release(&last);
		strbuf_release(&next);
	}
	table_render(&tb, out);
	table_release(&tb);
}

static int duty_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori duty list [--due] [--json | --csv [--cp932] [-o FILE]]", NULL
	};
	bool due = false, json = false;
	struct cli_csv co = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "due", &due, "only what is due now"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_CSV(&co),
		OPT_END(),
	};
	struct duty_list l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int64_t now = time_now_ms();
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if ((ret = cli_csv_usage(&co)))
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (duties_compute(d, now, &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (co.csv) {
		ret = duty_list_csv(d, &co, &l, due, now, &out);
		goto out;
	}
	if (json)
		duty_list_json(&l, due, &out);
	else
		duty_list_table(&l, due, &out);
	ret = cli_print(&out);
out:
	duty_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

static int duty_done(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori duty done DUTY --evidence TEXT|FILE --as LOGIN [--scope SCOPE] "
		"[--done-on YYYY-MM-DD] [--attach FILE]... [--json]",
		NULL
	};
	const char *evidence = NULL, *as = NULL, *scope = NULL, *done_on = NULL;
	struct string_list attach = { 0 };
	struct cli_files files = { 0 };
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "evidence", &evidence, "TEXT|FILE",
		           "what shows it was done: text, or a file whose SHA-256 is ledgered"),
		OPT_STRING(0, "as", &as, "LOGIN", "who did it (required)"),
		OPT_STRING(0, "scope", &scope, "SCOPE",
		           "where (section:ID, system:ID) when LOGIN holds the role at several"),
		OPT_STRING(0, "done-on", &done_on, "YYYY-MM-DD",
		           "the day it was done (実施日; default today, never in the future)"),
		OPT_STRING_LIST(0, "attach", &attach, "FILE",
		                "a document kept with the duty (PDF, Office, image; repeatable)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct strbuf data = STRBUF_INIT;
	struct act_attr f[4];
	struct act_input in = { 0 };
	struct door *d = NULL;
	char hex[65];
	size_t nf = 0;
	struct stat sb;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP || n != 1 || !evidence || !as) {
		if (n >= 0 && n != PARSE_OPT_HELP)
			cli_error("duty done needs DUTY, --evidence and --as LOGIN");
		string_list_clear(&attach);
		return n == PARSE_OPT_HELP ? EXIT_DONE : EXIT_USAGE;
	}
	if (stat(evidence, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if (cli_read_file(evidence, &data, EVIDENCE_MAX_BYTES) < 0) {
			string_list_clear(&attach);
			return EXIT_FAILED;
		}
		core_sha256_hex(data.buf, data.len, hex);
		f[nf++] = (struct act_attr){ "evidence_sha256", hex };
	}
	f[nf++] = (struct act_attr){ "evidence", evidence };
	if (scope)
		f[nf++] = (struct act_attr){ "scope", scope };
	if (done_on)
		f[nf++] = (struct act_attr){ "done_on", done_on };
	strbuf_release(&data);
	ret = cli_door_open(ctx, 0, &d);
	if (ret) {
		string_list_clear(&attach);
		return ret;
	}
	if (cli_files_store(d, &attach, &files) < 0) {
		ret = EXIT_FAILED;
		goto out;
	}
	in.kind = ACT_DUTY_DONE;
	in.actor = as;
	in.target = argv[0];
	in.fields = f;
	in.n_fields = nf;
	in.attachments = files.items;
	in.n_attachments = files.nr;
	cli_act_context(&in.ctx);
	ret = cli_act(d, &in, json, NULL);
out:
	cli_files_release(&files);
	string_list_clear(&attach);
	door_free(d);
	return ret;
}

int cmd_duty(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "list", duty_list, N_("periodic duties: who owes them where, when next due") },
		{ "done", duty_done, N_("record a duty's fulfilment with its evidence") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "duty", table, argc, argv);
}
