/* requests: reading approval requests and who they wait for. */
#ifndef MAMORI_CORE_REQUESTS_H
#define MAMORI_CORE_REQUESTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/core.h"

struct store;

/* One approver a request waits for (request_approvers). */
struct request_slot {
	int seq;
	char *role, *scope;
	char *routed_from; /* NULL unless the profile's fallback routed it */
	bool needs_exception;
	int64_t approved_by; /* user id, 0 while waiting */
	char *approved_login;
	int64_t approved_ms;
};

struct request {
	int64_t id;
	char *action, *register_id;
	int64_t record_id, record_version; /* 0 when the action creates the record */
	int64_t applicant;
	char *applicant_login, *applicant_name;
	char *level, *section, *system;
	json_t *fields;  /* object: field id -> value */
	json_t *context; /* object: policy context */
	char *comment;
	char *state; /* pending, approved, rejected, expired, cancelled */
	char *profile_sha256;
	json_t *clauses; /* array of clause ids */
	int64_t created_ms, expires_ms, decided_ms, decided_by;
	char *decided_login, *decision_comment;
	struct request_slot *slots;
	size_t n_slots;
};

int request_get(struct store *st, int64_t id, struct request *ret, struct strbuf *err);
void request_release(struct request *r);
/* The state people see: a pending request past its expiry reads "expired". */
const char *request_state_at(const struct request *r, int64_t now_ms);

struct request_list {
	struct request *items;
	size_t nr, alloc;
};
/*
 * Requests, newest first. With applicant (user id, not 0) only theirs; with to_approve
 * only pending, unexpired requests with a waiting slot that one of roles (role@scope) can
 * approve and that the user did not file. state filters when not NULL.
 */
struct request_filter {
	int64_t applicant;
	const struct strv *to_approve_roles;
	int64_t to_approve_user;
	const char *state;
	int64_t now_ms;
	int64_t limit;
};
int requests_list(struct store *st, const struct request_filter *f, struct request_list *ret,
                  struct strbuf *err);
void request_list_release(struct request_list *l);

#endif
