/* api-memo: an API token's identity kept by a server worker while nothing it rests on changed. */
#ifndef MAMORI_WEB_API_MEMO_H
#define MAMORI_WEB_API_MEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/token.h"

struct web_user;

/*
 * Authenticating an API call reads the token, its person, their roles and the roles' next
 * change: four statements, ~13% of the server's CPU per API act (issue 17). A worker keeps the
 * last identity it read (one per pooled store connection, so no lock), with the identity stamp
 * it read in the same snapshot (core/identity.h identity_stamp, schema/0030). A later call
 * reuses it only with the same token (its digest: the token itself is never kept), the same
 * stamp read in the call's own snapshot (so any change of users, roles or tokens, by any
 * process, drops it at the next call) and before its roles' next start or end. Only a token
 * that was found live is kept: a refused one is read again every time. A door-only call
 * (web/route.h ROUTE_DOOR_ONLY) reads no stamp: the door checks the memo's in the act's own
 * transaction (act_input.check_identity), and the call runs again, reading afresh, when it
 * moved (web_api_authenticate, route_dispatch).
 */
struct web_api_memo {
	bool set;
	char digest[TOKEN_DIGEST_HEX_SIZE];
	int64_t stamp;
	int64_t token_id;
	char scope[16];
	int64_t last_used_ms; /* the token's last use as this worker knows it */
	struct web_user *user;
};

/* web_api_memo_get's stamp when the caller checks m->stamp itself later (the door's check). */
#define WEB_API_MEMO_ANY_STAMP (-1)

/*
 * True when m holds digest's identity for stamp (or at any stamp: WEB_API_MEMO_ANY_STAMP) at
 * now_ms: *ret_user is then a copy (the caller's, web_user_free) and token_id, scope and last
 * use are set. False otherwise.
 */
bool web_api_memo_get(struct web_api_memo *m, const char *digest, int64_t stamp, int64_t now_ms,
                      struct web_user **ret_user, int64_t *ret_token_id, char scope[16],
                      int64_t *ret_last_used_ms);
/* Keeps a copy of u as digest's identity at stamp, in place of what m held. */
void web_api_memo_put(struct web_api_memo *m, const char *digest, int64_t stamp,
                      const struct web_user *u, int64_t token_id, const char *scope,
                      int64_t last_used_ms);
/* Forgets what m holds (the digest wiped). */
void web_api_memo_clear(struct web_api_memo *m);

#endif
