/* act-write: an act's ledger entry (its public details, its sealed personal data) and its row
 * in acts, written by the door once the act is decided (act.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "core/act-internal.h"
#include "ledger/ledger.h"
#include "store/query.h"
#include "store/store.h"

static void join_clauses(const struct strv *v, struct strbuf *out)
{
	for (size_t i = 0; i < v->nr; i++)
		strbuf_addf(out, "%s%s", i ? " " : "", v->items[i]);
}

static int hex_to_bin(const char *hex, uint8_t out[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;
		for (int j = 0; j < 2; j++) {
			char c = hex[2 * i + j];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else
				return -EINVAL;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* The channel an act came through; a system actor's own name. */
static const char *act_via(const struct act_state *s)
{
	if (s->system_actor)
		return s->system_actor;
	return s->in->ctx.via ? s->in->ctx.via : "api";
}

/* The entry's public details into data (JSON): enough for an auditor to read the act without
 * personal data. */
static void act_details(const struct act_state *s, struct strbuf *data)
{
	const struct act_input *in = s->in;
	struct json_writer w;

	jw_init(&w, data);
	jw_object_begin(&w);
	jw_kv_str(&w, "kind", s->kind_name);
	jw_kv_str(&w, "outcome", act_outcome_name(s->outcome));
	if (s->record_id)
		jw_kv_int(&w, "record", s->record_id);
	if (s->request_id)
		jw_kv_int(&w, "request", s->request_id);
	jw_kv_str(&w, "via", act_via(s));
	if (in->ctx.os_user)
		jw_kv_str(&w, "os_user", in->ctx.os_user);
	if (in->ctx.remote)
		jw_kv_str(&w, "remote", in->ctx.remote);
	for (size_t i = 0; i < in->ctx.n_attrs; i++) {
		if (i == 0) {
			jw_key(&w, "context");
			jw_object_begin(&w);
		}
		jw_kv_str(&w, in->ctx.attrs[i].key, in->ctx.attrs[i].value);
		if (i + 1 == in->ctx.n_attrs)
			jw_object_end(&w);
	}
	if (s->info && json_object_size(s->info)) {
		char *info = json_dumps(s->info, JSON_COMPACT | JSON_SORT_KEYS);
		jw_key(&w, "info");
		jw_raw(&w, info);
		free(info);
	}
	jw_object_end(&w);
}

/*
 * The JSON text of j written straight into one buffer of its size (NUL-terminated; free it), or
 * NULL: json_dumps grows its buffer by copying, and the copies it frees are not wiped.
 */
static char *dump_once(const json_t *j, size_t flags)
{
	size_t n = json_dumpb(j, NULL, 0, flags), got;
	char *text;

	if (!n)
		return NULL;
	text = xmalloc(n + 1);
	got = json_dumpb(j, text, n, flags);
	if (got != n) {
		explicit_bzero(text, n);
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
}

/* The personal data (field values, comments, the message) sealed beside the entry, as JSON
 * (wipe it before it is freed), or NULL when there is none. */
static char *act_sealed(const struct act_state *s)
{
	json_t *payload = json_object();
	char *sealed = NULL;

	if (s->recorded && json_object_size(s->recorded))
		json_object_set(payload, "fields", s->recorded);
	if (s->in->comment)
		json_object_set_new(payload, "comment", json_string(s->in->comment));
	if (s->message.len)
		json_object_set_new(payload, "message", json_string(s->message.buf));
	if (s->attachment_names)
		json_object_set(payload, "attachments", s->attachment_names);
	if (s->request)
		json_object_set(payload, "request", s->request);
	if (json_object_size(payload))
		sealed = dump_once(payload, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(payload);
	return sealed;
}

/* The act's row in acts, for the ledger entry at index (p: the profile in force). 0, or what
 * failed with err set. */
static int insert_act_row(struct act_state *s, const struct profile *p, uint64_t index,
                          struct strbuf *err)
{
	const struct act_input *in = s->in;
	struct strbuf clauses_json = STRBUF_INIT;
	char *recorded = NULL;
	struct query *st;
	int r, rc;

	recorded = s->recorded ? json_dumps(s->recorded, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	strbuf_addch(&clauses_json, '[');
	for (size_t i = 0; i < s->clauses.nr; i++) {
		if (i)
			strbuf_addch(&clauses_json, ',');
		json_quote(&clauses_json, s->clauses.items[i], strlen(s->clauses.items[i]));
	}
	strbuf_addch(&clauses_json, ']');
	st = query_get(s->door->st,
	               "INSERT INTO acts(at_ms, actor, kind, action, record_id, request_id,"
	               " target, outcome, clauses, fields, comment, message, via, os_user,"
	               " profile_sha256, ledger_index)"
	               " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	               err);
	if (!st) {
		r = -EIO;
		goto out;
	}
	query_bind_int(st, 1, s->now);
	query_bind_int_or_null(st, 2, s->actor.id);
	query_bind_text(st, 3, s->kind_name);
	query_bind_text(st, 4, s->action);
	query_bind_int_or_null(st, 5, s->record_id);
	query_bind_int_or_null(st, 6, s->request_id);
	query_bind_text(st, 7, s->target);
	query_bind_text(st, 8, act_outcome_name(s->outcome));
	query_bind_text(st, 9, clauses_json.buf);
	query_bind_text(st, 10, recorded ? recorded : "{}");
	query_bind_text(st, 11, in->comment);
	query_bind_text(st, 12, s->message.len ? s->message.buf : NULL);
	query_bind_text(st, 13, act_via(s));
	query_bind_text(st, 14, in->ctx.os_user);
	query_bind_text(st, 15, p ? p->sha256_hex : "");
	query_bind_int(st, 16, (int64_t)index);
	rc = query_step(st, err);
	query_done(st);
	r = rc;
out:
	free(recorded);
	strbuf_release(&clauses_json);
	return r;
}

/* The duty log's line the act records (s->duty_log_id) points at the act. 0, or a negative
 * errno with err set. */
static int link_duty_log(struct act_state *s, struct strbuf *err)
{
	struct query *st =
	    query_get(s->door->st, "UPDATE duty_log SET act_id = ? WHERE id = ?", err);

	if (!st)
		return -EIO;
	query_bind_int(st, 1, s->res->act_id);
	query_bind_int(st, 2, s->duty_log_id);
	return query_run(st, err);
}

/* The act's row and its ledger entry. Any failure here is fatal for the batch. */
int act_write(struct act_state *s, struct strbuf *err)
{
	struct door *d = s->door;
	const struct profile *p = s->new_profile ? s->new_profile : s->p;
	struct ledger_entry e = { 0 };
	struct strbuf clauses = STRBUF_INIT, data = STRBUF_INIT;
	char *sealed = NULL, *system_login = NULL;
	uint8_t profile_sha[32];
	uint64_t index = 0;
	int r;

	join_clauses(&s->clauses, &clauses);
	act_details(s, &data);
	sealed = act_sealed(s);

	e.kind = s->outcome == ACT_DONE ? ENTRY_CHANGE : ENTRY_DECISION;
	e.time_ms = s->now;
	if (s->system_actor) {
		system_login = xstrfmt("system:%s", s->system_actor);
		e.actor = system_login;
	} else {
		e.actor = s->actor.login ? s->actor.login : "mamori";
	}
	e.action = s->action;
	e.subject = s->subject;
	e.before = s->has_before ? s->before : NULL;
	e.after = s->has_after ? s->after : NULL;
	e.decision = s->decision;
	e.clauses = clauses.len ? clauses.buf : NULL;
	if (p && hex_to_bin(p->sha256_hex, profile_sha) == 0)
		e.profile = profile_sha;
	e.data = (const uint8_t *)data.buf;
	e.data_len = data.len;
	e.payload = sealed;
	e.payload_len = sealed ? strlen(sealed) : 0;
	r = ledger_append_txn(d->lg, &e, 1, &index, err);
	if (r < 0)
		goto out;
	d->appended = true;

	r = insert_act_row(s, p, index, err);
	if (r != 0)
		goto out;
	s->res->act_id = query_last_id(d->st);
	s->res->ledger_index = index;
	if (s->duty_log_id) {
		r = link_duty_log(s, err);
		if (r < 0)
			goto out;
	}
	r = act_attachments_write(s, s->res->act_id, err);
out:
	if (sealed) /* personal data: wiped before malloc has it back */
		explicit_bzero(sealed, strlen(sealed));
	free(sealed);
	free(system_login);
	strbuf_release(&clauses);
	strbuf_release(&data);
	return r;
}
