/* test-receive: the syslog receivers' stream paths that timing alone does not reach. */
#include "../core/fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "ingest/receive-internal.h"
#include "ingest/receive.h"

#define BURST      250 /* messages of ~75 bytes: ~19 KB, one loopback segment, in one send */
#define SLOW_BURST 20  /* messages of ~2.9 KB: ~58 KB (marked_with_one_held) */

/* A self-signed P-256 certificate and its key, as PEM files in dir. */
static void make_cert(const char *dir, char *cert, char *key, size_t size)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	FILE *fp;

	assert_non_null(pk);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, pk);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
	snprintf(cert, size, "%s/tls-cert.pem", dir);
	snprintf(key, size, "%s/tls-key.pem", dir);
	fp = fopen(cert, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_X509(fp, x), 1);
	fclose(fp);
	fp = fopen(key, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL), 1);
	fclose(fp);
	X509_free(x);
	EVP_PKEY_free(pk);
}

static int connect_to(const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *colon = strrchr(addr, ':');
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_non_null(colon);
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr), 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static uint64_t received(struct ingest *g)
{
	struct ingest_stats st;

	ingest_get_stats(g, &st);
	return st.received;
}

/*
 * TLS reads ahead: one read() takes many records into OpenSSL's buffer. A connection whose
 * turn ends (receive_reads_per_event) with whole records still there, and nothing more in
 * the socket, gets no epoll event for them: the worker must come back (read_again). Here
 * the sender's burst arrives in one segment and then it sends nothing, holding the
 * connection open; one read per turn takes 16 KiB of the ~25 KB: every message arrives only
 * if the worker reads the rest without a new event.
 */
static void tls_records_left_in_buffer(void **state)
{
	struct fixture *f = *state;
	char cert[128], key[128];
	struct receiver_config cfg = { .tls = "127.0.0.1:0" };
	struct ingest *g = NULL;
	struct receiver *rx = NULL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl;
	BIO *mem;
	BUF_MEM *out;
	int fd;
	uint64_t base;

	make_cert(f->dir, cert, key, sizeof(cert));
	cfg.tls_cert = cert;
	cfg.tls_key = key;
	receive_reads_per_event = 1;
	assert_int_equal(ingest_open(f->dir, NULL, &g, &f->err), 0);
	assert_int_equal(receiver_start(&cfg, g, &rx, &f->err), 0);
	base = received(g);

	fd = connect_to(receiver_address(rx, "tls"));
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	assert_int_equal(SSL_connect(ssl), 1);
	/* the burst's records made in memory, then sent at once */
	mem = BIO_new(BIO_s_mem());
	SSL_set0_wbio(ssl, mem);
	for (int i = 0; i < BURST; i++) {
		char m[160], frame[176];
		int n = snprintf(m, sizeof(m),
		                 "<13>1 2026-11-22T02:46:00Z h app - - - read-again record %04d of "
		                 "a burst held open",
		                 i);
		int fl = snprintf(frame, sizeof(frame), "%d %s", n, m);
		assert_int_equal(SSL_write(ssl, frame, fl), fl);
	}
	BIO_get_mem_ptr(mem, &out);
	assert_true(out->length > 16 * 1024 && out->length < 60 * 1024);
	assert_int_equal(send(fd, out->data, out->length, MSG_NOSIGNAL), (ssize_t)out->length);

	for (int t = 0; t < 500 && received(g) - base < BURST; t++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	assert_int_equal(received(g) - base, BURST);

	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	receiver_stop(rx);
	assert_int_equal(ingest_close(g, &f->err), 0);
	receive_reads_per_event = READS_PER_EVENT;
}

/*
 * After the handshake the receiver sends nothing a sender must read: a sender that never
 * reads (loggen) and closes with bytes unread makes its kernel reset the connection, and the
 * reset discards the tail of its stream still in the receiver's socket buffer (TLS 1.3
 * session tickets were such bytes).
 */
static void tls_sends_nothing_after_handshake(void **state)
{
	struct fixture *f = *state;
	char cert[128], key[128];
	struct receiver_config cfg = { .tls = "127.0.0.1:0" };
	struct ingest *g = NULL;
	struct receiver *rx = NULL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	static const char frame[] = "31 <13>1 - h app - - - one message";
	struct pollfd pfd;
	SSL *ssl;
	uint64_t base;
	int fd;

	make_cert(f->dir, cert, key, sizeof(cert));
	cfg.tls_cert = cert;
	cfg.tls_key = key;
	assert_int_equal(ingest_open(f->dir, NULL, &g, &f->err), 0);
	assert_int_equal(receiver_start(&cfg, g, &rx, &f->err), 0);
	base = received(g);
	fd = connect_to(receiver_address(rx, "tls"));
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	SSL_set_max_proto_version(ssl, TLS1_3_VERSION);
	assert_int_equal(SSL_connect(ssl), 1);
	assert_int_equal(SSL_version(ssl), TLS1_3_VERSION);
	assert_int_equal(SSL_write(ssl, frame, (int)sizeof(frame) - 1), (int)sizeof(frame) - 1);
	/* once the message is in, the server has long finished its side of the handshake */
	for (int t = 0; t < 500 && received(g) == base; t++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	assert_int_equal(received(g) - base, 1);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 200), 0); /* nothing waits to be read */
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	receiver_stop(rx);
	assert_int_equal(ingest_close(g, &f->err), 0);
}

/* Over every worker: connections with the mark raised now, and raised so far. */
static unsigned lowat_now(struct receiver *rx)
{
	unsigned n = 0;

	for (unsigned i = 0; i < rx->n_workers; i++)
		n += atomic_load(&rx->workers[i].n_lowat);
	return n;
}

static uint64_t lowat_raised(struct receiver *rx)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < rx->n_workers; i++)
		n += atomic_load(&rx->workers[i].lowat_raised);
	return n;
}

/* Waits up to ms for the receiver to have taken want messages since base (1-ms looks). */
static void wait_received(struct ingest *g, uint64_t base, uint64_t want, int ms)
{
	for (int t = 0; t < ms && received(g) - base < want; t++)
		nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
}

/* Octet-counted frames of messages first..first+n-1 into buf, each with pad more bytes of
 * text; returns their length. */
static size_t frames_pad(char *buf, size_t size, int first, int n, int pad)
{
	size_t len = 0;

	for (int i = first; i < first + n; i++) {
		char m[4096];
		int k = snprintf(
		    m, sizeof(m),
		    "<13>1 2026-11-22T02:46:00Z h app - - - a busy sender's message %04d %0*d", i,
		    pad, 0);
		int fl = snprintf(buf + len, size - len, "%d %s", k, m);
		assert_true(fl > 0 && (size_t)fl < size - len);
		len += (size_t)fl;
	}
	return len;
}

/* The same, of messages of about 75 bytes. */
static size_t frames(char *buf, size_t size, int first, int n)
{
	return frames_pad(buf, size, first, n, 0);
}

static void sleep_ms(unsigned ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L },
	          NULL);
}

static int64_t ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Makes n new connections busy senders (fds[]): a burst of SLOW_BURST messages of ~2.9 KB on
 * each (~58 KB, under LOWAT_BYTES), which alone does not make a sender busy, then
 * receive_lowat_ms later one more message on each, which does (the burst's rate since the
 * connection began: LOWAT_RAISE bytes per receive_lowat_ms and more, while that was less than
 * 7 times receive_lowat_ms: a sanitizer's build takes seconds for many connections' bursts);
 * then one message on each under its mark, held. Messages counted from base.
 */
static void marked_with_one_held(struct ingest *g, struct receiver *rx, uint64_t base, int *fds,
                                 unsigned n)
{
	static char buf[64 * 1024];
	uint64_t before = received(g) - base;
	unsigned marked = lowat_now(rx);
	size_t len = frames_pad(buf, sizeof(buf), 0, SLOW_BURST, 2800);

	assert_true(len >= 7 * LOWAT_RAISE && len < LOWAT_BYTES);
	for (unsigned i = 0; i < n; i++) {
		fds[i] = connect_to(receiver_address(rx, "tcp"));
		assert_int_equal(send(fds[i], buf, len, MSG_NOSIGNAL), (ssize_t)len);
	}
	wait_received(g, base, before + n * SLOW_BURST, 10000);
	assert_int_equal(received(g) - base, before + n * SLOW_BURST);
	assert_int_equal(lowat_now(rx), marked); /* a burst is not a rate */
	sleep_ms(receive_lowat_ms + 50);
	len = frames(buf, sizeof(buf), SLOW_BURST, 1);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(send(fds[i], buf, len, MSG_NOSIGNAL), (ssize_t)len);
	wait_received(g, base, before + n * (SLOW_BURST + 1), 10000);
	assert_int_equal(received(g) - base, before + n * (SLOW_BURST + 1));
	for (int t = 0; t < 1000 && lowat_now(rx) < marked + n; t++) /* (set just after) */
		sleep_ms(1);
	assert_int_equal(lowat_now(rx), marked + n);
	len = frames(buf, sizeof(buf), SLOW_BURST + 1, 1);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(send(fds[i], buf, len, MSG_NOSIGNAL), (ssize_t)len);
	wait_received(g, base, before + n * (SLOW_BURST + 2), 100);
	assert_int_equal(received(g) - base, before + n * (SLOW_BURST + 1)); /* held */
}

/*
 * A busy sender's connection wakes its worker only once LOWAT_BYTES wait (SO_RCVLOWAT): a
 * burst does not make it busy, a rate does (marked_with_one_held); then a message under the
 * mark waits in the socket (the wakes saved) but no longer than the worker's look once the
 * connection was not read for receive_lowat_ms (read_lowat; 1.5 s here, so that it is seen
 * waiting whatever the machine's load), and the connection, quiet since, is no longer busy.
 */
static void busy_sender_mark(void **state)
{
	struct fixture *f = *state;
	struct receiver_config cfg = { .tcp = "127.0.0.1:0" };
	struct ingest *g = NULL;
	struct receiver *rx = NULL;
	char buf[256];
	struct timespec t0;
	uint64_t base;
	size_t len;
	int fd;

	receive_lowat_ms = 1500;
	assert_int_equal(ingest_open(f->dir, NULL, &g, &f->err), 0);
	assert_int_equal(receiver_start(&cfg, g, &rx, &f->err), 0);
	base = received(g);
	marked_with_one_held(g, rx, base, &fd, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(lowat_raised(rx), 1);
	wait_received(g, base, SLOW_BURST + 2, 5000);
	assert_int_equal(received(g) - base, SLOW_BURST + 2);
	assert_true(ms_since(&t0) < 2000);
	/* that look read less than LOWAT_DROP: not busy any more, a lone message taken at once */
	for (int t = 0; t < 1000 && lowat_now(rx); t++)
		sleep_ms(1);
	assert_int_equal(lowat_now(rx), 0);
	len = frames(buf, sizeof(buf), SLOW_BURST + 2, 1);
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
	wait_received(g, base, SLOW_BURST + 3, 100);
	assert_int_equal(received(g) - base, SLOW_BURST + 3);

	close(fd);
	receiver_stop(rx);
	assert_int_equal(ingest_close(g, &f->err), 0);
	receive_lowat_ms = LOWAT_MS;
}

/*
 * A sender at a middling rate (about 15 KB every 10 ms: more than LOWAT_RAISE per
 * receive_lowat_ms, less than LOWAT_BYTES) becomes busy once and stays so, read by the worker's
 * looks, rather than being marked and unmarked at every look (review-pace LOW 4: it was, about
 * 30 times a second here); a burst after a quiet time does not make it busy, and a look after
 * its end ends the busy state. receive_lowat_ms is 20 here: 100 of them in the stream.
 */
static void busy_sender_steady(void **state)
{
	struct fixture *f = *state;
	struct receiver_config cfg = { .tcp = "127.0.0.1:0" };
	struct ingest *g = NULL;
	struct receiver *rx = NULL;
	static char buf[64 * 1024];
	unsigned sent = 0;
	uint64_t base;
	size_t len;
	int fd, one = 1;

	receive_lowat_ms = 20;
	assert_int_equal(ingest_open(f->dir, NULL, &g, &f->err), 0);
	assert_int_equal(receiver_start(&cfg, g, &rx, &f->err), 0);
	base = received(g);
	fd = connect_to(receiver_address(rx, "tcp"));
	/* (each send at once: Nagle would hold one until the last is acknowledged, which a
	 * receiver that does not read may delay by a delayed ACK's 40 ms on loopback) */
	assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	sleep_ms(200);
	len = frames(buf, sizeof(buf), 0, BURST);
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
	sent = BURST;
	wait_received(g, base, sent, 5000);
	assert_int_equal(received(g) - base, sent);
	assert_int_equal(lowat_raised(rx), 0);
	for (int i = 0; i < 100; i++) {
		len = frames(buf, sizeof(buf), (int)sent, 200);
		assert_true(len >= LOWAT_RAISE && len < LOWAT_BYTES / 2);
		assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
		sent += 200;
		sleep_ms(10);
	}
	wait_received(g, base, sent, 5000);
	assert_int_equal(received(g) - base, sent);
	/* (at most 8: the old marking and unmarking was ~30 in this second; a loaded sanitizer
	 * run stretches a few 10-ms sleeps past receive_lowat_ms, each one mark more) */
	assert_true(lowat_raised(rx) >= 1 && lowat_raised(rx) <= 8);
	for (int t = 0; t < 1000 && lowat_now(rx); t++)
		sleep_ms(1);
	assert_int_equal(lowat_now(rx), 0);

	close(fd);
	receiver_stop(rx);
	assert_int_equal(ingest_close(g, &f->err), 0);
	receive_lowat_ms = LOWAT_MS;
}

/*
 * A stream is busy at once: LOWAT_BYTES in less than receive_lowat_ms (1.5 s here) mark a new
 * connection without waiting for a rate over that time (a stream that its sender's stall made
 * not busy was read segment by segment meanwhile).
 */
static void busy_sender_stream(void **state)
{
	struct fixture *f = *state;
	struct receiver_config cfg = { .tcp = "127.0.0.1:0" };
	struct ingest *g = NULL;
	struct receiver *rx = NULL;
	static char buf[64 * 1024];
	struct timespec t0;
	uint64_t base;
	size_t len;
	int fd;

	receive_lowat_ms = 1500;
	assert_int_equal(ingest_open(f->dir, NULL, &g, &f->err), 0);
	assert_int_equal(receiver_start(&cfg, g, &rx, &f->err), 0);
	base = received(g);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = connect_to(receiver_address(rx, "tcp"));
	for (int i = 0; i < 5; i++) { /* ~95 KB */
		len = frames(buf, sizeof(buf), i * BURST, BURST);
		assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
	}
	wait_received(g, base, 5 * BURST, 5000);
	assert_int_equal(received(g) - base, 5 * BURST);
	for (int t = 0; t < 500 && !lowat_now(rx); t++) /* (set just after the messages went in) */
		sleep_ms(1);
	assert_int_equal(lowat_now(rx), 1);
	assert_true(ms_since(&t0) < 1000);

	close(fd);
	receiver_stop(rx);
	assert_int_equal(ingest_close(g, &f->err), 0);
	receive_lowat_ms = LOWAT_MS;
}

/*
 * Many busy senders on each worker (66 each, more than the 64 a look read before: review-pace
 * LOW 3), each with a message held under its mark: one look reads them all, once each was not
 * read for receive_lowat_ms (1.5 s), not 64 of them a look, one look every 1.5 s.
 */
static void busy_senders_many(void **state)
{
	struct fixture *f = *state;
	struct receiver_config cfg = { .tcp = "127.0.0.1:0" };
	struct ingest *g = NULL;
	struct receiver *rx = NULL;
	int fds[STREAM_WORKERS * 66];
	struct timespec t0;
	uint64_t base;
	unsigned n;

	receive_lowat_ms = 1500;
	assert_int_equal(ingest_open(f->dir, NULL, &g, &f->err), 0);
	assert_int_equal(receiver_start(&cfg, g, &rx, &f->err), 0);
	base = received(g);
	n = rx->n_workers * 66;
	marked_with_one_held(g, rx, base, fds, n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wait_received(g, base, n * (SLOW_BURST + 2), 5000);
	assert_int_equal(received(g) - base, n * (SLOW_BURST + 2));
	assert_true(ms_since(&t0) < 2300);
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
	receiver_stop(rx);
	assert_int_equal(ingest_close(g, &f->err), 0);
	receive_lowat_ms = LOWAT_MS;
}

/*
 * What waits under a busy sender's mark is not lost when the connection or the receiver ends:
 * a sender's FIN is reported whatever the mark, and the message is read at once (long before
 * the worker's look, 1.5 s here), the connection closed and its mark gone; and a receiver
 * stopped while a message is held reads it before closing the connection (receive_close_all).
 */
static void busy_sender_end(void **state)
{
	struct fixture *f = *state;
	struct receiver_config cfg = { .tcp = "127.0.0.1:0" };
	struct ingest *g = NULL;
	struct receiver *rx = NULL;
	uint64_t base;
	int fd;

	receive_lowat_ms = 1500;
	assert_int_equal(ingest_open(f->dir, NULL, &g, &f->err), 0);
	assert_int_equal(receiver_start(&cfg, g, &rx, &f->err), 0);
	base = received(g);

	marked_with_one_held(g, rx, base, &fd, 1);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	wait_received(g, base, SLOW_BURST + 2, 100);
	assert_int_equal(received(g) - base, SLOW_BURST + 2);
	for (int t = 0; t < 100 && lowat_now(rx); t++)
		nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
	assert_int_equal(lowat_now(rx), 0);
	close(fd);

	marked_with_one_held(g, rx, base, &fd, 1);
	receiver_stop(rx);
	assert_int_equal(received(g) - base, 2 * (SLOW_BURST + 2));
	close(fd);
	assert_int_equal(ingest_close(g, &f->err), 0);
	receive_lowat_ms = LOWAT_MS;
}

int main(void)
{
	/* as serve: a peer gone while a TLS alert is written is an error, not a signal */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tls_records_left_in_buffer, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(tls_sends_nothing_after_handshake, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(busy_sender_mark, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(busy_sender_end, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(busy_sender_steady, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(busy_sender_stream, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(busy_senders_many, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
