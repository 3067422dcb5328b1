/* api-memo: an API token's identity kept by a server worker (web/api-memo.h says when). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/cleanup.h"
#include "web/api-memo.h"
#include "web/session.h"
#include "web/web.h"

bool web_api_memo_get(struct web_api_memo *m, const char *digest, int64_t stamp, int64_t now_ms,
                      struct web_user **ret_user, int64_t *ret_token_id, char scope[16],
                      int64_t *ret_last_used_ms)
{
	if (!m->set || (stamp != WEB_API_MEMO_ANY_STAMP && m->stamp != stamp) ||
	    now_ms >= m->user->roles_until_ms || strlen(digest) != TOKEN_DIGEST_HEX_SIZE - 1 ||
	    sodium_memcmp(m->digest, digest, TOKEN_DIGEST_HEX_SIZE - 1) != 0)
		return false;
	*ret_user = web_user_dup(m->user);
	*ret_token_id = m->token_id;
	snprintf(scope, 16, "%s", m->scope);
	*ret_last_used_ms = m->last_used_ms;
	return true;
}

void web_api_memo_put(struct web_api_memo *m, const char *digest, int64_t stamp,
                      const struct web_user *u, int64_t token_id, const char *scope,
                      int64_t last_used_ms)
{
	web_api_memo_clear(m);
	if (strlen(digest) != TOKEN_DIGEST_HEX_SIZE - 1)
		return;
	memcpy(m->digest, digest, TOKEN_DIGEST_HEX_SIZE);
	m->stamp = stamp;
	m->token_id = token_id;
	snprintf(m->scope, sizeof(m->scope), "%s", scope);
	m->last_used_ms = last_used_ms;
	m->user = web_user_dup(u);
	m->set = true;
}

void web_api_memo_clear(struct web_api_memo *m)
{
	web_user_free(m->user);
	sodium_memzero(m, sizeof(*m));
}
