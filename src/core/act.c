/* act: the one door: decide, separate duties, apply or ask or refuse, ledger, commit. */
#include <errno.h>
#include <execinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/identity.h"
#include "core/profile-store.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"
#include "store/query.h"
#include "store/store.h"

/* ---- opening ---------------------------------------------------------------------- */

static int load_profile(struct door *d, bool optional, struct strbuf *err)
{
	struct profile *p = NULL;
	struct strbuf why = STRBUF_INIT;
	int64_t seq = 0;
	int r = profile_stored_load(d->st, &p, &seq, &why, err);

	if (r == -ENOENT) {
		if (optional)
			return 0;
		error_set(err,
		          "'%s' has no profile in force; create the data directory with 'mamori "
		          "init --profile minato|shinjuku|FILE'",
		          d->dir);
	} else if (r == -EPROTO) {
		error_set(err,
		          "the profile in force no longer loads (%s); apply a fixed one with "
		          "'mamori policy apply FILE --as LOGIN'",
		          why.buf);
	} else if (r == 0) {
		door_push_profile(d, p, seq);
	}
	strbuf_release(&why);
	return r;
}

void door_push_profile(struct door *d, struct profile *p, int64_t seq)
{
	struct door_profile *dp = xcalloc(1, sizeof(*dp));

	dp->p = p;
	dp->seq = seq;
	dp->prev = d->prof;
	d->prof = dp;
}

/*
 * Another door (the CLI's 'mamori policy apply' while the server runs, or a second server
 * thread's door) may have stored a newer profile since this one loaded its own. Called
 * inside the batch's write transaction, so the version read here is the one in force for
 * every act of the batch: load it before deciding, so each decision and its ledger entry
 * name the newest stored version.
 */
int door_refresh_profile(struct door *d, struct strbuf *err)
{
	int64_t newest = 0;
	int r = profile_stored_newest(d->st, &newest, err);

	if (r < 0)
		return r;
	if (!newest || (d->prof && d->prof->seq >= newest))
		return 0;
	return load_profile(d, false, err);
}

int door_open(const char *dir, unsigned flags, struct door **ret, struct strbuf *err)
{
	struct door *d = xcalloc(1, sizeof(*d));
	int r;

	d->dir = xstrdup(dir);
	d->readonly = flags & DOOR_READONLY;
	d->clock = time_now_ms;
	door_batch_init(d);
	r = store_open(dir, (d->readonly ? STORE_READONLY : 0) | STORE_ANY_BACKEND, &d->st, err);
	if (r < 0)
		goto fail;
	r = guard_install(d->st, &d->guard, err);
	if (r < 0)
		goto fail;
	/*
	 * Each act runs in a savepoint, so SQLite keeps a statement journal; in memory it costs
	 * no temporary file per act (a file would be created and unlinked every time).
	 */
	r = store_dialect(d->st) == STORE_SQLITE
	        ? store_exec(d->st, "PRAGMA temp_store = MEMORY", err)
	        : 0;
	if (r < 0)
		goto fail;
	r = ledger_open(d->st, &d->lg, err);
	if (r < 0)
		goto fail;
	r = load_profile(d, flags & DOOR_BOOTSTRAP, err);
	if (r < 0)
		goto fail;
	if ((flags & DOOR_CHECKPOINTER) && !d->readonly) {
		r = door_ckpt_start(d, err);
		if (r < 0)
			goto fail;
	}
	d->shared = flags & DOOR_CHECKPOINTER;
	*ret = d;
	return 0;
fail:
	door_free(d);
	return r;
}

int door_checkpoint(struct door *d, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	int r = 0;

	if (!d->lg || !d->appended || d->readonly)
		return 0;
	if (ledger_can_sign(d->dir)) {
		r = ledger_checkpoint_sign(d->lg, d->dir, NULL, err);
		if (r == 0)
			d->appended = false;
	}
	strbuf_release(&path);
	return r;
}

void door_free(struct door *d)
{
	if (!d)
		return;
	d->shared = false; /* the last thread: nobody else leads now */
	door_ckpt_stop(d);
	/* after a failed write of the database file its log is what recovery needs: nothing more
	 * is written, and closing does not checkpoint (door-ckpt.c) */
	if (door_failed(d, NULL))
		store_no_checkpoint_on_close(d->st);
	else if (d->st && d->lg && !d->readonly)
		door_checkpoint(d, NULL);
	ledger_close(d->lg);
	if (d->st)
		guard_uninstall(d->st);
	store_close(d->st);
	while (d->prof) {
		struct door_profile *dp = d->prof;
		d->prof = dp->prev;
		profile_free(dp->p);
		free(dp);
	}
	door_batch_destroy(d);
	free(d->dir);
	free(d);
}

const struct profile *door_profile(struct door *d)
{
	return d->prof ? d->prof->p : NULL;
}

struct store *door_store(struct door *d)
{
#ifndef NDEBUG
	/*
	 * A server's door is shared by its threads, and its connection belongs to the one
	 * leading it (a batch, door_lead, fim_led): another thread reading on it would talk
	 * inside the leader's transaction, or, on PostgreSQL, read the leader's answers off the
	 * socket so that both wait for ever. Such a reader reads on its own connection.
	 */
	if (d->shared && !door_leads(d)) {
		void *frames[32];
		(void)fprintf(stderr, "mamori: internal error: the door's connection used by a "
		                      "thread that does not lead the door, at:\n");
		backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
		abort();
	}
#endif
	return d->st;
}

const char *door_dir(struct door *d)
{
	return d->dir;
}

struct ledger *door_ledger(struct door *d)
{
	return d->lg;
}

void door_set_clock(struct door *d, int64_t (*clock)(void))
{
	d->clock = clock ? clock : time_now_ms;
}

/* ---- helpers for the handlers ------------------------------------------------------ */

void act_refuse(struct act_state *s, const char *fmt, ...)
{
	va_list ap;

	s->outcome = ACT_REFUSED;
	free(s->decision);
	s->decision = xstrdup("deny");
	strbuf_reset(&s->message);
	va_start(ap, fmt);
	strbuf_vaddf(&s->message, fmt, ap);
	va_end(ap);
	/* the same again as a message id and its arguments, for a reader in another language */
	va_start(ap, fmt);
	s->refuse_fmt = fmtargs_capture(&s->refuse_args, fmt, ap) == 0 ? fmt : NULL;
	if (s->refuse_fmt && !strcmp(fmt, "%s"))
		s->refuse_fmt = NULL; /* a message made elsewhere: no message id of its own */
	va_end(ap);
	s->reason = NULL; /* the caller names the reason after refusing, when it has a code */
}

void act_add_clause(struct act_state *s, const char *id)
{
	if (id && *id)
		strv_push_unique(&s->clauses, id);
}

void act_add_clauses(struct act_state *s, const struct policy_clauses *list)
{
	for (unsigned i = 0; list && i < list->nr; i++)
		act_add_clause(s, list->items[i]->id);
}

void act_add_known_clauses(struct act_state *s, const char *const *candidates)
{
	for (int i = 0; candidates && candidates[i]; i++)
		if (s->p && policy_clause(s->p, candidates[i]))
			act_add_clause(s, candidates[i]);
}

bool act_actor_holds(const struct act_state *s, const char *role, const char *scope)
{
	return org_roles_hold(&s->roles, role, scope);
}

bool act_require_admin(struct act_state *s, const char *const *clauses)
{
	if (!s->actor.id || act_actor_holds(s, ROLE_MAMORI_ADMIN, "org"))
		return false;
	act_refuse(s, "'%s' is not a Mamori administrator (%s@org): only an administrator may %s",
	           s->actor.login, ROLE_MAMORI_ADMIN, act_kind_action(s->in->kind));
	act_add_known_clauses(s, clauses);
	return true;
}

static void digest_json(char *json, uint8_t out[32])
{
	char hex[65];

	core_sha256_hex(json, strlen(json), hex);
	for (int i = 0; i < 32; i++) {
		unsigned hi =
		    (unsigned)(hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' + 10);
		unsigned lo = (unsigned)(hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0'
		                                               : hex[2 * i + 1] - 'a' + 10);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	free(json);
}

void act_digest_record(const struct record *r, uint8_t out[32])
{
	digest_json(record_canonical_json(r), out);
}

void act_digest_record_parts(int64_t id, const char *register_id, const char *state,
                             const char *level, const char *section, const char *system,
                             json_t *fields, int64_t version, uint8_t out[32])
{
	digest_json(record_canonical_json_parts(id, register_id, state, level, section, system,
	                                        fields, version),
	            out);
}

char *act_approver_scope(const struct policy_approver *a)
{
	struct strbuf sb = STRBUF_INIT;

	switch (a->scope) {
	case SCOPE_ORG:
		strbuf_addstr(&sb, "org");
		break;
	case SCOPE_SECTION:
		strbuf_addf(&sb, "section:%s", a->scope_value ? a->scope_value : "");
		break;
	case SCOPE_SYSTEM:
		strbuf_addf(&sb, "system:%s", a->scope_value ? a->scope_value : "");
		break;
	}
	return strbuf_detach(&sb, NULL);
}

void act_result_add_approver(struct act_state *s, const char *role, const char *scope,
                             const char *routed_from, bool needs_exception, bool approved)
{
	struct act_result *res = s->res;
	const struct policy_role *pr = s->p ? policy_role(s->p, role) : NULL;
	struct act_approver *a;

	res->approvers =
	    xreallocarray(res->approvers, res->n_approvers + 1, sizeof(*res->approvers));
	a = &res->approvers[res->n_approvers++];
	memset(a, 0, sizeof(*a));
	a->role = xstrdup(role);
	a->name = xstrdup(pr && pr->name ? pr->name : role);
	a->scope = xstrdup(scope);
	a->scope_name = org_scope_name(s->door->st, scope);
	a->routed_from = routed_from ? xstrdup(routed_from) : NULL;
	a->needs_exception = needs_exception;
	a->approved = approved;
}

/* ---- running one act ------------------------------------------------------------- */

static const char *const inactive_clauses[] = { "MIN-5-5-6-2", "SHJ-6-4-3", NULL };

/* What each system actor may do on its own (act.h); one row per action. */
static const struct {
	const char *actor, *action;
} system_actions[] = {
	{ ACT_SYSTEM_MONITOR, "alert.raise" },
	{ ACT_SYSTEM_MONITOR, "log_analysis.record" },
	{ ACT_SYSTEM_FIM, "alert.raise" },
	{ ACT_SYSTEM_FIM, "check.record" },
	/* an alert opens an incident or joins one (core/incident.h) */
	{ ACT_SYSTEM_MONITOR, "incident.detect" },
	{ ACT_SYSTEM_MONITOR, "incident.attach_alert" },
	{ ACT_SYSTEM_MONITOR, "alert.link_incident" },
	{ ACT_SYSTEM_FIM, "incident.detect" },
	{ ACT_SYSTEM_FIM, "incident.attach_alert" },
	{ ACT_SYSTEM_FIM, "alert.link_incident" },
};

bool act_system_may(const char *system_actor, const char *action)
{
	for (size_t i = 0; system_actor && action && i < ARRAY_SIZE(system_actions); i++)
		if (!strcmp(system_actions[i].actor, system_actor) &&
		    !strcmp(system_actions[i].action, action))
			return true;
	return false;
}

static int load_actor(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	int r;

	if (in->system_actor) {
		/* Mamori itself (its log analysis, its file integrity checks): only the actions
		 * act_system_may() lists, only as a record act, never beside a person. */
		if (in->actor || in->kind != ACT_RECORD ||
		    !act_system_may(in->system_actor, in->action)) {
			error_set(err, "the system actor '%s' may not do '%s'", in->system_actor,
			          in->kind == ACT_RECORD && in->action ? in->action
			                                               : act_kind_action(in->kind));
			return -EPERM;
		}
		s->system_actor = in->system_actor;
		return 0;
	}
	if (!in->actor) {
		int64_t admins = 0;
		if (!in->ctx.via || strcmp(in->ctx.via, "init")) {
			error_set(err, "every act needs an actor: give --as LOGIN");
			return -EINVAL;
		}
		r = org_count_holders(s->door->st, ROLE_MAMORI_ADMIN, s->now, &admins, err);
		if (r < 0)
			return r;
		if (admins > 0) {
			error_set(err, "the data directory is set up already: act as an "
			               "administrator with --as LOGIN");
			return -EINVAL;
		}
		return 0;
	}
	r = org_user_with_roles(s->door->st, in->actor, 0, s->now, &s->actor, &s->roles, NULL, err);
	if (r < 0)
		return r;
	if (strcmp(s->actor.status, USER_ACTIVE)) {
		act_refuse(s, "user '%s' is %s and can do nothing until reactivated", in->actor,
		           s->actor.status);
		s->reason = "inactive";
		act_add_known_clauses(s, inactive_clauses);
	}
	return 0;
}

static int dispatch(struct act_state *s, struct strbuf *err)
{
	switch (s->in->kind) {
	case ACT_RECORD:
		return act_record(s, err);
	case ACT_APPROVE:
		return act_approve(s, err);
	case ACT_REJECT:
		return act_reject(s, err);
	case ACT_WITHDRAW:
		return act_withdraw(s, err);
	case ACT_ATTACH:
		return act_attach(s, err);
	case ACT_TOTP_ENROL:
	case ACT_TOTP_RESET:
	case ACT_TOKEN_ISSUE:
	case ACT_TOKEN_REVOKE:
		return act_identity(s, err);
	default:
		return act_org(s, err);
	}
}

static void state_release(struct act_state *s)
{
	org_user_release(&s->actor);
	strv_release(&s->roles);
	free(s->action);
	free(s->subject);
	free(s->decision);
	free(s->target);
	strv_release(&s->clauses);
	strbuf_release(&s->message);
	fmtargs_release(&s->refuse_args);
	json_decref(s->recorded);
	json_decref(s->info);
	json_decref(s->attachment_names);
	json_decref(s->notify);
	json_decref(s->request);
	profile_free(s->new_profile);
}

static void fill_result(struct act_state *s)
{
	struct act_result *res = s->res;
	const struct profile *p = s->new_profile ? s->new_profile : s->p;

	res->outcome = s->outcome;
	res->record_id = s->record_id;
	res->request_id = s->request_id;
	res->token_id = s->token_id;
	res->clauses = xcalloc(s->clauses.nr + 1, sizeof(char *));
	for (size_t i = 0; i < s->clauses.nr; i++)
		res->clauses[i] = xstrdup(s->clauses.items[i]);
	res->n_clauses = s->clauses.nr;
	res->profile_sha256 = xstrdup(p ? p->sha256_hex : "");
	res->message = xstrdup(s->message.buf);
	res->reason = s->outcome == ACT_REFUSED ? s->reason : NULL;
	if (s->outcome == ACT_REFUSED && s->refuse_fmt) {
		res->detail_fmt = s->refuse_fmt;
		fmtargs_copy(&res->detail_args, &s->refuse_args);
	}
	if (s->outcome != ACT_REFUSED && s->notify && json_array_size(s->notify)) {
		size_t i;
		json_t *v;

		res->notify = xcalloc(json_array_size(s->notify), sizeof(*res->notify));
		json_array_foreach(s->notify, i, v)
		{
			const char *role = json_string_value(json_array_get(v, 0));
			const char *scope = json_string_value(json_array_get(v, 1));
			const struct policy_role *pr = p ? policy_role(p, role) : NULL;
			struct act_notify *n = &res->notify[res->n_notify++];

			n->role = xstrdup(role);
			n->name = xstrdup(pr && pr->name ? pr->name : role);
			n->scope = xstrdup(scope);
			n->scope_name = org_scope_name(s->door->st, scope);
		}
	}
}

int act_validate_input(const struct act_input *in, struct strbuf *err)
{
	if (in->n_fields > CORE_MAX_FIELDS) {
		error_set(err, "too many fields (%zu; at most %d)", in->n_fields, CORE_MAX_FIELDS);
		return -EINVAL;
	}
	for (size_t i = 0; i < in->n_fields; i++) {
		if (!in->fields[i].key || !in->fields[i].value) {
			error_set(err, "a field without a name or value");
			return -EINVAL;
		}
	}
	if (in->comment && !core_valid_chars(in->comment, CORE_MAX_COMMENT)) {
		error_set(err, "the comment must be text of at most %d characters",
		          CORE_MAX_COMMENT);
		return -EINVAL;
	}
	for (size_t i = 0; i < in->ctx.n_attrs; i++) {
		if (!in->ctx.attrs[i].key || !in->ctx.attrs[i].value) {
			error_set(err, "a context entry without a name or value");
			return -EINVAL;
		}
	}
	return 0;
}

/* The act's state for job at the door: its input, result, profile and clock; done and
 * allowed until decided otherwise. */
static void act_state_start(struct act_state *s, struct door *d, struct act_job *job)
{
	s->door = d;
	s->in = job->in;
	s->res = job->res;
	s->p = door_profile(d);
	s->pw = &job->pw;
	s->now = d->clock();
	s->outcome = ACT_DONE;
	s->kind_name = "org";
	s->decision = xstrdup("allow");
	strbuf_init(&s->message, 0);
	s->info = json_object();
}

/* Inside the transaction: the actor, then the act's handler (unless the actor was refused), and
 * the action and subject the act is recorded under when the handler named none. 0, or a
 * negative errno with err set. */
static int act_decide(struct act_state *s, const struct act_job *job, struct strbuf *err)
{
	int r = load_actor(s, err);

	if (r == 0 && s->outcome != ACT_REFUSED)
		r = dispatch(s, err);
	if (r == 0 && !s->action)
		s->action = xstrdup(job->in->kind == ACT_RECORD && job->in->action
		                        ? job->in->action
		                        : act_kind_action(job->in->kind));
	if (r == 0 && !s->subject && job->in->kind == ACT_RECORD && job->in->record_id)
		s->subject = xstrfmt("record/%lld", (long long)job->in->record_id);
	return r;
}

/*
 * The actor's identity as the caller read it (act_input.check_identity): 0 while the stamp is
 * the one it read, -EKEYEXPIRED when it moved (or the store keeps none) since.
 */
static int identity_unchanged(struct door *d, const struct act_input *in, struct strbuf *err)
{
	int64_t n = -1;
	int r;

	if (!in->check_identity)
		return 0;
	r = identity_stamp(d->st, &n, err);
	if (r < 0)
		return r;
	if (r == 0 || n != in->identity_stamp) {
		error_set(err, "users, roles or tokens changed since the caller authenticated");
		return -EKEYEXPIRED;
	}
	return 0;
}

/* A refused act: what its handler did is rolled back and a transaction begun again for the
 * refusal and its side effects (a request it closes). 0, or a negative errno with err set. */
static int act_keep_refusal(struct act_state *s, struct strbuf *err)
{
	struct door *d = s->door;
	int r;

	/* Undo whatever the handler did; keep only the refusal and its side effects. */
	store_rollback(d->st);
	profile_free(s->new_profile);
	s->new_profile = NULL;
	s->has_after = false;
	r = store_begin(d->st, err);
	/* the rollback closed PostgreSQL's door with the savepoint (store_hooks_door) */
	if (r == 0)
		guard_enter(&d->guard);
	if (r == 0 && s->close_request_id) {
		r = act_close_request(s, err);
		if (r < 0)
			store_rollback(d->st); /* the refusal's own savepoint */
	}
	return r;
}

/* The job's end: its return, its result released on a failure, the error's message id and
 * arguments for a front end to translate. */
static void act_job_end(struct act_job *job, struct act_state *s, int r)
{
	struct strbuf *err = &job->err;

	job->ret = r;
	if (r < 0)
		act_result_release(job->res);
	/* the error's message id and arguments, for a front end to translate */
	if (r < 0 && !job->fatal && job->in->error_detail)
		job->res->detail_fmt = error_capture_end(err, &job->res->detail_args);
	else
		error_capture_end(NULL, NULL);
	state_release(s);
}

void act_run_job(struct door *d, struct act_job *job)
{
	struct act_state s = { 0 };
	struct strbuf *err = &job->err;
	int r;

	act_state_start(&s, d, job);
	error_capture_begin();

	r = act_validate_input(job->in, err);
	if (r == 0)
		r = act_attachments_check(job->in, d->st, d->dir, err);
	if (r < 0)
		goto out;
	r = store_begin(d->st, err);
	if (r < 0) {
		job->fatal = true;
		goto out;
	}
	guard_enter(&d->guard);
	r = identity_unchanged(d, job->in, err);
	job->identity_checked = r == 0 && job->in->check_identity;
	if (r == 0)
		r = act_decide(&s, job, err);
	if (r < 0) {
		store_rollback(d->st);
		guard_leave(&d->guard);
		goto out;
	}
	if (job->refusal_only && s.outcome != ACT_REFUSED) {
		store_rollback(d->st);
		guard_leave(&d->guard);
		error_set(err, "the act is no longer refused");
		r = -ECANCELED;
		goto out;
	}
	if (s.outcome == ACT_REFUSED) {
		r = act_keep_refusal(&s, err);
		if (r < 0) {
			job->fatal = true;
			guard_leave(&d->guard);
			goto out;
		}
	}
	act_attachments_info(&s);
	fill_result(&s);
	r = act_write(&s, err);
	if (r == 0)
		r = store_commit(d->st, err);
	else
		store_rollback(d->st);
	guard_leave(&d->guard);
	if (r < 0) {
		job->fatal = true;
		goto out;
	}
	job->new_profile = s.new_profile;
	job->new_profile_seq = s.new_profile_seq;
	s.new_profile = NULL;
out:
	act_job_end(job, &s, r);
}
