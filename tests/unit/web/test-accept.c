/* test-accept: the server's accept loop gives each new connection to the worker of
 * libmicrohttpd's pool that holds the fewest, whatever descriptor numbers the process hands out
 * meanwhile (a server's workers open store connections as requests come). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "base/timeutil.h"
#include "web/http-internal.h"
#include "web/mhd-lib.h"

#define WORKERS 8
#define OPENED  3 /* descriptors each first request opens: the accepted numbers go 4 apart */

static atomic_int next_worker;
static _Thread_local int worker = -1; /* this worker thread's number, from its first request */
static pthread_mutex_t opened_lock = PTHREAD_MUTEX_INITIALIZER;
static int opened[64 * OPENED];
static size_t n_opened;
static struct web_accept *acc;

static enum MHD_Result on_req(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **ctx)
{
	char body[16];
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!*ctx) { /* the head: answer once it is complete */
		*ctx = c;
		return MHD_YES;
	}
	if (worker < 0)
		worker = atomic_fetch_add(&next_worker, 1);
	pthread_mutex_lock(&opened_lock);
	for (int i = 0; i < OPENED && n_opened < ARRAY_SIZE(opened); i++)
		opened[n_opened++] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pthread_mutex_unlock(&opened_lock);
	snprintf(body, sizeof(body), "%d", worker);
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_conn(void *cls, struct MHD_Connection *c, void **sctx,
                    enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci;

	if (code != MHD_CONNECTION_NOTIFY_CLOSED)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	web_accept_closed(acc, ci ? ci->connect_fd : -1);
}

/* Connects, asks once on the kept-alive connection; the answering worker's number in *ret. */
static int connect_ask(unsigned port, int *ret)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	const char req[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	char buf[512];
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const char *end;

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, sizeof(req) - 1), (ssize_t)(sizeof(req) - 1));
	/* the answer: head, then a body of a few digits (Content-Length says how many) */
	for (;;) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		assert_true(n > 0);
		got += (size_t)n;
		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end && strstr(buf, "Content-Length: ") &&
		    got - (size_t)(end + 4 - buf) ==
		        strtoul(strstr(buf, "Content-Length: ") + 16, NULL, 10))
			break;
	}
	*ret = atoi(end + 4);
	return fd;
}

/* Every one of the n workers answers a different connection. */
static void assert_all_apart(const int *w, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (w[i] == w[j])
				fail_msg("connections %d and %d share worker %d", i, j, w[i]);
}

static void test_one_connection_per_worker(void **state)
{
	struct sockaddr_storage addr = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&addr;
	struct strbuf err = STRBUF_INIT;
	struct MHD_Daemon *d;
	int fds[WORKERS], w[WORKERS], lfd = -1;
	unsigned port = 0, busiest = 0;
	int64_t until;

	(void)state;
	assert_int_equal(mhd_lib_load(&err), 0);
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(web_accept_listen(&addr, &lfd, &port, &err), 0);
	assert_true(port > 0);
	d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET,
	    0, NULL, NULL, on_req, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)WORKERS,
	    MHD_OPTION_NOTIFY_CONNECTION, on_conn, NULL, MHD_OPTION_END);
	assert_non_null(d);
	assert_int_equal(web_accept_start(lfd, d, WORKERS, &acc, &err), 0);

	/* as many connections as workers, each kept: one worker each, although each first
	 * request opens descriptors between two accepts */
	for (int i = 0; i < WORKERS; i++)
		fds[i] = connect_ask(port, &w[i]);
	assert_all_apart(w, WORKERS);
	assert_int_equal(web_accept_count(acc, &busiest), WORKERS);
	assert_int_equal(busiest, 1);

	/* half of them end; the new ones go where room was made (bounded wait: 30 s) */
	for (int i = 0; i < WORKERS; i += 2)
		close(fds[i]);
	until = time_mono_ns() + 30 * 1000000000LL;
	while (web_accept_count(acc, NULL) > WORKERS / 2 && time_mono_ns() < until) {
		struct timespec ts = { 0, 1000000L };
		nanosleep(&ts, NULL);
	}
	assert_int_equal(web_accept_count(acc, NULL), WORKERS / 2);
	for (int i = 0; i < WORKERS; i += 2)
		fds[i] = connect_ask(port, &w[i]);
	assert_all_apart(w, WORKERS);

	for (int i = 0; i < WORKERS; i++)
		close(fds[i]);
	web_accept_stop(acc); /* accepts no more; then the daemon ends its connections */
	MHD_stop_daemon(d);
	web_accept_free(acc);
	acc = NULL;
	for (size_t i = 0; i < n_opened; i++)
		close(opened[i]);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_connection_per_worker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
