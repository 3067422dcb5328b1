/* http-serve: the serving loop: the server's start, its checkpoints while serving, its stop. */
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/listen.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/attach.h"
#include "core/read.h"
#include "ingest/ingest.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"
#include "policy/policy.h"
#include "store/store.h"
#include "web/http-internal.h"
#include "web/mhd-lib.h"
#include "web/session.h"
#include "web/web.h"

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	time_format_rfc3339(&sb, time_now_ms());
	strbuf_addstr(&sb, " microhttpd: ");
	strbuf_vaddf(&sb, fmt, ap);
	if (sb.len && sb.buf[sb.len - 1] != '\n')
		strbuf_addch(&sb, '\n');
	fputs(sb.buf, stderr);
	strbuf_release(&sb);
}

/*
 * Checkpoints while serving: the web's own audit entries (logins, failures) are appended by
 * per-thread ledgers the door never sees, so the serving thread signs a checkpoint for the
 * durable head itself, at most once a minute and at shutdown, whenever the head is beyond the
 * latest checkpoint (ledger_checkpoint_sign does nothing when it is not). Without the signer
 * key (a read-only copy of a ward) nothing is signed.
 */
#define WEB_CHECKPOINT_MS 60000
#define WEB_KEEP_MS       1000 /* how often the WAL and malloc are kept small (serve-keep.c) */

/*
 * Several servers on one PostgreSQL database: one signs the checkpoints, the one holding the
 * session lock STORE_LOCK_CHECKPOINT on a connection of its own. A leader that dies loses it
 * with its connection and another server takes it at its next round. On SQLite, true.
 */
static bool checkpoint_leader(struct web_server *s, bool quiet)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	if (!s->leader_st || s->leader)
		return true;
	r = store_lock_try(s->leader_st, STORE_LOCK_CHECKPOINT, &err);
	if (r < 0)
		fprintf(stderr, "mamori: warning: cannot ask who signs checkpoints: %s\n", err.buf);
	s->leader = r == 1;
	if (s->leader)
		printf("mamori: this server signs the ledger's checkpoints\n");
	else if (!quiet)
		printf("mamori: another server signs the ledger's checkpoints; this one takes over "
		       "if that one stops\n");
	(void)fflush(stdout);
	strbuf_release(&err);
	return s->leader;
}

static void serve_checkpoint(struct web_server *s, const char *dir)
{
	struct strbuf err = STRBUF_INIT, path = STRBUF_INIT;
	struct store *st = NULL;
	struct ledger *lg = NULL;

	if (!ledger_can_sign(dir) || !checkpoint_leader(s, true))
		goto out;
	if (store_open(dir, STORE_ANY_BACKEND, &st, &err) < 0 || ledger_open(st, &lg, &err) < 0 ||
	    ledger_checkpoint_sign(lg, dir, NULL, &err) < 0)
		fprintf(stderr, "mamori: warning: cannot sign a ledger checkpoint: %s\n", err.buf);
out:
	ledger_close(lg);
	store_close(st);
	strbuf_release(&path);
	strbuf_release(&err);
}

/* Whether the server must stop: the door, the log collection's ledger writer or the database
 * file failed for good (0, or the negative errno with why set; why may be NULL). */
int server_failed(struct web_server *s, struct strbuf *why)
{
	int r = door_failed(s->door, why);

	if (!r)
		r = ingest_failed(s->cfg->ingest, why);
	if (!r)
		r = store_any_db_failed(why);
	return r;
}

/* Where and how web_serve listens: --listen parsed, and the daemon's flags and worker count. */
struct serve_listen {
	struct sockaddr_storage addr;
	char host[256];
	unsigned port;
	unsigned flags;   /* MHD_USE_*: MHD_USE_TLS added with --tls-cert */
	unsigned threads; /* the daemon's worker threads */
};

/*
 * --tls-cert and --tls-key go together. With them, their files are read into cert and key and
 * the daemon serves TLS; without them, a warning when the address is not this machine's own.
 * 0, or a negative errno with err set.
 */
static int serve_tls(struct web_server *s, struct serve_listen *l, struct strbuf *cert,
                     struct strbuf *key, struct strbuf *err)
{
	const struct web_config *cfg = s->cfg;
	int r;

	if (!!cfg->tls_cert != !!cfg->tls_key) {
		error_set(err, "--tls-cert and --tls-key go together: give both, or neither");
		return -EINVAL;
	}
	if (cfg->tls_cert) {
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			error_set(err, "this libmicrohttpd has no TLS support");
			return -ENOTSUP;
		}
		if ((r = strbuf_read_file(cert, cfg->tls_cert, 1 << 20)) < 0) {
			error_set(err, "cannot read --tls-cert '%s': %s", cfg->tls_cert,
			          strerror(-r));
			return r;
		}
		if ((r = strbuf_read_file(key, cfg->tls_key, 1 << 20)) < 0) {
			error_set(err, "cannot read --tls-key '%s': %s", cfg->tls_key,
			          strerror(-r));
			return r;
		}
		l->flags |= MHD_USE_TLS;
		s->tls = true;
	} else if (!is_loopback(&l->addr)) {
		fprintf(stderr,
		        "mamori: warning: serving '%s' without TLS: passwords and session "
		        "cookies cross the network in clear; give --tls-cert and --tls-key\n",
		        cfg->listen);
	}
	return 0;
}

/* The process's memory for threads workers: malloc's arenas and thresholds, SQLite's page
 * caches. */
static void serve_memory_setup(struct web_server *s, unsigned threads)
{
	/*
	 * glibc gives threads up to 8 malloc arenas per CPU, each keeping what its threads freed:
	 * with 32 workers that is most of the server's resident memory. Workers mostly wait (for
	 * the door's commit, for the network), so a few arenas are contended little.
	 */
	mallopt(M_ARENA_MAX, 4);
	/*
	 * A fixed threshold: blocks from 256 KiB (a login's Argon2id memory, 19 MiB; large pages
	 * and exports) are mapped and given back when freed. glibc's moving threshold otherwise
	 * rises to the largest block freed, and the next ones stay in the heap: after the first
	 * login the server kept 19 MiB more whenever a login had just run.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	/*
	 * With the threshold fixed, free() hands the heap's top back past 128 KiB (glibc's
	 * default), and the log ingest pays for it: each commit of the log follower makes SQLite
	 * drop the ledger writer connection's whole page cache at its next transaction (another
	 * connection changed the WAL), about 2 MiB of pages freed at once, handed back, then
	 * faulted in again page by page (the writer took up to 30,000 page faults per 500,000
	 * messages, up to +0.8 us a message). Up to 4 MiB at the top stays (twice such a cache);
	 * serve_keep_tick's malloc_trim still hands everything free back every 5 s.
	 */
	mallopt(M_TRIM_THRESHOLD, 4 * 1024 * 1024);
	store_memory_limit(WEB_STORE_MEMORY_BYTES);
	s->cache_share = WEB_CACHE_BYTES / threads;
	if (s->cache_share < WEB_CACHE_MIN_BYTES)
		s->cache_share = WEB_CACHE_MIN_BYTES;
}

/* What the server reads of the data directory before accepting anyone: the database,
 * mamori.conf, the session keys, the attachments' limit. 0, or a negative errno with err set. */
static int serve_read_ward(struct web_server *s, struct strbuf *err)
{
	const char *dir = s->cfg->dir;
	int r;

	/* Check the data directory once before accepting anyone. */
	{
		struct store *st = NULL;
		r = store_open(dir, STORE_ANY_BACKEND, &st, err);
		s->pg = r == 0 && store_dialect(st) == STORE_POSTGRESQL;
		store_close(st);
		if (r < 0)
			return r;
	}
	/* mamori.conf: a broken file stops the server rather than run without what it says. */
	{
		struct conf c = CONF_INIT;
		r = conf_load(dir, &c, err);
		if (r == 0)
			r = identity_setup(s, &c, err);
		conf_release(&c);
		if (r < 0)
			return r;
	}
	if ((r = web_session_setup(dir, err)) < 0)
		return r;
	return attach_max_bytes(dir, &s->upload_max, err);
}

/*
 * PostgreSQL: the checkpoint signer's lock lives on a connection of its own (s->leader_st);
 * on SQLite the store is only asked its dialect. 0, or a negative errno with err set: the
 * server does not start (it returned 0 here, and serve exited 0 without a word). On PostgreSQL
 * (its connections used up) the error says which connection; on SQLite it is the store's own.
 */
static int serve_leader_open(struct web_server *s, struct strbuf *err)
{
	struct store *st = NULL;
	int r = store_open(s->cfg->dir, STORE_ANY_BACKEND, &st, err);

	if (r < 0 && s->pg) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addstr(&why, err->buf);
		error_set(
		    err,
		    "cannot open the database connection that signs the ledger's checkpoints, "
		    "so the server does not start: %s; start it again once that is fixed",
		    why.buf);
		strbuf_release(&why);
	}
	if (r < 0)
		return r;
	if (store_dialect(st) == STORE_POSTGRESQL) {
		s->leader_st = st;
		(void)checkpoint_leader(s, false);
	} else {
		store_close(st);
	}
	return 0;
}

/* The door; without a profile there is none (s->door stays NULL) and the server still starts.
 * 0, or a negative errno with err set. */
static int serve_door_open(struct web_server *s, struct strbuf *err)
{
	int r = door_open(s->cfg->dir, DOOR_CHECKPOINTER, &s->door, err);

	if (r == -ENOENT) {
		fprintf(stderr,
		        "mamori: warning: %s; pages that change anything answer 503 until "
		        "a profile is applied\n",
		        err->buf);
		strbuf_reset(err);
	} else if (r < 0) {
		return r;
	}
	return 0;
}

/*
 * Listens on l and starts the daemon and the accept loop; prints the line tests wait for.
 * 0, or a negative errno with err set (nothing left running).
 */
static int serve_start(struct web_server *s, struct serve_listen *l, const struct strbuf *cert,
                       const struct strbuf *key, struct strbuf *err)
{
	const struct web_config *cfg = s->cfg;
	unsigned bound_port = 0;
	int r, lfd = -1;

	/* Room for other addresses: one address holds at most max_per_address connections. */
	unsigned total = cfg->max_connections ? cfg->max_connections : 1024u;
	unsigned per_address = cfg->max_per_address ? cfg->max_per_address : 32u;
	if (per_address > total)
		per_address = total;
	/*
	 * The accept loop holds the server to total connections; libmicrohttpd's own limit has
	 * room for two more a worker: it counts a connection until just after the end the loop
	 * counts off (one a worker at a time), and a connection the loop adds at once in its place
	 * must not be refused and closed.
	 */
	unsigned mhd_total = total + 2 * l->threads;
	r = web_accept_listen(&l->addr, &lfd, &bound_port, err);
	if (r < 0) {
		/* what was wrong (the port taken, an address not this machine's, a port that needs
		 * privilege) and what to do, with the real errno */
		return listen_error(err, "--listen", cfg->listen, (const struct sockaddr *)&l->addr,
		                    -r);
	}
	s->daemon = MHD_start_daemon(
	    l->flags, (uint16_t)l->port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log, NULL, MHD_OPTION_THREAD_POOL_SIZE, l->threads, MHD_OPTION_CONNECTION_LIMIT,
	    mhd_total, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)WEB_MAX_HEADER_BYTES, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_STRICT_FOR_CLIENT, 0,
	    MHD_OPTION_UNESCAPE_CALLBACK, keep_raw, NULL, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    s->tls ? MHD_OPTION_HTTPS_PRIORITIES : MHD_OPTION_END, WEB_TLS_PRIORITIES,
	    MHD_OPTION_HTTPS_MEM_CERT, cert->buf, MHD_OPTION_HTTPS_MEM_KEY, key->buf,
	    s->iccard_trust.len ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, s->iccard_trust.buf,
	    MHD_OPTION_END);
	if (!s->daemon) {
		close(lfd);
		error_set(err,
		          "cannot start the web server on '%s' (see the microhttpd message above)",
		          cfg->listen);
		return -EIO;
	}
	bool v6 = l->addr.ss_family == AF_INET6;
	hosts_setup(&s->hosts, cfg, l->host, v6, bound_port);
	atomic_store(&s->hosts_ready, true); /* workers read hosts only from here on */
	/* accepting starts here: the hosts are known, the daemon's workers wait */
	if (web_accept_start(lfd, s->daemon, l->threads, total, per_address, &s->accept, err) < 0) {
		close(lfd);
		MHD_stop_daemon(s->daemon);
		return -EAGAIN;
	}
	printf("mamori: listening on %s://%s%s%s:%u/\n", s->tls ? "https" : "http", v6 ? "[" : "",
	       l->host, v6 ? "]" : "", bound_port);
	(void)fflush(stdout); /* the line tests wait for; a closed stdout is not fatal */
	return 0;
}

/*
 * Serves until SIGTERM or SIGINT (returned) or until the server failed for good (failed_why
 * set), signing checkpoints and keeping the WAL small on the way.
 */
static int serve_wait(struct web_server *s, struct serve_keep *keep, const sigset_t *set,
                      struct strbuf *failed_why)
{
	int64_t next = time_mono_ns() + WEB_CHECKPOINT_MS * 1000000LL;
	int64_t kept = time_mono_ns() + WEB_KEEP_MS * 1000000LL;
	int sig = 0;

	for (;;) {
		int64_t left = next - time_mono_ns();
		struct timespec ts;
		/* The door or the log collection's ledger writer stopped for good, or the
		 * database file failed on any connection (store/wal.c's latch): so does the
		 * server, before its own checkpoints (serve-keep.c) copy or cut the log. */
		if (server_failed(s, failed_why)) {
			fprintf(stderr,
			        "mamori: error: %s: stopping (the write-ahead log is kept; "
			        "the next start recovers from it)\n",
			        failed_why->buf);
			break;
		}
		if (left <= 0) {
			serve_checkpoint(s, s->cfg->dir);
			next = time_mono_ns() + WEB_CHECKPOINT_MS * 1000000LL;
			continue;
		}
		if (kept - time_mono_ns() <= 0) {
			serve_keep_tick(keep);
			kept = time_mono_ns() + WEB_KEEP_MS * 1000000LL;
		}
		if (left > kept - time_mono_ns())
			left = kept - time_mono_ns() > 0 ? kept - time_mono_ns() : 1;
		ts.tv_sec = (time_t)(left / 1000000000LL);
		ts.tv_nsec = (long)(left % 1000000000LL);
		sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	return sig;
}

/*
 * Stops accepting and waits up to the grace period for the requests in flight and the watch.
 * Returns only when the server may stop normally: after a failure, or with requests or the
 * watch still running, the process ends here.
 */
static void serve_drain(struct web_server *s, struct serve_watch *watch, int sig,
                        const struct strbuf *failed_why)
{
	const struct web_config *cfg = s->cfg;

	if (!failed_why->len)
		fprintf(stderr,
		        "mamori: %s received: finishing requests in flight, then stopping\n",
		        sig == SIGTERM ? "SIGTERM" : "SIGINT");
	atomic_store(&s->stopping, true);
	web_accept_stop(s->accept); /* no new connection; those open finish */
	int64_t deadline =
	    time_mono_ns() + (cfg->shutdown_grace_ms ? cfg->shutdown_grace_ms : 10000) * 1000000LL;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	while (atomic_load(&s->in_flight) > 0 && time_mono_ns() < deadline)
		nanosleep(&ts, NULL);
	/*
	 * Requests, or the watch, still inside the door after the grace period: a batch is stuck
	 * (a lock never granted, a database that stopped answering). Joining their threads would
	 * wait as long, so the process ends here. Nothing of theirs was acknowledged; the database
	 * rolls their transaction back (PostgreSQL when the connection closes, SQLite at the next
	 * open).
	 */
	bool watch_done = serve_watch_stop(watch, deadline);
	/*
	 * After a failure no connection may close normally: the last one to close would checkpoint
	 * the log into the database file and remove it (the latch stops that for this process's
	 * connections; the log collection's writer closes none here). The requests in flight were
	 * answered with the door's or the writer's reason (or never will be: nothing of theirs was
	 * acknowledged).
	 */
	if (failed_why->len) {
		(void)fflush(NULL);
		_exit(EXIT_FAILURE);
	}
	if (atomic_load(&s->in_flight) > 0 || !watch_done) {
		fprintf(stderr,
		        "mamori: %d requests%s still running after the grace period: "
		        "stopping without them (none of them was acknowledged)\n",
		        atomic_load(&s->in_flight), watch_done ? "" : " and the watch");
		(void)fflush(NULL);
		_exit(EXIT_FAILURE);
	}
}

/* The normal stop once drained: the sweeper and the daemon end, the last checkpoints. */
static void serve_stop(struct web_server *s)
{
	const struct web_config *cfg = s->cfg;

	if (atomic_exchange(&s->sweeping, false))
		pthread_join(s->sweeper, NULL);
	MHD_stop_daemon(s->daemon);
	web_accept_free(s->accept);
	s->accept = NULL;
	if (cfg->before_last_checkpoint)
		cfg->before_last_checkpoint(cfg->before_last_checkpoint_ctx);
	serve_checkpoint(s, cfg->dir);
	if (s->door) {
		struct strbuf cerr = STRBUF_INIT;
		if (door_checkpoint(s->door, &cerr) < 0)
			fprintf(stderr, "mamori: warning: %s\n", cerr.buf);
		strbuf_release(&cerr);
	}
	fprintf(stderr, "mamori: stopped\n");
}

/* The WAL and malloc kept small while serving (serve-keep.c); the server serves without. */
static struct serve_keep *serve_keep_start(const struct web_config *cfg)
{
	struct serve_keep *keep = NULL;
	struct strbuf kerr = STRBUF_INIT;

	if (serve_keep_open(cfg->dir, cfg->ingest != NULL, &keep, &kerr) < 0)
		fprintf(stderr, "mamori: warning: the write-ahead log will not be kept small: %s\n",
		        kerr.buf);
	strbuf_release(&kerr);
	return keep;
}

/* Before any thread starts: the signals this thread waits for (in set), and what the worker
 * threads share. */
static void serve_threads_setup(struct web_server *s, sigset_t *set)
{
	/* Signals are taken by this thread with sigwait; workers inherit the blocked mask. */
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	(void)signal(SIGPIPE, SIG_IGN); /* cannot fail for SIGPIPE */

	pthread_mutex_init(&s->pool_lock, NULL);
	pthread_mutex_init(&s->profile_lock, NULL);
	pthread_mutex_init(&s->conns_lock, NULL);
	s->profile_seq = -1;
	s->readers = reader_cache_new();
}

/* The sweeper (the header deadline) and the watch; neither is needed to serve. */
static void serve_helpers_start(struct web_server *s, struct serve_watch **ret_watch)
{
	atomic_store(&s->sweeping, true);
	if (pthread_create(&s->sweeper, NULL, sweeper_main, s) != 0) {
		atomic_store(&s->sweeping, false);
		fprintf(stderr, "mamori: warning: no header deadline: cannot start its thread\n");
	}
	if (s->door) {
		struct strbuf werr = STRBUF_INIT;
		if (serve_watch_start(s->door, ret_watch, &werr) < 0)
			fprintf(stderr,
			        "mamori: warning: %s: agents' silence and moves dated ahead "
			        "are not looked at\n",
			        werr.buf);
		strbuf_release(&werr);
	}
}

/* What web_serve holds from the door on, keep included (the locks, the pool, the profiles). */
static void serve_release(struct web_server *s, struct serve_keep *keep)
{
	for (size_t i = 0; i < s->n_pool; i++)
		thread_release(s->pool[i]);
	free(s->pool);
	pthread_mutex_destroy(&s->pool_lock);
	serve_keep_free(keep);
	door_free(s->door);
	reader_cache_free(s->readers);
	pthread_mutex_destroy(&s->profile_lock);
	pthread_mutex_destroy(&s->conns_lock);
	hosts_release(&s->hosts);
	if (s->profile)
		profile_free(s->profile);
	for (size_t i = 0; i < s->n_old; i++)
		profile_free(s->old_profiles[i]);
	free(s->old_profiles);
}

int web_serve(const struct web_config *cfg, struct strbuf *err)
{
	struct web_server s = { .cfg = cfg, .iccard_trust = STRBUF_INIT };
	struct serve_keep *keep = NULL;
	struct serve_watch *watch = NULL;
	struct strbuf cert = STRBUF_INIT, key = STRBUF_INIT_SECRET;
	struct strbuf failed_why = STRBUF_INIT; /* why the server stops (server_failed) */
	/*
	 * poll, not epoll: a worker blocks while its act waits for the door's commit, and the
	 * connections a worker holds wait behind it. With epoll a worker accepted up to ten
	 * connections at once, so 32 API clients landed on 4 workers and the door's batches held
	 * 4 acts. The server accepts for the workers (http-accept.c): each new connection goes to
	 * the worker holding the fewest (with poll, each worker accepting for itself, 32 clients
	 * landed on 15-29 of the 32 workers).
	 */
	struct serve_listen l = { .flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
		                           MHD_USE_ITC | MHD_USE_ERROR_LOG |
		                           MHD_USE_NO_LISTEN_SOCKET,
		                  .threads = cfg->threads };
	sigset_t set;
	int sig, r;

	r = parse_listen(cfg->listen, &l.addr, l.host, sizeof(l.host), &l.port, err);
	if (r < 0)
		return r;
	if (mhd_lib_load(err) < 0)
		return -ENOENT;
	if ((r = serve_tls(&s, &l, &cert, &key, err)) < 0)
		goto out;
	/*
	 * A worker that runs an act waits for its durable commit, and the door commits the acts
	 * of every waiting worker at once (core/door-batch.c): the more workers wait together,
	 * the fewer commits. So there are many more workers than CPUs; each holds little memory
	 * (its store connection's page cache is kept small: web_thread_resources).
	 */
	if (l.threads == 0)
		l.threads = WEB_DEFAULT_THREADS;
	serve_memory_setup(&s, l.threads);
	if ((r = serve_read_ward(&s, err)) < 0)
		goto out;
	if ((r = serve_leader_open(&s, err)) < 0)
		goto out;
	if ((r = serve_door_open(&s, err)) < 0)
		goto out;
	keep = serve_keep_start(cfg);
	serve_threads_setup(&s, &set);
	if ((r = serve_start(&s, &l, &cert, &key, err)) < 0)
		goto out_key;
	serve_helpers_start(&s, &watch);
	sig = serve_wait(&s, keep, &set, &failed_why);
	serve_drain(&s, watch, sig, &failed_why);
	serve_stop(&s);
	r = 0;
out_key:
	serve_release(&s, keep);
out:
	store_close(s.leader_st); /* a leader gives up the lock with it */
	identity_release(&s);
	strbuf_release_secret(&key);
	strbuf_release(&cert);
	strbuf_release(&failed_why);
	return r;
}
