/* test-agent: the agent's spool (order, bounds, drops counted, numbers never reused), its
 * followed files (whole lines, rotation, truncation, offsets kept across a crash at any step),
 * its server address and pin parsing, and its HTTPS requests interrupted by signals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/follow.h"
#include "agent/http.h"
#include "agent/spool.h"
#include "tmpdir.h"

static char dir[64];

static int setup(void **state)
{
	assert_int_equal(tmpdir_make(dir, sizeof(dir), "agent"), 0);
	return 0;
}

static int teardown(void **state)
{
	return tmpdir_remove(dir);
}

static void test_spool(void **state)
{
	struct agent_spool s;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	uint64_t seq, got;
	enum spool_kind kind;

	assert_int_equal(spool_open(dir, "spool", 1 << 20, 3, &s, &err), 0);
	for (int i = 0; i < 5; i++) {
		char body[32];
		assert_int_equal(spool_reserve(&s, &seq, &err), 0);
		assert_int_equal(seq, (uint64_t)i + 1);
		snprintf(body, sizeof(body), "{\"n\":%d}", i + 1);
		int r = spool_put(&s, seq, SPOOL_FIM, body, strlen(body), &err);
		/* three fit; the newest two are dropped, the oldest kept */
		assert_int_equal(r, i < 3 ? 0 : -ENOSPC);
	}
	assert_int_equal(spool_take_dropped(&s), 2);
	assert_int_equal(spool_take_dropped(&s), 0);
	spool_untake_dropped(&s, 2);
	spool_close(&s);

	/* reopened: the numbers go on, the drop count is kept, the oldest comes first */
	assert_int_equal(spool_open(dir, "spool", 1 << 20, 3, &s, &err), 0);
	assert_int_equal(s.dropped, 2);
	assert_int_equal(spool_reserve(&s, &seq, &err), 0);
	assert_int_equal(seq, 6);
	assert_int_equal(spool_oldest(&s, &got, &kind, &out, &err), 1);
	assert_int_equal(got, 1);
	assert_string_equal(out.buf, "{\"n\":1}");
	assert_int_equal(spool_remove(&s, 1, SPOOL_FIM, &err), 0);
	strbuf_reset(&out);
	assert_int_equal(spool_oldest(&s, &got, &kind, &out, &err), 1);
	assert_int_equal(got, 2);
	assert_int_equal(spool_remove(&s, 2, SPOOL_FIM, &err), 0);
	assert_int_equal(spool_remove(&s, 3, SPOOL_FIM, &err), 0);
	strbuf_reset(&out);
	assert_int_equal(spool_oldest(&s, &got, &kind, &out, &err), 0);
	spool_close(&s);

	/* stopped after taking number 6 but before spooling its batch: 6 is taken again (the
	 * server would see a gap where nothing was lost); once spooled, the next is 7 */
	assert_int_equal(spool_open(dir, "spool", 1 << 20, 3, &s, &err), 0);
	assert_int_equal(spool_reserve(&s, &seq, &err), 0);
	assert_int_equal(seq, 6);
	assert_int_equal(spool_put(&s, seq, SPOOL_FIM, "{}", 2, &err), 0);
	assert_int_equal(spool_remove(&s, 6, SPOOL_FIM, &err), 0);
	spool_close(&s);
	assert_int_equal(spool_open(dir, "spool", 1 << 20, 3, &s, &err), 0);
	assert_int_equal(spool_reserve(&s, &seq, &err), 0);
	assert_int_equal(seq, 7);
	/* a batch removed after a failed put, the removal not synced: no number is given until
	 * the spool's directory syncs (here it cannot: it is not there for a moment) */
	{
		struct strbuf sp = STRBUF_INIT, away = STRBUF_INIT;
		strbuf_addf(&sp, "%s/spool", dir);
		strbuf_addf(&away, "%s/spool-away", dir);
		s.unsynced = true;
		assert_int_equal(rename(sp.buf, away.buf), 0);
		assert_int_equal(spool_reserve(&s, &seq, &err), -ENOENT);
		assert_non_null(strstr(err.buf, "cannot sync the directory"));
		assert_int_equal(rename(away.buf, sp.buf), 0);
		assert_int_equal(spool_reserve(&s, &seq, &err), 0);
		assert_int_equal(seq, 8);
		assert_false(s.unsynced);
		strbuf_release(&sp);
		strbuf_release(&away);
	}
	spool_close(&s);
	strbuf_release(&err);
	strbuf_release(&out);
}

static void test_server_and_pin(void **state)
{
	static const char pin[] = "EF:9F:66:9C:48:89:DE:17:D3:CE:A9:91:E8:03:80:9F:8F:62:05:F6:3A:"
	                          "E2:FD:AE:AD:8A:01:76:F3:0B:78:8F";
	struct agent_http h;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(agent_http_init(&h, "https://mamori.example.lg.jp:8443/m", pin, &err), 0);
	assert_string_equal(h.host, "mamori.example.lg.jp");
	assert_string_equal(h.port, "8443");
	assert_string_equal(h.prefix, "/m");
	assert_true(h.tls && h.has_pin && h.pin[0] == 0xef && h.pin[31] == 0x8f);
	assert_int_equal(agent_http_init(&h, "https://[::1]:9/", pin, &err), 0);
	assert_string_equal(h.host, "::1");
	/* https without a pin, plain http elsewhere than this machine, bad pins, bad URLs */
	assert_int_equal(agent_http_init(&h, "https://a.example", NULL, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "--pin"));
	assert_int_equal(agent_http_init(&h, "http://192.0.2.1:80", NULL, &err), -EINVAL);
	assert_int_equal(agent_http_init(&h, "http://127.0.0.1:80", NULL, &err), 0);
	assert_int_equal(agent_http_init(&h, "http://localhost", NULL, &err), 0);
	assert_int_equal(agent_http_init(&h, "https://a.example", "EF:9F", &err), -EINVAL);
	assert_int_equal(agent_http_init(&h, "https://a.example", "zz", &err), -EINVAL);
	assert_int_equal(agent_http_init(&h, "ftp://a.example", pin, &err), -EINVAL);
	assert_int_equal(agent_http_init(&h, "https://a.example:99999999", pin, &err), -EINVAL);
	assert_int_equal(agent_http_init(&h, "https://a.example/x y", pin, &err), -EINVAL);
	strbuf_release(&err);
}

static void test_token_file(void **state)
{
	char path[256];
	struct agent_http h = { 0 };
	struct strbuf err = STRBUF_INIT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "w");
	fputs("abcdefghijklmnopqrstuv\n", f);
	fclose(f);
	chmod(path, 0644);
	assert_int_equal(agent_http_token_file(&h, path, &err), -EACCES);
	chmod(path, 0600);
	assert_int_equal(agent_http_token_file(&h, path, &err), 0);
	assert_string_equal(h.token, "abcdefghijklmnopqrstuv");
	f = fopen(path, "w");
	fputs("not a token!\n", f);
	fclose(f);
	assert_int_equal(agent_http_token_file(&h, path, &err), -EINVAL);
	agent_http_wipe(&h);
	strbuf_release(&err);
}

/* ---- followed files ---- */

static void collect(void *arg, const struct follow_file *file, const char *line, size_t len,
                    bool cut)
{
	struct strbuf *sb = arg;
	strbuf_add(sb, line, len);
	strbuf_addstr(sb, cut ? "[cut]|" : "|");
}

static void append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* read_lines: what one follow_read gives, as "a|b|" */
static const char *read_lines(struct follow_set *f, struct strbuf *sb)
{
	strbuf_reset(sb);
	follow_read(f, collect, sb);
	return sb->buf;
}

static bool spooled_yes(void *arg, uint64_t seq)
{
	return seq == 7;
}

static bool spooled_no(void *arg, uint64_t seq)
{
	return false;
}

static void test_follow(void **state)
{
	struct follow_set f;
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT, log = STRBUF_INIT, old = STRBUF_INIT;
	const char *paths[1];

	strbuf_addf(&log, "%s/app.log", dir);
	strbuf_addf(&old, "%s/app.log.1", dir);
	paths[0] = log.buf;
	/* not there yet: nothing, no error; then it appears */
	follow_open(&f, dir, paths, 1);
	assert_string_equal(read_lines(&f, &sb), "");
	append(log.buf, "one\ntwo\nthr");
	assert_string_equal(read_lines(&f, &sb), "one|two|");
	append(log.buf, "ee\r\n");
	assert_string_equal(read_lines(&f, &sb), "three|");
	/* rotation by rename: the old file's unfinished last line counts, then the new file */
	append(log.buf, "four\nfive");
	assert_int_equal(rename(log.buf, old.buf), 0);
	append(log.buf, "six\n");
	assert_string_equal(read_lines(&f, &sb), "four|five|six|");
	/* truncation in place (copytruncate), seen at a tick while the file is shorter than
	 * what was read (as with tail -F) */
	assert_int_equal(truncate(log.buf, 0), 0);
	assert_string_equal(read_lines(&f, &sb), "");
	append(log.buf, "seven\n");
	assert_string_equal(read_lines(&f, &sb), "seven|");
	/* staged and committed: a restart resumes after "seven" */
	assert_int_equal(follow_stage(&f, 6, &err), 0);
	assert_int_equal(follow_commit(&f, &err), 0);
	append(log.buf, "eight\nnin");
	assert_string_equal(read_lines(&f, &sb), "eight|");
	/* a crash after staging batch 7 and spooling it: settle keeps its offsets */
	assert_int_equal(follow_stage(&f, 7, &err), 0);
	follow_close(&f);
	assert_int_equal(follow_settle(dir, spooled_yes, NULL, &err), 0);
	follow_open(&f, dir, paths, 1);
	append(log.buf, "e\n");
	assert_string_equal(read_lines(&f, &sb), "nine|");
	/* a crash after staging batch 8 that never reached the spool: read again */
	assert_int_equal(follow_stage(&f, 8, &err), 0);
	follow_close(&f);
	assert_int_equal(follow_settle(dir, spooled_no, NULL, &err), 0);
	follow_open(&f, dir, paths, 1);
	assert_string_equal(read_lines(&f, &sb), "nine|");
	/* a batch that could not be spooled: rewind gives the same lines again */
	follow_rewind(&f);
	assert_string_equal(read_lines(&f, &sb), "nine|");
	/* an overlong line is cut and flagged, the next one whole */
	follow_close(&f);
	{
		FILE *fp = fopen(log.buf, "a");
		assert_non_null(fp);
		for (unsigned i = 0; i < FOLLOW_MAX_LINE + 10; i++)
			fputc('x', fp);
		fputs("\nten\n", fp);
		assert_int_equal(fclose(fp), 0);
	}
	follow_open(&f, dir, paths, 1);
	strbuf_reset(&sb);
	follow_read(&f, collect, &sb);
	follow_read(&f, collect, &sb);
	assert_int_equal(sb.len, 5 + FOLLOW_MAX_LINE + 10);
	assert_string_equal(sb.buf + sb.len - 10, "[cut]|ten|");
	assert_memory_equal(sb.buf, "nine|", 5);
	/* a commit that fails (follow.state a directory with a file in it: the rename cannot
	 * replace it) stays outstanding until follow_recommit completes it: the rename, then the
	 * sync */
	{
		struct strbuf st = STRBUF_INIT, kept = STRBUF_INIT, in = STRBUF_INIT,
		              away = STRBUF_INIT;
		strbuf_addf(&st, "%s/follow.state", dir);
		strbuf_addf(&kept, "%s/follow.state.kept", dir);
		strbuf_addf(&in, "%s/follow.state/x", dir);
		strbuf_addf(&away, "%s-away", dir);
		assert_int_equal(follow_stage(&f, 9, &err), 0);
		assert_int_equal(rename(st.buf, kept.buf), 0);
		assert_int_equal(mkdir(st.buf, 0700), 0);
		append(in.buf, "x");
		assert_true(follow_commit(&f, &err) < 0);
		assert_true(f.uncommitted);
		assert_true(follow_recommit(&f, &err) < 0);
		assert_true(f.uncommitted);
		assert_int_equal(unlink(in.buf), 0);
		assert_int_equal(rmdir(st.buf), 0);
		assert_int_equal(follow_recommit(&f, &err), 0);
		assert_false(f.uncommitted);
		assert_true(access(f.pending, F_OK) < 0); /* renamed into follow.state */
		assert_int_equal(access(st.buf, F_OK), 0);
		unlink(kept.buf);
		/* the rename made, its sync outstanding: the state directory cannot be synced while
		 * it is not there */
		f.uncommitted = true;
		assert_int_equal(rename(dir, away.buf), 0);
		assert_int_equal(follow_recommit(&f, &err), -ENOENT);
		assert_true(f.uncommitted);
		assert_int_equal(rename(away.buf, dir), 0);
		assert_int_equal(follow_recommit(&f, &err), 0);
		assert_false(f.uncommitted);
		strbuf_release(&st);
		strbuf_release(&kept);
		strbuf_release(&in);
		strbuf_release(&away);
	}
	follow_close(&f);
	strbuf_release(&sb);
	strbuf_release(&err);
	strbuf_release(&log);
	strbuf_release(&old);
}

/* ---- a request interrupted by signals ---- */

/* A TLS server on loopback for one request, slow to shake hands and to answer. */
struct slow_server {
	int lfd;
	SSL_CTX *ctx;
	int delay_ms;
};

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *slow_serve(void *arg)
{
	struct slow_server *sv = arg;
	int fd = accept(sv->lfd, NULL, NULL);
	char buf[4096];
	size_t got = 0;
	static const char answer[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

	if (fd < 0)
		return NULL;
	sleep_ms(sv->delay_ms); /* the client waits in its handshake's read */
	SSL *ssl = SSL_new(sv->ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1) {
		for (;;) { /* the request: headers, then its one-byte body "x" */
			int n = SSL_read(ssl, buf + got, (int)(sizeof(buf) - 1 - got));
			if (n <= 0)
				break;
			got += (size_t)n;
			buf[got] = 0;
			if (strstr(buf, "\r\n\r\nx"))
				break;
		}
		sleep_ms(sv->delay_ms); /* and in its read of the answer */
		SSL_write(ssl, answer, (int)strlen(answer));
		SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	close(fd);
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
}

struct pest {
	pthread_t target;
	volatile bool done;
};

/* Signals the target every 5 ms until done. */
static void *pester(void *arg)
{
	struct pest *p = arg;

	while (!p->done) {
		pthread_kill(p->target, SIGUSR1);
		sleep_ms(5);
	}
	return NULL;
}

/* One POST to a fresh slow server while this thread is signalled; returns agent_http_post's. */
static int post_pestered(volatile sig_atomic_t *stop, int *status, struct strbuf *body,
                         struct strbuf *err)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	unsigned char md[32];
	unsigned int mdn = 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	char url[64], pin[65];
	struct agent_http h;
	pthread_t srv, pt;
	int r;

	assert_non_null(k);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &mdn), 1);
	for (unsigned i = 0; i < 32; i++)
		snprintf(pin + 2 * i, 3, "%02x", md[i]);
	struct slow_server sv = { .ctx = SSL_CTX_new(TLS_server_method()), .delay_ms = 300 };
	assert_int_equal(SSL_CTX_use_certificate(sv.ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sv.ctx, k), 1);
	sv.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(sv.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(sv.lfd, 1), 0);
	assert_int_equal(getsockname(sv.lfd, (struct sockaddr *)&a, &al), 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", ntohs(a.sin_port));
	assert_int_equal(agent_http_init(&h, url, pin, err), 0);
	snprintf(h.token, sizeof(h.token), "t0k3n");
	h.stop = stop;
	assert_int_equal(pthread_create(&srv, NULL, slow_serve, &sv), 0);

	/* a handler without SA_RESTART, as the agent's own for SIGTERM */
	struct sigaction sa = { .sa_handler = on_signal }, old;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	struct pest p = { .target = pthread_self() };
	assert_int_equal(pthread_create(&pt, NULL, pester, &p), 0);
	r = agent_http_post(&h, "/api/v1/fim/results", "application/json", NULL, "x", 1, status,
	                    body, err);
	p.done = true;
	pthread_join(pt, NULL);
	sigaction(SIGUSR1, &old, NULL);
	pthread_join(srv, NULL);
	close(sv.lfd);
	SSL_CTX_free(sv.ctx);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

/*
 * A request whose handshake and answer are each 300 ms away, while a signal arrives every 5 ms
 * (a handler without SA_RESTART: its reads end with EINTR): it is resumed and succeeds. When
 * the agent is stopping (SIGTERM), an interruption ends the request instead.
 */
static void test_request_interrupted(void **state)
{
	struct strbuf body = STRBUF_INIT, err = STRBUF_INIT;
	volatile sig_atomic_t stop = 0;
	int status = 0;

	(void)state;
	signal(SIGPIPE, SIG_IGN); /* as the agent: the server writes to a client that left */
	if (post_pestered(&stop, &status, &body, &err) != 0)
		fail_msg("interrupted by signals: %s", err.buf);
	assert_int_equal(status, 200);
	assert_string_equal(body.buf, "ok");
	strbuf_reset(&body);
	stop = 1;
	assert_true(post_pestered(&stop, &status, &body, &err) < 0);
	strbuf_release(&body);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spool),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_server_and_pin),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_request_interrupted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
