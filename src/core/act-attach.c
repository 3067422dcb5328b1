/* act-attach: the door's attachment half: files an act adds, and ACT_ATTACH on its own. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "core/act-internal.h"
#include "core/attach.h"
#include "core/read.h"
#include "core/requests.h"
#include "store/query.h"
#include "store/store.h"

/* The clauses that make attachments evidence: records of what was done are kept. */
static const char *const attach_clauses[] = { "MIN-3-2-1", "SHJ-2-2", NULL };

/* ---- who may add a file to what ---------------------------------------------------------- */

/*
 * A record: a person who may read it (the register's read action, when it has one) and holds
 * a role where it belongs (its section or system) or ward-wide; or an administrator.
 */
static int may_attach_record(struct act_state *s, const char *id_text, struct strbuf *err)
{
	struct record rec = { 0 };
	const struct policy_register *reg;
	int64_t id = 0;
	bool near = false;
	int r;

	for (const char *p = id_text; *p; p++) {
		if (*p < '0' || *p > '9' || id > INT64_MAX / 10) {
			error_set(err, "'record:%s' is not a record number", id_text);
			return -EINVAL;
		}
		id = id * 10 + (*p - '0');
	}
	r = record_get(s->door->st, id, &rec, err);
	if (r < 0)
		return r;
	s->record_id = rec.id;
	s->subject = core_subject(rec.register_id, rec.id);
	reg = s->p ? policy_register(s->p, rec.register_id) : NULL;
	if (reg)
		act_add_clauses(s, &reg->clauses);
	if (act_actor_holds(s, ROLE_MAMORI_ADMIN, "org"))
		goto out;
	for (size_t i = 0; i < s->roles.nr && !near; i++) {
		const char *scope = strchr(s->roles.items[i], '@');
		if (!scope)
			continue;
		scope++;
		near =
		    !strcmp(scope, "org") ||
		    (rec.section && !strncmp(scope, "section:", 8) &&
		     !strcmp(scope + 8, rec.section)) ||
		    (rec.system && !strncmp(scope, "system:", 7) && !strcmp(scope + 7, rec.system));
	}
	if (near) {
		/* The one read decision (core/read.h): nobody adds to what they may not read. */
		struct read_subject subj = { .user_id = s->actor.id,
			                     .login = s->actor.login,
			                     .section = s->actor.section,
			                     .employment = s->actor.employment,
			                     .roles = (const char *const *)s->roles.items,
			                     .n_roles = s->roles.nr };
		struct reader *rd = NULL;
		r = reader_new(s->door->st, s->p, &subj, s->now, &rd, err);
		if (r < 0)
			goto out;
		near = read_record(rd, &rec, NULL);
		reader_unref(rd);
	}
	if (!near) {
		act_refuse(s,
		           "'%s' may not add files to record %lld: only people of its section or "
		           "system, or ward-wide roles who may read it",
		           s->actor.login, (long long)rec.id);
		s->reason = "not_related";
	}
out:
	record_release(&rec);
	return r;
}

/* A request: its applicant, or a holder of a role it waits for or was decided by. */
static int may_attach_request(struct act_state *s, const char *id_text, struct strbuf *err)
{
	struct request q = { 0 };
	int64_t id = 0;
	bool ok;
	int r;

	for (const char *p = id_text; *p; p++) {
		if (*p < '0' || *p > '9' || id > INT64_MAX / 10) {
			error_set(err, "'request:%s' is not a request number", id_text);
			return -EINVAL;
		}
		id = id * 10 + (*p - '0');
	}
	r = request_get(s->door->st, id, &q, err);
	if (r < 0)
		return r;
	s->request_id = q.id;
	s->record_id = q.record_id;
	s->subject = core_subject(q.register_id, q.record_id);
	ok = q.applicant == s->actor.id;
	for (size_t i = 0; i < q.n_slots && !ok; i++)
		ok = act_actor_holds(s, q.slots[i].role, q.slots[i].scope) ||
		     q.slots[i].approved_by == s->actor.id;
	for (size_t i = 0; i < json_array_size(q.clauses); i++)
		act_add_clause(s, json_string_value(json_array_get(q.clauses, i)));
	if (!ok) {
		act_refuse(s,
		           "'%s' may not add files to request %lld: only its applicant and its "
		           "approvers",
		           s->actor.login, (long long)q.id);
		s->reason = "not_related";
	}
	request_release(&q);
	return 0;
}

/* A duty where it is owed: a holder of the duty's role there. */
static int may_attach_duty(struct act_state *s, const char *id_text, struct strbuf *err)
{
	const char *at = strchr(id_text, '@');
	_cleanup_free_ char *duty_id = NULL;
	const struct policy_duty *duty;

	if (!at) {
		error_set(err, "'duty:%s' needs the scope: duty:DUTY@SCOPE", id_text);
		return -EINVAL;
	}
	duty_id = xstrfmt("%.*s", (int)(at - id_text), id_text);
	duty = s->p ? policy_duty(s->p, duty_id) : NULL;
	if (!duty) {
		error_set(err, "unknown duty '%s'; see 'mamori duty list'", duty_id);
		return -ENOENT;
	}
	s->subject = xstrfmt("duty/%s", duty->id);
	act_add_clauses(s, &duty->clauses);
	if (!act_actor_holds(s, duty->role->id, at + 1)) {
		act_refuse(s, "'%s' does not hold %s@%s and may not add files to duty '%s' there",
		           s->actor.login, duty->role->id, at + 1, duty->id);
		s->reason = "not_related";
	}
	return 0;
}

/*
 * The owners a file may be added to: one row per kind, with who may add one. A new kind of
 * owner (a register-less workflow) adds a row here.
 */
static const struct {
	const char *kind;
	int (*may)(struct act_state *s, const char *id, struct strbuf *err);
} owner_kinds[] = {
	{ "record", may_attach_record },
	{ "request", may_attach_request },
	{ "duty", may_attach_duty },
};

int act_attach(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const char *id = NULL;
	char kind[32];

	s->kind_name = "attachment.add";
	if (!s->actor.id) {
		error_set(err, "files are added by people: give --as LOGIN");
		return -EINVAL;
	}
	if (!in->n_attachments) {
		error_set(err, "no file to add");
		return -EINVAL;
	}
	if (attach_owner_parse(in->target, kind, sizeof(kind), &id) < 0) {
		error_set(err,
		          "'%s' is not something files are added to (record:N, request:N, "
		          "duty:DUTY@SCOPE)",
		          in->target ? in->target : "");
		return -EINVAL;
	}
	s->target = xstrdup(in->target);
	act_add_known_clauses(s, attach_clauses);
	for (size_t i = 0; i < ARRAY_SIZE(owner_kinds); i++)
		if (!strcmp(owner_kinds[i].kind, kind))
			return owner_kinds[i].may(s, id, err);
	error_set(err, "files cannot be added to a '%s' (record:N, request:N, duty:DUTY@SCOPE)",
	          kind);
	return -EINVAL;
}

/* ---- every act that carries files -------------------------------------------------------- */

int act_attachments_check(const struct act_input *in, struct store *st, const char *dir,
                          struct strbuf *err)
{
	if (!in->n_attachments)
		return 0;
	if (!in->attachments || in->n_attachments > ATTACH_MAX_PER_ACT) {
		error_set(err, "an act adds at most %d files", ATTACH_MAX_PER_ACT);
		return -EINVAL;
	}
	switch (in->kind) {
	case ACT_RECORD:
	case ACT_APPROVE:
	case ACT_REJECT:
	case ACT_WITHDRAW:
	case ACT_DUTY_DONE:
	case ACT_ATTACH:
		break;
	default:
		error_set(err, "this kind of act takes no files");
		return -EINVAL;
	}
	for (size_t i = 0; i < in->n_attachments; i++) {
		const struct act_attachment *a = &in->attachments[i];
		const char *base = NULL;
		int have;
		if (!attach_valid_sha256(a->sha256) || a->size <= 0 || !a->media_type ||
		    !*a->media_type || strlen(a->media_type) > 128 ||
		    !attach_valid_name(a->name, &base) || base != a->name) {
			error_set(err,
			          "attachment %zu is not described right (sha256, size, name, "
			          "media type)",
			          i + 1);
			return -EINVAL;
		}
		/* Stored before the act (attach_put): the door only checks it is there. */
		have = attach_present(st, dir, a->sha256, a->size, err);
		if (have < 0)
			return have;
		if (!have) {
			error_set(err, "attachment '%s' was not stored first (attach_put)",
			          a->name);
			return -ENOENT;
		}
	}
	return 0;
}

/* The owner the files of this act belong to, once the handler has run. */
static char *owner_of(const struct act_state *s)
{
	switch (s->in->kind) {
	case ACT_RECORD:
		if (s->outcome == ACT_PENDING && s->request_id)
			return xstrfmt("request:%lld", (long long)s->request_id);
		return s->record_id ? xstrfmt("record:%lld", (long long)s->record_id) : NULL;
	case ACT_APPROVE:
	case ACT_REJECT:
	case ACT_WITHDRAW:
		return s->request_id ? xstrfmt("request:%lld", (long long)s->request_id) : NULL;
	case ACT_DUTY_DONE:
		/* target is "duty:ID@SCOPE" */
		return s->target ? xstrdup(s->target) : NULL;
	case ACT_ATTACH:
		return s->in->target ? xstrdup(s->in->target) : NULL;
	default:
		return NULL;
	}
}

void act_attachments_info(struct act_state *s)
{
	json_t *pub, *names;

	if (!s->in->n_attachments || s->outcome == ACT_REFUSED)
		return;
	pub = json_array();
	names = json_array();
	for (size_t i = 0; i < s->in->n_attachments; i++) {
		const struct act_attachment *a = &s->in->attachments[i];
		json_array_append_new(
		    pub, json_pack("{s:s,s:I}", "sha256", a->sha256, "size", (json_int_t)a->size));
		json_array_append_new(
		    names, json_pack("{s:s,s:s}", "name", a->name, "media_type", a->media_type));
	}
	/* The hashes are public (auditors check the files); the names may be personal data. */
	json_object_set_new(s->info, "attachments", pub);
	json_decref(s->attachment_names);
	s->attachment_names = names;
}

int act_attachments_write(struct act_state *s, int64_t act_id, struct strbuf *err)
{
	_cleanup_free_ char *owner = NULL;
	struct query *q;
	int r;

	if (!s->in->n_attachments || s->outcome == ACT_REFUSED)
		return 0;
	owner = owner_of(s);
	if (!owner) {
		error_set(err, "the act names nothing its files could belong to");
		return -EINVAL;
	}
	for (size_t i = 0; i < s->in->n_attachments; i++) {
		const struct act_attachment *a = &s->in->attachments[i];
		r = query_prepare(s->door->st,
		                  "INSERT INTO attachments(owner, sha256, size, name, media_type,"
		                  " act_id, added_ms, added_by) VALUES (?,?,?,?,?,?,?,?)",
		                  &q, err);
		if (r < 0)
			return r;
		query_bind_text(q, 1, owner);
		query_bind_text(q, 2, a->sha256);
		query_bind_int(q, 3, a->size);
		query_bind_text(q, 4, a->name);
		query_bind_text(q, 5, a->media_type);
		query_bind_int(q, 6, act_id);
		query_bind_int(q, 7, s->now);
		query_bind_int_or_null(q, 8, s->actor.id);
		r = query_run(q, err);
		if (r < 0)
			return r;
	}
	return 0;
}
