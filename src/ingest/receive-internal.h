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
/*
 * A busy plain TCP sender's connection wakes its worker only once LOWAT_BYTES wait in its
 * socket (SO_RCVLOWAT), not for every few segments: each wake is a switch of the worker and of
 * the ledger writer it hands the messages to. A connection is busy once it brought LOWAT_RAISE
 * bytes or more per LOWAT_MS over at least LOWAT_MS (about 4 MB/s), or LOWAT_BYTES in less; one
 * whose LOWAT_BYTES did not come within LOWAT_MS of its last read is read as it is by the
 * worker (read_lowat), and is no longer busy if that was less than LOWAT_DROP per LOWAT_MS
 * (about 2 MB/s): between the two a sender keeps its state, so one at a middling rate does not
 * raise and drop the mark again and again. (receive-stream.c, conn_lowat; docs/logs.md,
 * "Receiving".)
 */
#define LOWAT_BYTES (64 * 1024)
#define LOWAT_RAISE (8 * 1024)
#define LOWAT_DROP  (4 * 1024)
#define LOWAT_MS    2

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
	bool lowat;    /* a busy sender: SO_RCVLOWAT is LOWAT_BYTES (conn_lowat) */
	/* busy: when last read (CLOCK_MONOTONIC); else when the bytes of win_bytes began */
	int64_t last_read_ns;
	size_t win_bytes;               /* not busy: bytes read since last_read_ns */
	struct conn *lw_next, *lw_prev; /* busy: the worker's lw list */
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
	/* its connections with `lowat` set (written by this thread alone; tests read it) */
	_Atomic unsigned n_lowat;
	_Atomic uint64_t lowat_raised; /* connections found busy so far (tests) */
	/* those connections, least recently read first (this thread's only: no lock) */
	struct conn *lw_head, *lw_tail;
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
/* LOWAT_MS; tests lengthen it to see a busy connection's mark hold a message back. */
extern unsigned receive_lowat_ms;

/* receive.c */
void receive_addr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* receive-stream.c: a worker thread serving TCP and TLS connections, and closing them all. */
void *receive_stream_main(void *arg);
void receive_close_all(struct worker *wk);

#endif
