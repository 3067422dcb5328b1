/* cmd-incident-read: `mamori incident show|list|export|verify-export`: reading a case, the list
 * of cases, and the evidence export for a court or the police (docs/incidents.md). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "cli/incident.h"
#include "core/core.h"
#include "core/export-lists.h"
#include "core/incident.h"
#include "core/read.h"
#include "policy/policy.h"

/* ---- reading --------------------------------------------------------------------------- */

static void local_time(struct strbuf *sb, int64_t ms)
{
	if (ms)
		cli_time(sb, ms);
	else
		strbuf_addstr(sb, "-");
}

static void show_text(const struct incident *inc, struct strbuf *out)
{
	struct strbuf t = STRBUF_INIT;

	strbuf_addf(&out[0], "インシデント %" PRId64 "%s: %s\n", inc->rec.id,
	            inc->drill ? "（訓練）" : "", inc->title);
	local_time(&t, inc->found_ms);
	strbuf_addf(out, "状態: %s  重大度: %s  発見: %s%s%s\n", inc->status_name,
	            inc->severity ? inc->severity : "-", t.buf, inc->urgent ? "  緊急" : "",
	            inc->reportable ? "  法令上の報告対象" : "");
	if (inc->n_deadlines)
		strbuf_addstr(out, "\n期限:\n");
	for (size_t i = 0; i < inc->n_deadlines; i++) {
		const struct incident_deadline *dl = &inc->deadlines[i];
		strbuf_reset(&t);
		time_format_rfc3339_offset(&t, dl->due_ms, TOKYO_OFFSET_MS);
		strbuf_addf(out, "  %s  %s  %s\n", t.buf, dl->def->name,
		            dl->done      ? "済"
		            : dl->overdue ? "期限超過"
		                          : "未了");
	}
	if (inc->n_containment)
		strbuf_addstr(out, "\n封じ込め:\n");
	for (size_t i = 0; i < inc->n_containment; i++) {
		const struct incident_containment *c = &inc->containment[i];
		strbuf_reset(&t);
		local_time(&t, c->since_ms);
		strbuf_addf(out, "  %s  %s %s (%s)%s\n", t.buf, c->name, c->target, c->by,
		            c->in_force ? "  実施中" : "  解除済");
	}
	if (inc->n_evidence)
		strbuf_addstr(out, "\n証拠:\n");
	for (size_t i = 0; i < inc->n_evidence; i++) {
		const struct incident_evidence *e = &inc->evidence[i];
		strbuf_addf(out, "  %s  sha256 %s  台帳 %" PRIu64 "  保管: %s\n", e->name,
		            e->sha256, e->ledger_index, e->holder);
	}
	strbuf_addstr(out, "\n経過:\n");
	for (size_t i = 0; i < inc->n_events; i++) {
		const struct incident_event *e = &inc->events[i];
		strbuf_reset(&t);
		local_time(&t, e->at_ms);
		strbuf_addf(out, "  %s  %s  %s\n", t.buf, e->actor_name ? e->actor_name : e->actor,
		            e->what);
	}
	strbuf_release(&t);
}

int incident_show(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori incident show ID [--as LOGIN] [--json]",
		                             NULL };
	const char *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "read as this person (the profile decides)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct incident inc;
	struct reader *rd = NULL;
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	memset(&inc, 0, sizeof(inc));
	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if (incident_parse_id(argv[0], &id) < 0)
		return EXIT_USAGE;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (cli_reader(d, as, &rd, &err) < 0 ||
	    incident_get(door_store(d), door_ledger(d), door_profile(d), id, time_now_ms(), &inc,
	                 &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (!read_record(rd, &inc.rec, NULL)) {
		cli_error("no incident %" PRId64 " that '%s' may read", id, as ? as : "");
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		incident_json(&inc, &w);
		strbuf_addch(&out, '\n');
	} else {
		show_text(&inc, &out);
	}
	ret = cli_print(&out);
out:
	incident_release(&inc);
	reader_unref(rd);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

/* incident list as a table: a case a row, with its first deadline not met. */
static void incident_list_table(const struct incident_list *l, struct strbuf *out)
{
	struct table tb;
	table_init(&tb, 6, (const char *[]){ "番号", "発見", "状態", "重大度", "期限", "件名" });
	tb.right_align = 1;
	for (size_t i = 0; i < l->nr; i++) {
		const struct incident_summary *s = &l->items[i];
		struct strbuf id = STRBUF_INIT, when = STRBUF_INIT, due = STRBUF_INIT;
		strbuf_addf(&id, "%" PRId64, s->id);
		local_time(&when, s->found_ms);
		for (size_t k = 0; k < s->n_deadlines; k++)
			if (!s->deadlines[k].done) {
				core_format_local_date(&due, s->deadlines[k].due_ms);
				strbuf_addf(&due, " %s%s", s->deadlines[k].def->name,
				            s->deadlines[k].overdue ? "（期限超過）" : "");
				break;
			}
		table_add(&tb, (const char *[]){ id.buf, when.buf, s->status_name,
		                                 s->severity ? s->severity : "-",
		                                 due.len ? due.buf : "-", s->title });
		strbuf_release(&id);
		strbuf_release(&when);
		strbuf_release(&due);
	}
	table_render(&tb, out);
	table_release(&tb);
}

int incident_list_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori incident list [--status S] [--open] [--drills|--drills-only] [--as LOGIN] "
		"[--json | --csv [--cp932] [-o FILE]]",
		N_("the cases, newest first; exercises (訓練) only when asked"), NULL
	};
	struct incident_filter f = { 0 };
	const char *as = NULL;
	bool json = false;
	struct cli_csv co = { 0 };
	const struct option opts[] = {
		OPT_STRING(0, "status", &f.status, "S", "only cases in this status"),
		OPT_BOOL(0, "open", &f.open_only, "only cases not closed"),
		OPT_BOOL(0, "drills", &f.drills, "include exercises (訓練)"),
		OPT_BOOL(0, "drills-only", &f.drills_only, "only exercises (訓練)"),
		OPT_STRING(0, "as", &as, "LOGIN", "the cases this person may read"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_CSV(&co),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct incident_list l = { 0 };
	struct reader *rd = NULL;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if ((ret = cli_csv_usage(&co)))
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (cli_reader(d, as, &rd, &err) < 0 ||
	    incidents_list(door_store(d), rd, door_profile(d), &f, time_now_ms(), &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (co.csv) {
		struct csv_writer w;
		cli_csv_begin(&co, &w, &out);
		export_incidents_csv(door_store(d), &l, &w);
		ret = cli_csv_end(&co, &w, &out);
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (size_t i = 0; i < l.nr; i++)
			incident_summary_json(&l.items[i], &w);
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		incident_list_table(&l, &out);
	}
	ret = cli_print(&out);
out:
	incident_list_release(&l);
	reader_unref(rd);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

/* ---- export ------------------------------------------------------------------------------ */

int incident_export_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori incident export ID DIR",
		                             N_("writes the case's evidence, its ledger entries "
		                                "with inclusion proofs and a signed "
		                                "checkpoint into DIR (new or empty)"),
		                             NULL };
	const struct option opts[] = { OPT_END() };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 2, 2, &ret);
	if (n < 0)
		return ret;
	if (incident_parse_id(argv[0], &id) < 0)
		return EXIT_USAGE;
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	if (incident_export(d, id, argv[1], &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
	} else {
		strbuf_addf(&out,
		            "exported incident %" PRId64 " to '%s'; check it with: mamori "
		            "incident verify-export '%s' --pub ledger.pub\n",
		            id, argv[1], argv[1]);
		ret = cli_print(&out);
	}
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

int incident_verify_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori incident verify-export DIR --pub FILE",
		N_("checks an evidence export against the ward's verifier key (the data "
		   "directory's "
		   "ledger.pub): exit 0 intact, 1 naming the file that changed"),
		NULL
	};
	const char *pub = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "pub", &pub, "FILE", "the verifier key (ledger.pub)"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, key = STRBUF_INIT;
	struct incident_verify_result res;
	int n, ret, r;

	(void)ctx;
	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if (!pub) {
		cli_error(
		    "give the ward's verifier key: --pub FILE (the data directory's ledger.pub)");
		return EXIT_USAGE;
	}
	if (cli_read_file(pub, &key, 64 * 1024) < 0) {
		ret = EXIT_FAILED;
		goto out;
	}
	r = incident_verify_export(argv[0], key.buf, key.len, &res, &err);
	if (r == -EBADMSG) {
		cli_error("changed: %s: %s", res.changed, err.buf);
		ret = EXIT_FAILED;
	} else if (r < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
	} else {
		strbuf_addf(&out,
		            "intact: %zu files and %zu ledger entries prove against the signed "
		            "checkpoint of tree size %" PRIu64 "\n",
		            res.files, res.entries, res.tree_size);
		ret = cli_print(&out);
	}
out:
	strbuf_release(&err);
	strbuf_release(&out);
	strbuf_release(&key);
	return ret;
}
