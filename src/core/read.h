/* read: the one read decision: who may see which record. Direct reads, lists, counts, search,
 * paging, the dashboard, the API, exports and AuthZEN all ask it. */
#ifndef MAMORI_CORE_READ_H
#define MAMORI_CORE_READ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct store;
struct profile;
struct record;
struct request;

/*
 * Who reads: a person as the web or the CLI loaded them, with the roles (role@scope) they
 * hold at the time of the read. Strings are borrowed for the call only.
 */
struct read_subject {
	int64_t user_id;
	const char *login, *section, *employment;
	const char *const *roles;
	size_t n_roles;
};

/*
 * A reader: one person's read rights under one profile at one time, compiled once. The
 * policy decides every read: the register's `read` action (asset.read, document.read ...)
 * with the record's level, section, system, state and fields, as the door decides an act;
 * the administrator (mamori_admin) reads everything; a register without a `read` action is
 * read by nobody else. For lists the same decisions are compiled into an SQL predicate
 * (core/read-sql.h), so counting, searching, sorting and paging see exactly the records a
 * direct read would show.
 *
 * A reader never changes after reader_new: threads share it through reader_ref/unref.
 * It depends on the subject, the profile and the time; reader_valid_until says until when
 * it holds even if nothing else changes (the next start or end of something it relies on).
 */
struct reader;

int reader_new(struct store *st, const struct profile *p, const struct read_subject *s,
               int64_t now_ms, struct reader **ret, struct strbuf *err);
/*
 * The reader for a login (the CLI's --as): loads the person and the roles they hold at now.
 * -ENOENT for an unknown login, -EPERM for a suspended or retired person.
 */
int reader_for_login(struct store *st, const struct profile *p, const char *login, int64_t now_ms,
                     struct reader **ret, struct strbuf *err);
struct reader *reader_ref(struct reader *rd);
void reader_unref(struct reader *rd);

/* The administrator: every record, without asking the policy. */
bool reader_sees_all(const struct reader *rd);
/* Whether rd reads every record of the register (its every class is allowed). */
bool reader_sees_register(const struct reader *rd, const char *register_id);
/* A short string that differs whenever the rights differ: a memo key for what rd may see. */
const char *reader_key(const struct reader *rd);
int64_t reader_valid_until(const struct reader *rd);
int64_t reader_user_id(const struct reader *rd);

/* Why a read was refused or allowed, for the server log (never shown to the reader). */
struct read_why {
	const char *reason; /* admin, allow, deny, no_rule, no_read_action, no_register, error */
	char detail[200];   /* the rules and clauses, or the error */
};

/* The decision for one record. why may be NULL. */
bool read_record(const struct reader *rd, const struct record *rec, struct read_why *why);

/*
 * The decision for a record not yet created (a request that creates one): as if it existed
 * with these attributes and fields (a JSON object, may be NULL) in the register's first state.
 */
bool read_new_record(const struct reader *rd, const char *register_id, const char *level,
                     const char *section, const char *system, json_t *fields, struct read_why *why);

/*
 * A request is seen by its applicant, by whoever may approve one of its slots (holding the
 * role at the scope, or its deputy role), by the administrator and by whoever may read its
 * record (read_record, or read_new_record for a request creating one).
 */
bool read_request(const struct reader *rd, struct store *st, const struct request *q);

/* A memo of readers, shared by the web server's threads (locked inside). */
struct reader_cache;
struct reader_cache *reader_cache_new(void);
void reader_cache_free(struct reader_cache *c);
/*
 * A reader for s at now: the cached one while the subject's rights, the profile and what
 * opens records to them are unchanged and now is before its reader_valid_until; else a new
 * one. *ret is a reference: reader_unref it.
 */
int reader_cache_get(struct reader_cache *c, struct store *st, const struct profile *p,
                     const struct read_subject *s, int64_t now_ms, struct reader **ret,
                     struct strbuf *err);

#endif
