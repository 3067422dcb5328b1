/* cmd-inspection-round: the acts of a self-inspection round (docs/audits.md): the CISO office
 * opens one inspection per section, the section's staff answer each item and hand the answers
 * in, the section head signs them off or sends them back, a nonconformity becomes a finding.
 * Every change is an act of register self_inspection, inspection_answer or finding. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "cli/inspection.h"
#include "core/inspections.h"
#include "policy/policy.h"

static int need_as(const char *as)
{
	if (as)
		return 0;
	cli_error("say who acts: --as LOGIN");
	return -1;
}

/* The self-inspection arg names, into ret; prints why not and returns -1. */
static int inspection_arg(struct door *d, const char *arg, struct record *ret)
{
	struct strbuf err = STRBUF_INIT;
	int64_t id;

	if (parse_int64(arg, 1, INT64_MAX, &id) < 0) {
		cli_error("'%s' is not a self-inspection id", arg);
		return -1;
	}
	if (record_get(door_store(d), id, ret, &err) < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	if (strcmp(ret->register_id, SELF_INSPECTION_REGISTER)) {
		cli_error("record %s is a '%s', not a self-inspection", arg, ret->register_id);
		record_release(ret);
		return -1;
	}
	return 0;
}

/* A role's inspection is answered and handed in by its holders; prints why not, -1. */
static int may_answer(struct door *d, const struct record *insp, const char *as)
{
	struct strbuf err = STRBUF_INIT;
	int r =
	    inspection_may_answer(door_store(d), door_profile(d), insp, as, time_now_ms(), &err);

	if (r < 0)
		cli_error("%s", err.buf);
	strbuf_release(&err);
	return r < 0 ? -1 : 0;
}

/* An act's outcome: {"id":N,...} (json) or the new record's id when it created one, else
 * the outcome's line. */
static void outcome_print(const struct act_result *res, bool json, struct strbuf *out)
{
	if (json) {
		struct strbuf act = STRBUF_INIT;
		act_result_json(res, &act);
		if (res->outcome == ACT_DONE)
			strbuf_addf(out, "{\"id\":%" PRId64 ",", res->record_id);
		else
			strbuf_addstr(out, "{\"id\":null,");
		strbuf_addstr(out, act.buf + 1);
		strbuf_release(&act);
	} else if (res->outcome == ACT_DONE) {
		strbuf_addf(out, "%" PRId64, res->record_id);
	} else {
		cli_act_text(res, out);
	}
}

/* Runs one act as as; prints {"id":N,...} (json) or the new record's id when it creates one. */
static int run_act(struct door *d, struct act_input *in, const char *as, bool json,
                   struct strbuf *out, enum act_outcome *ret_outcome)
{
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;

	in->actor = as;
	cli_act_context(&in->ctx);
	if (act_run(d, in, &res, &err) < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	outcome_print(&res, json, out);
	*ret_outcome = res.outcome;
	act_result_release(&res);
	strbuf_release(&err);
	return 0;
}

/* The roles of --role (comma lists, repeatable), into ret; NULL (one inspection) when none. */
static void split_roles(const struct string_list *given, struct strv *ret)
{
	for (int i = 0; i < given->nr; i++) {
		const char *cur = given->items[i], *b;
		size_t len;

		while (policy_list_next(&cur, &b, &len)) {
			char *id = xstrndup(b, len);

			strv_push_unique(ret, id);
			free(id);
		}
	}
}

/*
 * The items each role's inspection asks (the whole checklist's without --role), one list a
 * role into role_items; -1, said, when one is wrong.
 */
static int role_item_lists(const struct profile *p, const struct strv *roles, const char *items,
                           struct strv *role_items, struct strbuf *err)
{
	for (size_t r = 0; r < (roles->nr ? roles->nr : 1); r++) {
		struct strbuf list = STRBUF_INIT;

		if (inspection_open_items(p, roles->nr ? roles->items[r] : NULL, items, &list,
		                          err) < 0) {
			cli_error("%s", err->buf);
			strbuf_release(&list);
			return -1;
		}
		strv_push(role_items, list.buf);
		strbuf_release(&list);
	}
	return 0;
}

/* What every inspection of a round shares. */
struct open_round {
	const char *round, *due, *as;
	const struct strv *roles, *role_items; /* role_items[r]: the items asked of roles[r] */
};

/* One inspection a round opens: at sec, for role (NULL: the whole checklist), asking items. */
struct round_act {
	char *sec;
	const char *role, *items;
	struct act_attr f[INSPECTION_OPEN_FIELDS];
};

/*
 * The round's inspections, one per section of --section (a list each; each section once) and
 * role, into *ret and *ret_n; -1, said, past INSPECTION_ROUND_MAX (nothing made).
 */
static int round_acts(const struct open_round *ro, const struct string_list *sections,
                      struct round_act **ret, size_t *ret_n)
{
	struct strv secs = STRV_INIT;
	size_t n = 0;

	for (int i = 0; i < sections->nr; i++) {
		const char *cur = sections->items[i], *b;
		size_t len;

		while (policy_list_next(&cur, &b, &len) && secs.nr <= INSPECTION_ROUND_MAX) {
			char *id = xstrndup(b, len);

			strv_push_unique(&secs, id);
			free(id);
		}
	}
	if (secs.nr * ro->role_items->nr > INSPECTION_ROUND_MAX) {
		cli_error("a round opens at most %d inspections (sections × roles, each once): "
		          "choose fewer sections or roles",
		          INSPECTION_ROUND_MAX);
		strv_release(&secs);
		return -1;
	}
	*ret = xcalloc(secs.nr * ro->role_items->nr + 1, sizeof(**ret));
	for (size_t i = 0; i < secs.nr; i++)
		for (size_t r = 0; r < ro->role_items->nr; r++)
			(*ret)[n++] = (struct round_act){
				.sec = xstrdup(secs.items[i]),
				.role = ro->roles->nr ? ro->roles->items[r] : NULL,
				.items = ro->role_items->items[r],
			};
	strv_release(&secs);
	*ret_n = n;
	return 0;
}

/* One inspection's outcome: a JSON object, or a line SECTION<TAB>[ROLE<TAB>]OUTCOME. */
static void opened_print(const struct round_act *a, const struct act_result *res, bool json,
                         struct strbuf *out)
{
	if (!json)
		strbuf_addf(out, a->role ? "%s\t%s\t" : "%s\t", a->sec, a->role);
	outcome_print(res, json, out);
	if (!json)
		strbuf_addch(out, '\n');
}

/*
 * Why a round with several inspections opened none (act_run_all's -ECANCELED: a refusal, kept
 * in the ledger, or an approval the round cannot wait for); its exit status.
 */
static int not_opened(const struct round_act *a, const struct act_result *res, bool json,
                      struct strbuf *out)
{
	if (res->outcome == ACT_REFUSED) {
		opened_print(a, res, json, out);
		cli_error("section '%s': refused; no inspection of this round was opened", a->sec);
		return EXIT_REFUSED;
	}
	cli_error("section '%s': opening its inspection waits for approval, and a round opens "
	          "all its inspections or none: open them one section and role at a time; no "
	          "inspection of this round was opened",
	          a->sec);
	return EXIT_FAILED;
}

/*
 * Opens one inspection per section of --section and role, in one transaction: all of them or
 * none (act_run_all), so a round that failed half-way leaves nothing to open twice. Their
 * outcomes into out (JSON objects separated by commas, or lines); *worst: the exit status.
 * -1 when none could be opened for an error, said.
 */
static int open_all(struct door *d, const struct open_round *ro, const struct string_list *sections,
                    bool json, struct strbuf *out, int *worst)
{
	struct round_act *acts = NULL;
	size_t n = 0, failed = 0;
	struct act_input *in;
	struct act_result *res;
	struct strbuf err = STRBUF_INIT;
	int r = 0;

	if (round_acts(ro, sections, &acts, &n) < 0)
		return -1;
	in = xcalloc(n ? n : 1, sizeof(*in));
	res = xcalloc(n ? n : 1, sizeof(*res));
	for (size_t i = 0; i < n; i++) {
		inspection_open_act(&in[i], acts[i].f, ro->round, acts[i].sec, ro->due,
		                    acts[i].role, acts[i].items);
		in[i].actor = ro->as;
		cli_act_context(&in[i].ctx);
	}
	if (n == 1) {
		/* one inspection alone may wait for approval, as any act */
		r = act_run(d, &in[0], &res[0], &err);
		if (r == 0) {
			opened_print(&acts[0], &res[0], json, out);
			*worst = cli_exit_for_outcome(res[0].outcome);
			act_result_release(&res[0]);
		} else {
			cli_error("%s", err.buf);
		}
	} else if ((r = act_run_all(d, in, n, res, &failed, &err)) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (json && i)
				strbuf_addch(out, ',');
			opened_print(&acts[i], &res[i], json, out);
			act_result_release(&res[i]);
		}
	} else if (r == -ECANCELED) {
		/* a refusal is printed (exit 3); an approval it cannot wait for only said (-1) */
		*worst = not_opened(&acts[failed], &res[failed], json, out);
		act_result_release(&res[failed]);
		r = *worst == EXIT_REFUSED ? 0 : -1;
	} else {
		cli_error("%s; no inspection of this round was opened (fix that and run it again)",
		          err.buf);
	}
	for (size_t i = 0; i < n; i++)
		free(acts[i].sec);
	free(acts);
	free(in);
	free(res);
	strbuf_release(&err);
	return r < 0 ? -1 : 0;
}

int inspection_open(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori inspection open --round TEXT --section ID[,ID...]... --due DATE "
		"[--role ROLE[,ROLE...]]... [--items CLAUSE,...] --as LOGIN [--json]",
		N_("opens a self-inspection round: one inspection per section (per section and "
		   "role with --role), answered by its staff (the role's holders) and signed off "
		   "by its head"),
		NULL
	};
	const char *round = NULL, *due = NULL, *items = NULL, *as = NULL;
	struct string_list sections = { 0 }, role_args = { 0 };
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "round", &round, "TEXT", "the round (点検の回: 令和8年度)"),
		OPT_STRING_LIST(0, "section", &sections, "ID", "a section to inspect (repeatable)"),
		OPT_STRING(0, "due", &due, "DATE", "the day the answers are due (YYYY-MM-DD)"),
		OPT_STRING_LIST(0, "role", &role_args, "ROLE",
		                "one inspection per section for this role, asking its checklist "
		                "(repeatable)"),
		OPT_STRING(0, "items", &items, "LIST",
		           "the checklist's clauses to ask (default: the whole checklist)"),
		OPT_STRING(0, "as", &as, "LOGIN", "who opens the round (required)"),
		OPT_BOOL(0, "json", &json, "print the outcomes as a JSON array"),
		OPT_END(),
	};
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct strv roles = STRV_INIT, role_items = STRV_INIT;
	struct door *d = NULL;
	int k, ret, worst = EXIT_DONE;

	k = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (k < 0)
		goto out;
	ret = EXIT_USAGE;
	if (!round || !*round || !due || !sections.nr) {
		cli_error("a round needs --round TEXT, --section ID and --due DATE");
		goto out;
	}
	if (need_as(as) < 0)
		goto out;
	split_roles(&role_args, &roles);
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	/* every role's items first: nothing is opened when one is wrong */
	if (role_item_lists(door_profile(d), &roles, items, &role_items, &err) < 0) {
		ret = EXIT_FAILED;
		goto out;
	}
	if (json)
		strbuf_addch(&out, '[');
	if (open_all(d,
	             &(struct open_round){ .round = round,
	                                   .due = due,
	                                   .as = as,
	                                   .roles = &roles,
	                                   .role_items = &role_items },
	             &sections, json, &out, &worst) < 0) {
		ret = EXIT_FAILED;
		goto out;
	}
	if (json)
		strbuf_addstr(&out, "]\n");
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = worst;
out:
	door_free(d);
	string_list_clear(&sections);
	string_list_clear(&role_args);
	strv_release(&roles);
	strv_release(&role_items);
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}

/* The answer record of inspection id for clause (any reader), 0 if none. */
static int64_t existing_answer(struct door *d, int64_t id, const char *clause)
{
	struct inspection_rollup r = { 0 };
	struct strbuf err = STRBUF_INIT;
	const struct record *a;
	int64_t ret = 0;

	if (inspection_rollup(door_store(d), NULL, door_profile(d), NULL, 0, &r, &err) == 0 &&
	    (a = inspection_answer_for(&r, id, clause)))
		ret = a->id;
	inspection_rollup_release(&r);
	strbuf_release(&err);
	return ret;
}

/* --clause, --result (*value: the result as stored) and --as; -1, said, when one is wrong. */
static int answer_args(const char *clause, const char *result, const char *as, const char **value)
{
	if (!clause || !result) {
		cli_error("an answer needs --clause CLAUSE and --result 適合|不適合|該当なし");
		return -1;
	}
	if (!(*value = inspection_result_value(result))) {
		cli_error("'%s' is not a result: say 適合 (conform), 不適合 (nonconform) or "
		          "該当なし (na)",
		          result);
		return -1;
	}
	return need_as(as) < 0 ? -1 : 0;
}

/* Whether the self-inspection insp (arg on the command line) asks clause; said when not. */
static bool asks(struct door *d, const struct record *insp, const char *arg, const char *clause)
{
	struct inspection_checklist cl = { 0 };
	const struct inspection_item **items = NULL;
	size_t n_items = 0;
	bool asked = false;

	inspection_checklist_make(door_profile(d), NULL, &cl);
	inspection_items_of(&cl, insp, &items, &n_items);
	for (size_t i = 0; i < n_items; i++)
		asked = asked || !strcmp(items[i]->clause->id, clause);
	if (!asked)
		cli_error("'%s' is not an item of self-inspection %s (see 'mamori inspection show "
		          "%s')",
		          clause, arg, arg);
	free(items);
	inspection_checklist_release(&cl);
	return asked;
}

/*
 * A first answer to clause (in->action; its inspection, section and clause into f) or the
 * revision of the answer there is (in->record_id): the number of fields put into f.
 */
static size_t answer_or_revise(struct door *d, const struct record *insp, const char *arg,
                               const char *clause, struct act_input *in, struct act_attr *f)
{
	int64_t prev = existing_answer(d, insp->id, clause);
	size_t n = 0;

	if (prev) {
		in->record_id = prev;
		in->action = INSPECTION_ANSWER_REGISTER ".revise";
	} else {
		in->action = INSPECTION_ANSWER_REGISTER ".answer";
		f[n++] = (struct act_attr){ "inspection", arg };
		f[n++] = (struct act_attr){ "section", insp->section ? insp->section : "" };
		f[n++] = (struct act_attr){ "clause", clause };
	}
	return n;
}

int inspection_answer(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori inspection answer INSPECTION --clause CLAUSE --result 適合|不適合|該当なし "
		"[--note TEXT] [--evidence TEXT] [--attach FILE]... --as LOGIN [--json]",
		N_("answers one item of a section's self-inspection (again: revises the answer)"),
		NULL
	};
	const char *clause = NULL, *result = NULL, *note = NULL, *evidence = NULL, *as = NULL;
	struct string_list attach = { 0 };
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "clause", &clause, "CLAUSE", "the item (its clause id)"),
		OPT_STRING(0, "result", &result, "R",
		           "適合 (conform), 不適合 (nonconform) or 該当なし (na)"),
		OPT_STRING(0, "note", &note, "TEXT", "what was found (所見)"),
		OPT_STRING(0, "evidence", &evidence, "TEXT", "where it shows (記録の番号、文書名)"),
		OPT_STRING_LIST(0, "attach", &attach, "FILE", "evidence kept with the answer"),
		OPT_STRING(0, "as", &as, "LOGIN", "who answers (required)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct act_input in = { .kind = ACT_RECORD, .register_id = INSPECTION_ANSWER_REGISTER };
	struct strbuf out = STRBUF_INIT;
	struct cli_files files = { 0 };
	struct record insp = { 0 };
	struct act_attr f[6];
	struct door *d = NULL;
	enum act_outcome o = ACT_DONE;
	const char *value;
	size_t n;
	int k, ret;

	k = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (k < 0)
		goto out;
	ret = EXIT_USAGE;
	if (answer_args(clause, result, as, &value) < 0)
		goto out;
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	ret = EXIT_FAILED;
	if (inspection_arg(d, argv[0], &insp) < 0 || may_answer(d, &insp, as) < 0)
		goto out;
	if (!asks(d, &insp, argv[0], clause))
		goto out;
	n = answer_or_revise(d, &insp, argv[0], clause, &in, f);
	f[n++] = (struct act_attr){ "result", value };
	if (note)
		f[n++] = (struct act_attr){ "note", note };
	if (evidence)
		f[n++] = (struct act_attr){ "evidence", evidence };
	in.fields = f;
	in.n_fields = n;
	if (cli_files_store(d, &attach, &files) < 0)
		goto out;
	in.attachments = files.items;
	in.n_attachments = files.nr;
	if (run_act(d, &in, as, json, &out, &o) < 0)
		goto out;
	strbuf_addch(&out, '\n');
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = cli_exit_for_outcome(o);
out:
	cli_files_release(&files);
	record_release(&insp);
	door_free(d);
	string_list_clear(&attach);
	strbuf_release(&out);
	return ret;
}

/* submit, sign-off, send-back: one step of a section's inspection. */
static int inspection_step(struct cli_ctx *ctx, int argc, const char **argv, const char *name,
                           const char *action, const char *what)
{
	const char *usage[3] = { NULL, what, NULL };
	const char *note = NULL, *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "note", &note, "TEXT", "the head's remarks (確認の所見; sign-off)"),
		OPT_STRING(0, "as", &as, "LOGIN", "who acts (required)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct strbuf use = STRBUF_INIT;
	struct act_input in = { .kind = ACT_RECORD, .action = action };
	struct act_attr f[1];
	struct record insp = { 0 };
	struct door *d = NULL;
	int k, ret;

	strbuf_addf(&use, "mamori inspection %s INSPECTION [--note TEXT] --as LOGIN [--json]",
	            name);
	usage[0] = use.buf;
	k = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (k < 0)
		goto out;
	ret = EXIT_USAGE;
	if (need_as(as) < 0)
		goto out;
	if (note && strcmp(name, "sign-off")) {
		cli_error("--note is for sign-off");
		goto out;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	ret = EXIT_FAILED;
	if (inspection_arg(d, argv[0], &insp) < 0 ||
	    (!strcmp(name, "submit") && may_answer(d, &insp, as) < 0))
		goto out;
	in.record_id = insp.id;
	if (note) {
		f[0] = (struct act_attr){ "signoff_note", note };
		in.fields = f;
		in.n_fields = 1;
	}
	in.actor = as;
	cli_act_context(&in.ctx);
	ret = cli_act(d, &in, json, NULL);
out:
	record_release(&insp);
	door_free(d);
	strbuf_release(&use);
	return ret;
}

int inspection_submit(struct cli_ctx *ctx, int argc, const char **argv)
{
	return inspection_step(ctx, argc, argv, "submit", SELF_INSPECTION_REGISTER ".submit",
	                       N_("the section hands its answers in to its head (回答の提出)"));
}

int inspection_sign_off(struct cli_ctx *ctx, int argc, const char **argv)
{
	return inspection_step(ctx, argc, argv, "sign-off", SELF_INSPECTION_REGISTER ".sign_off",
	                       N_("the section head confirms the answers (課長の確認)"));
}

int inspection_send_back(struct cli_ctx *ctx, int argc, const char **argv)
{
	return inspection_step(ctx, argc, argv, "send-back", SELF_INSPECTION_REGISTER ".send_back",
	                       N_("the section head returns the answers to be redone (差戻し)"));
}

/*
 * What the finding says must improve: *text, or the note of insp's 不適合 answer for clause
 * (then *text points into r, the caller's roll-up). -1, said, when there is no such answer or
 * nothing to say.
 */
static int finding_text(struct door *d, const struct record *insp, const char *arg,
                        const char *clause, struct inspection_rollup *r, const char **text)
{
	struct strbuf err = STRBUF_INIT;
	const struct record *a;
	int ret = -1;

	if (inspection_rollup(door_store(d), NULL, door_profile(d), NULL, 0, r, &err) < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	a = inspection_answer_for(r, insp->id, clause);
	if (!a || inspection_result_of(record_field(a, "result")) != INSPECTION_NONCONFORM) {
		cli_error("self-inspection %s has no 不適合 answer for %s: only a nonconformity "
		          "becomes a finding",
		          arg, clause);
		goto out;
	}
	if (!*text)
		*text = record_field(a, "note");
	if (!*text || !**text) {
		cli_error("say what must improve: --text TEXT (the answer has no note)");
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&err);
	return ret;
}

int inspection_raise(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori inspection raise INSPECTION --clause CLAUSE --severity "
		"minor|major|critical "
		"[--text TEXT] --as LOGIN [--json]",
		N_("a nonconformity (不適合) of a self-inspection becomes a finding to improve"),
		NULL
	};
	const char *clause = NULL, *severity = NULL, *text = NULL, *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "clause", &clause, "CLAUSE", "the item answered 不適合"),
		OPT_STRING(0, "severity", &severity, "S", "minor, major or critical"),
		OPT_STRING(0, "text", &text, "TEXT",
		           "what must improve (default: the answer's note)"),
		OPT_STRING(0, "as", &as, "LOGIN", "who records it (required)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct act_input in = { .kind = ACT_RECORD,
		                .register_id = "finding",
		                .action = "finding.raise" };
	struct inspection_rollup r = { 0 };
	struct strbuf out = STRBUF_INIT;
	struct record insp = { 0 };
	struct act_attr f[6];
	struct door *d = NULL;
	enum act_outcome o = ACT_DONE;
	size_t n = 0;
	int k, ret;

	k = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (k < 0)
		goto out;
	ret = EXIT_USAGE;
	if (!clause || !severity) {
		cli_error("a finding needs --clause CLAUSE and --severity minor|major|critical");
		goto out;
	}
	if (need_as(as) < 0)
		goto out;
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	ret = EXIT_FAILED;
	if (inspection_arg(d, argv[0], &insp) < 0)
		goto out;
	if (finding_text(d, &insp, argv[0], clause, &r, &text) < 0)
		goto out;
	f[n++] = (struct act_attr){ "inspection", argv[0] };
	f[n++] = (struct act_attr){ "clause", clause };
	f[n++] = (struct act_attr){ "severity", severity };
	f[n++] = (struct act_attr){ "text", text };
	if (insp.section)
		f[n++] = (struct act_attr){ "section", insp.section };
	in.fields = f;
	in.n_fields = n;
	if (run_act(d, &in, as, json, &out, &o) < 0)
		goto out;
	strbuf_addch(&out, '\n');
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = cli_exit_for_outcome(o);
out:
	inspection_rollup_release(&r);
	record_release(&insp);
	door_free(d);
	strbuf_release(&out);
	return ret;
}
