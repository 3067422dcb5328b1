/* http-pool: the requests' worker resources (a store connection, its memo, a ledger), pooled. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/guard.h"
#include "core/profile-store.h"
#include "core/read.h"
#include "ledger/ledger.h"
#include "policy/policy.h"
#include "store/store.h"
#include "web/api-memo.h"
#include "web/http-internal.h"
#include "web/web.h"

/* A request's worker resources, pooled (web_server.pool): one request uses one at a time. */
struct web_thread {
	struct store *st;
	struct ledger *lg; /* opened on a request's first use, on st; closed when it ends */
	/* A memo of read results (web_cache_*), valid while the database is unchanged: the
	 * data_version pragma (other connections' commits) and this connection's own changes. */
	int64_t data_version, total_changes;
	int64_t cache_until_ms; /* and until the first role change of the users it holds */
	struct web_params cache;
	size_t cache_bytes; /* dropped whole beyond the thread's share of WEB_CACHE_BYTES */
	struct web_api_memo api_memo; /* the last API token's identity read on st */
};

struct web_api_memo *web_thread_api_memo(struct web_req *r)
{
	return r->thread ? &r->thread->api_memo : NULL;
}

const char *web_cache_get(struct web_req *r, const char *key)
{
	struct web_thread *t = r->thread;

	return t ? web_params_get(&t->cache, key) : NULL;
}

void web_cache_put(struct web_req *r, const char *key, const char *value)
{
	struct web_thread *t = r->thread;

	/* Only while nothing changed since this request began: a value computed before a write
	 * of this very request must not outlive it. */
	if (t && store_total_changes(t->st) == t->total_changes) {
		web_params_add(&t->cache, key, value);
		t->cache_bytes += strlen(key) + strlen(value);
		if (r->user && r->user->roles_until_ms < t->cache_until_ms)
			t->cache_until_ms = r->user->roles_until_ms;
		/* what the reader reads may change at a known time (an audit's period) */
		if (r->reader && reader_valid_until(r->reader) < t->cache_until_ms)
			t->cache_until_ms = reader_valid_until(r->reader);
	}
}

struct door *web_door(struct web_req *r)
{
	/* what the door commits next must be visible to this request's own reads */
	store_release_read(r->st);
	return r->server->door;
}

struct reader_cache *web_readers(struct web_req *r)
{
	return r->server->readers;
}

int web_thread_ledger(struct web_req *r, struct ledger **ret, struct strbuf *err)
{
	struct web_thread *t = r->thread;
	int rc;

	if (!t) {
		error_set(err, "no store for this request");
		return -EIO;
	}
	if (!t->lg) {
		rc = ledger_open(t->st, &t->lg, err);
		if (rc < 0)
			return rc;
	}
	*ret = t->lg;
	return 0;
}

void thread_release(struct web_thread *t)
{
	if (t) {
		web_params_release(&t->cache);
		web_api_memo_clear(&t->api_memo);
		ledger_close(t->lg);
		store_close(t->st);
		free(t);
	}
}

/* The most recently given back resources, or new ones (NULL with err). */
static struct web_thread *thread_take(struct web_server *s, struct strbuf *err)
{
	struct web_thread *t = NULL;

	pthread_mutex_lock(&s->pool_lock);
	if (s->n_pool)
		t = s->pool[--s->n_pool];
	pthread_mutex_unlock(&s->pool_lock);
	if (t)
		return t;
	t = xcalloc(1, sizeof(*t));
	if (store_open(s->cfg->dir, STORE_ANY_BACKEND, &t->st, err) < 0) {
		free(t);
		return NULL;
	}
	/* Reads only: the domain tables are the door's alone (core/guard.h). */
	/* many connections: a small page cache each (the OS caches the file for all) */
	if (guard_protect_reader(t->st, err) < 0 ||
	    store_cache_kib(t->st, WEB_THREAD_CACHE_KIB, err) < 0) {
		thread_release(t);
		return NULL;
	}
	return t;
}

void web_thread_done(struct web_req *r)
{
	struct web_server *s = r->server;
	struct web_thread *t = r->thread;

	if (!t)
		return;
	/* no snapshot outlives its request */
	store_release_read(t->st);
	/*
	 * Nor the ledger's handle: its tiles (16 x 16 KiB) and, once it appended (a login's
	 * audit entry), the partial bundle it read, are the request's. Kept in the pool, every
	 * resource held them and each grew as logins passed through it: in the soak, the
	 * largest part of what the server grew by (heaptrack, minutes 1-5: 1.1 of 3.3 MiB).
	 */
	ledger_close(t->lg);
	t->lg = NULL;
	r->thread = NULL;
	r->st = NULL;
	pthread_mutex_lock(&s->pool_lock);
	ALLOC_GROW(s->pool, s->n_pool, s->alloc_pool);
	s->pool[s->n_pool++] = t;
	pthread_mutex_unlock(&s->pool_lock);
}

/* Loads the newest stored profile if it changed since the last look; known_seq is its number
 * when the caller read it already (profile_stored_stamp), else -1. */
static int refresh_profile(struct web_server *s, struct store *st, int64_t known_seq,
                           struct strbuf *err)
{
	int64_t seq = known_seq;
	int r = known_seq >= 0 ? 0 : profile_stored_newest(st, &seq, err);

	if (r < 0 || !seq)
		return r; /* 0 and no seq: no profile stored yet */
	pthread_mutex_lock(&s->profile_lock);
	if (seq != s->profile_seq) {
		struct profile *p = NULL;

		r = profile_stored_load(st, &p, &seq, err, err);
		if (r == -ENOENT)
			r = 0;
		if (r < 0 || !p)
			goto out;
		if (s->profile) {
			ALLOC_GROW(s->old_profiles, s->n_old, s->alloc_old);
			s->old_profiles[s->n_old++] = s->profile;
		}
		s->profile = p;
		s->profile_seq = seq;
	}
out:
	pthread_mutex_unlock(&s->profile_lock);
	return r;
}

int web_thread_resources(struct web_req *r, struct strbuf *err)
{
	struct web_server *s = r->server;
	struct web_thread *t = r->thread;
	int64_t seq = -1; /* the newest profile's number, when read with the change stamp */
	int ret;

	if (!t) {
		t = thread_take(s, err);
		if (!t)
			return -EIO;
		r->thread = t;
	}
	r->st = t->st;
	/*
	 * A GET reads in one snapshot (store_hold_read), released when the request ends
	 * (route_dispatch) or before anything writes; the version below is then that snapshot's.
	 * An API call of another method reads these and its token's user in one snapshot too,
	 * released once it is authenticated (route_dispatch): a statement outside a snapshot
	 * takes and drops the database's read locks for itself alone, six times per API act
	 * (strace, 300 API acts one after another: 18.7 -> 9.5 fcntl calls per act). A door-only
	 * call holds it only when it reads its token's identity (web_api_authenticate).
	 */
	if ((r->method == WEB_GET || r->method == WEB_HEAD || (r->api && !r->door_only)) &&
	    store_hold_read(t->st, err) < 0)
		return -EIO;
	/*
	 * An act that reads nothing before the door but its token (ROUTE_DOOR_ONLY: the door
	 * decides on its own profile and reads) neither uses the memo nor needs the newest profile:
	 * the two statements cost ~4% of the server's CPU per API act, each reading its pages again
	 * after every commit of the door. r->profile is the one the server last loaded.
	 */
	if (r->door_only) {
		pthread_mutex_lock(&s->profile_lock);
		r->profile = s->profile;
		pthread_mutex_unlock(&s->profile_lock);
		return 0;
	}
	{
		int64_t dv = -1, tc = store_total_changes(t->st);
		if (profile_stored_stamp(t->st, &dv, &seq, err) < 0) {
			dv = -1; /* the memo is dropped: nothing read before can be trusted */
			seq = -1;
			strbuf_reset(err);
		}
		if (dv < 0 || dv != t->data_version || tc != t->total_changes ||
		    t->cache.nr > 512 || t->cache_bytes > s->cache_share ||
		    time_now_ms() >= t->cache_until_ms) {
			web_params_release(&t->cache);
			t->cache_bytes = 0;
			t->cache_until_ms = INT64_MAX;
			t->data_version = dv;
			t->total_changes = tc;
		}
	}
	ret = refresh_profile(s, t->st, seq, err);
	pthread_mutex_lock(&s->profile_lock);
	r->profile = s->profile;
	pthread_mutex_unlock(&s->profile_lock);
	return ret;
}
