/*
 * token-use: an API token's last use is written at most once a minute, by one request of the
 * server. Each request that read an older last use used to write it: 32 clients on one token
 * made 32 writes at once when the server started and again every minute, each waiting for the
 * write lock between the door's commits (the first requests took 0.3-3 s, issue 17).
 */
#include <pthread.h>

#include "web/token-use.h"

/* Claims by token id, direct-mapped: two tokens on one slot only write more often. */
#define TOKEN_USE_SLOTS 256

static struct {
	int64_t id, ms;
} claims[TOKEN_USE_SLOTS];
static pthread_mutex_t claims_lock = PTHREAD_MUTEX_INITIALIZER;

bool web_token_use_claim(int64_t id, int64_t last_ms, int64_t now_ms)
{
	unsigned slot = (unsigned)((uint64_t)id % TOKEN_USE_SLOTS);
	bool claim = false;

	if (now_ms - last_ms <= WEB_TOKEN_USE_MS)
		return false;
	pthread_mutex_lock(&claims_lock);
	if (claims[slot].id != id || now_ms - claims[slot].ms > WEB_TOKEN_USE_MS) {
		claims[slot].id = id;
		claims[slot].ms = now_ms;
		claim = true;
	}
	pthread_mutex_unlock(&claims_lock);
	return claim;
}
