/* http-internal: the server's state shared by http*.c and serve-keep.c (not for pages). */
#ifndef MAMORI_WEB_HTTP_INTERNAL_H
#define MAMORI_WEB_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/directory.h"
#include "web/framing.h"
#include "web/web.h"

/*
 * TLS 1.2 and 1.3 with forward-secret key exchange and AEAD ciphers only (Mozilla's
 * "intermediate" profile in GnuTLS terms): no TLS 1.0/1.1, no static RSA, no CBC, no SHA-1 MACs.
 */
#define WEB_TLS_PRIORITIES                                                                         \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"     \
	"+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA:"              \
	"%SERVER_PRECEDENCE"

/*
 * Worker threads without --threads, and each pooled store connection's SQLite page cache (KiB):
 * small, since lists come from memory (core/record-order.c) and the OS caches the file for all;
 * each cache fills as the ward's tables grow, so its size bounds what the server grows by
 * (1 MiB each: the soak grew by 4 MiB in ten minutes, most of it these caches).
 */
#define WEB_DEFAULT_THREADS  32
#define WEB_THREAD_CACHE_KIB 256
/*
 * SQLite's memory for the whole server (every worker's connection: page caches, schemas,
 * statements): past it each connection reuses its own cached pages instead of growing. Without
 * it the workers' caches grew with the ward (1 MiB each, 32 workers) and the soak's RSS with
 * them.
 */
#define WEB_STORE_MEMORY_BYTES (8 * 1024 * 1024)

/*
 * One open connection, for the header deadline: from accept (and again after each response)
 * a client has cfg->header_timeout_ms for its whole request head; trickling bytes does not
 * extend it (microhttpd's own timeout is an idle one). A sweeper shuts late ones down.
 */
struct conn_track {
	int fd;           /* the socket, as libmicrohttpd started it */
	bool swept;       /* shut down for a late head (sweeper_main) */
	int64_t since_ns; /* when the current request head began to be awaited */
	bool in_request;  /* the head has arrived: the handler or body is running */
	struct conn_track *prev, *next;
};

struct web_server {
	const struct web_config *cfg;
	struct MHD_Daemon *daemon;
	struct web_accept *accept; /* the accept loop (http-accept.c) */
	atomic_int in_flight;
	atomic_bool stopping;
	bool tls;
	/*
	 * The requests' worker resources (struct web_thread: a store connection and its memo;
	 * a ledger handle only while a request uses it), idle ones kept last-used-first: a
	 * request takes the one given back most recently, so the server holds as many as
	 * requests ran at once, however many worker threads there are and however long it runs
	 * (a resource per thread grew as more threads got their first request: 0.6 MiB each,
	 * the soak's RSS with them).
	 */
	pthread_mutex_t pool_lock;
	struct web_thread **pool;
	size_t n_pool, alloc_pool;
	/* The profile in force, shared read-only by every thread; superseded ones are kept
	 * until the server stops, since a request in flight may still use one. */
	pthread_mutex_t profile_lock;
	int64_t profile_seq;
	struct profile *profile;
	struct profile **old_profiles;
	size_t n_old, alloc_old;
	struct door *door; /* the one door, shared by the worker threads; NULL without a profile */
	/* PostgreSQL: the connection holding the checkpoint signer's lock (several servers on
	 * one database sign one at a time); NULL on SQLite */
	struct store *leader_st;
	bool leader;
	bool pg;                      /* the ward's store is PostgreSQL (serve_read_ward) */
	struct reader_cache *readers; /* compiled read rights, shared by the worker threads */
	size_t cache_share;           /* each worker thread's memo bytes (WEB_CACHE_BYTES) */
	struct web_hosts hosts;       /* the names clients may use (--allowed-host) */
	atomic_bool hosts_ready;      /* hosts is complete (set once the port is known) */
	pthread_mutex_t conns_lock;
	struct conn_track *conns; /* every open connection */
	pthread_t sweeper;
	atomic_bool sweeping;
	/* Attachment uploads (web/upload.c): the ward's file limit, and the bytes of large
	 * bodies held at once, so a few uploads cannot exhaust the server's memory. */
	int64_t upload_max;
	atomic_llong large_bodies;
	/* [totp] of mamori.conf: the roles that log in with a second factor ("role" or
	 * "role@scope") and the issuer authenticator apps show. */
	char **totp_roles;
	size_t n_totp_roles;
	char *totp_issuer;
	/* [ldap] of mamori.conf: people linked to the directory log in by binding to it */
	struct dir_conf directory;
	bool has_directory;
	/* [iccard] ca_file: the CA of the ward's IC cards; the server asks for a client
	 * certificate (TLS only) and /login/card logs its holder in */
	struct strbuf iccard_trust;
};

/*
 * Bodies (upload.c): the most a request to url with content type ct may send (forms, uploads,
 * and attachment uploads to POST /attachments up to the ward's file limit); reserving a large
 * body's bytes from the server's budget (-EBUSY when too many are held at once), and giving
 * them back when the request ends.
 */
size_t web_body_limit(const struct web_server *s, const char *url, const char *ct);
int web_body_reserve(struct web_server *s, struct web_req *r, int64_t bytes);
void web_body_release(struct web_server *s, struct web_req *r);

/* Stands in for the request object when the query had too many parameters (on_uri). */
extern char too_many_params;

/* http.c: microhttpd's callbacks for a request (its head and body; its end) and the unescaper
 * that leaves the URI raw (web_serve starts the daemon with them, http-serve.c). */
enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                           const char *method, const char *version, const char *upload_data,
                           size_t *upload_data_size, void **con_cls);
void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode toe);
size_t keep_raw(void *cls, struct MHD_Connection *c, char *s);
/* The request head's framing and Host (400, 421, 431 answered into r). */
int check_framing(struct web_req *r, const char *version);
/* Whether the server stops for good (http-serve.c): 0, or the negative errno with why set. */
int server_failed(struct web_server *s, struct strbuf *why);
/* microhttpd callbacks: connection start/end, the raw URI. */
void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                   enum MHD_ConnectionNotificationCode code);
void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn);
/* A connection's request head has arrived (true) or its response is done (false). */
void conn_mark(struct web_server *s, struct MHD_Connection *conn, bool in_request);
/* The header deadline's thread: runs while s->sweeping. */
void *sweeper_main(void *p);

int parse_listen(const char *listen, struct sockaddr_storage *ret, char *host, size_t host_size,
                 unsigned *ret_port, struct strbuf *err);
bool is_loopback(const struct sockaddr_storage *sa);
void hosts_setup(struct web_hosts *h, const struct web_config *cfg, const char *host, bool v6,
                 unsigned port);
void hosts_release(struct web_hosts *h);

/*
 * http-accept.c: the server's own accept loop. Each new connection goes to the worker of the
 * pool that holds the fewest (libmicrohttpd's workers serve their connections one request at a
 * time, and an act waits in its worker for the door's commit). web_accept_listen binds and
 * listens (the port bound in *ret_port); web_accept_start accepts on lfd into daemon (started
 * with MHD_USE_NO_LISTEN_SOCKET and a pool of workers) until web_accept_stop, which also
 * closes lfd, holding at most limit connections (further clients wait in the backlog) and at
 * most per_address of one client address (0: limit; a further connection of that address
 * waits, accepted, until one of them ends, at most 2 s, then is closed unanswered);
 * web_accept_started and web_accept_closed count a connection's start and end (on_connection,
 * with the descriptor the start saw and the client's address); web_accept_count: the
 * connections started and not ended (and the most one worker holds); web_accept_pending: the
 * connections added and not started yet (one libmicrohttpd refused is not among them);
 * web_accept_waiting: the loop waits at the limit; web_accept_parked: the connections waiting
 * for their address's room; web_accept_set_park_ms: how long they wait (tests);
 * web_accept_ask_stop: the loop accepts nothing more and ends (web_accept_stop waits for it).
 */
struct web_accept;
int web_accept_listen(const struct sockaddr_storage *addr, int *ret_fd, unsigned *ret_port,
                      struct strbuf *err);
int web_accept_start(int lfd, struct MHD_Daemon *daemon, unsigned workers, unsigned limit,
                     unsigned per_address, struct web_accept **ret, struct strbuf *err);
void web_accept_started(struct web_accept *a, int fd);
void web_accept_closed(struct web_accept *a, int fd, const struct sockaddr *sa);
unsigned web_accept_count(struct web_accept *a, unsigned *ret_busiest);
unsigned web_accept_pending(struct web_accept *a);
bool web_accept_waiting(struct web_accept *a);
unsigned web_accept_parked(struct web_accept *a);
void web_accept_set_park_ms(struct web_accept *a, unsigned ms);
void web_accept_ask_stop(struct web_accept *a);
void web_accept_stop(struct web_accept *a);
void web_accept_free(struct web_accept *a);

/* http-pool.c: frees a pooled worker resource (the server's pool, when it stops). */
void thread_release(struct web_thread *t);
/* http-reply.c: queues r's response on its connection and logs it. */
enum MHD_Result send_response(struct web_req *r);
/* http-identity.c: [totp], [ldap] and [iccard] of mamori.conf into s, and their release. */
struct conf;
int identity_setup(struct web_server *s, const struct conf *c, struct strbuf *err);
void identity_release(struct web_server *s);

/*
 * serve-keep.c: what the serving thread keeps in bounds once a second: the write-ahead log's
 * file (cut back past 256 MiB when the server collects logs (logs), as every serve does, else
 * 64 MiB: above what the door's checkpointer, and the log collection's ledger writer, keep it
 * to when no reader holds them back) and the memory malloc holds after bursts. A NULL keep
 * does nothing.
 */
struct serve_keep;
int serve_keep_open(const char *dir, bool logs, struct serve_keep **ret, struct strbuf *err);
void serve_keep_tick(struct serve_keep *k);
/* The WAL file's size past which serve_keep_tick cuts it (tests). */
int64_t serve_keep_wal_bytes(const struct serve_keep *k);
void serve_keep_free(struct serve_keep *k);
/* serve-watch.c: the agents' silence and 人事異動 dated ahead, every few seconds through the
 * door, on a thread of its own. serve_watch_stop asks it to stop and waits until deadline_ns
 * (time_mono_ns): false when it is still inside the door then (left running, not freed). */
struct serve_watch;
int serve_watch_start(struct door *d, struct serve_watch **ret, struct strbuf *err);
bool serve_watch_stop(struct serve_watch *w, int64_t deadline_ns);

#endif
