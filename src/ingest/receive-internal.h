/* receive-internal: what the syslog receivers' files (receive.c, receive-stream.c) share. Not
 * for callers outside src/ingest/receive*.c: they use receive.h.
 */
#ifndef MAMORI_INGEST_RECEIVE_INTERNAL_H
#define MAMORI_INGEST_RECEIVE_INTERNAL_H

#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ingest/framing.h"
#include "ingest/ingest.h"
#include "ingest/receive.h"

#define CONN_BUF_START  (16 * 1024)
#define CONN_BUF_BUSY   (256 * 1024) /* a connection whose reads fill its buffer grows to this */
#define READS_PER_EVENT 4            /* reads of one connection before the next one's turn */
#define HANDSHAKE_MS    10000        /* a TLS client must finish its handshake within this */
#define MAX_BATCH       1024         /* frames handed to ingest at once */
#define STREAM_WORKERS  4            /* threads for TCP and TLS connections, at most */

struct receiver;

struct conn {
	int fd;
	SSL *ssl;
	bool handshaking;
	int64_t started_ms;
	struct framer fr;
	char *buf;
	size_t len, cap;
	uint64_t seq;
	char peer[96];
	char name[112];
	char *subject; /* the client certificate's subject (mutual TLS), or NULL */
	bool again;    /* TLS: records may wait in OpenSSL's read-ahead buffer (conn_read) */
	struct conn *next, *prev;
	struct worker *w; /* the thread that reads it */
};

/*
 * A thread serving TCP and TLS connections with its own epoll set: each connection is read,
 * framed, encoded and hashed (ingest_submit) by one of them, so connections on different
 * workers are taken in parallel. Worker 0 also accepts, and gives each new connection to the
 * worker with the fewest.
 */
struct worker {
	struct receiver *rx;
	int ep;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu; /* conns: worker 0 adds to every worker's list */
	struct conn *conns;
	_Atomic unsigned n_conns; /* (read by worker 0 without mu: which has the fewest) */
	unsigned n_again;         /* its connections with `again` set (this thread's only) */
	/* this thread's batch of frames */
	struct ingest_msg batch[MAX_BATCH];
	size_t nbatch;
	struct conn *batch_conn;
	bool submit_failed;
};

struct receiver {
	struct receiver_config cfg;
	struct ingest *g;
	size_t max;
	int udp_fd, tcp_fd, tls_fd, stop_fd;
	char udp_addr[80], tcp_addr[80], tls_addr[80];
	SSL_CTX *ctx;
	pthread_t udp_thread;
	bool udp_started;
	_Atomic bool stopping;
	_Atomic unsigned n_conns;
	struct worker workers[STREAM_WORKERS];
	unsigned n_workers; /* with an epoll set each (0: no TCP or TLS) */
};

/*
 * Reads of one connection before the next one's turn: READS_PER_EVENT. Only the unit test of
 * the TLS read-ahead path (tests/unit/ingest/test-receive.c) lowers it, to leave whole records
 * in OpenSSL's buffer for certain.
 */
extern unsigned receive_reads_per_event;

/* receive.c */
void receive_addr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* receive-stream.c: a worker thread serving TCP and TLS connections, and closing them all. */
void *receive_stream_main(void *arg);
void receive_close_all(struct worker *wk);

#endif
