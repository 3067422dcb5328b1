/* http-accept: the server's own accept loop, which gives each new connection to the worker that
 * holds the fewest connections. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "web/http-internal.h"
#include "web/mhd-lib.h"

/*
 * Why: a libmicrohttpd worker of the pool serves its connections one request at a time, and a
 * request that acts waits in it for the door's durable commit, so the connections a worker
 * holds wait behind that act. When each worker accepted for itself (poll on the one listening
 * socket), the workers that woke first took most of a burst of new connections: 32 API clients
 * landed on 15-29 workers (17 once, one worker holding 14 of them), so at most that many acts
 * could wait for one commit, and the door's batches held 6-10 acts where its own 32 threads
 * make 22-28.
 *
 * How: libmicrohttpd gives a socket added with MHD_add_connection to worker (fd % workers) of
 * its pool when that worker has room (internal_add_connection, since 0.9.x), so the loop moves
 * each accepted socket to a descriptor whose number picks the least loaded worker (F_DUPFD from
 * the lowest such number up) before adding it. A descriptor it cannot place (none free below
 * the process's limit) keeps its number: the connection is served all the same, by whichever
 * worker that number picks.
 */
struct web_accept {
	int lfd;  /* the listening socket (non-blocking) */
	int stop; /* an eventfd: written once, the loop ends */
	unsigned workers;
	struct MHD_Daemon *daemon;
	pthread_mutex_t mu;
	unsigned *load; /* connections per worker, by the descriptor's number */
	unsigned next;  /* where the search for the least loaded starts (ties go round) */
	pthread_t thread;
	bool running;
};

int web_accept_listen(const struct sockaddr_storage *addr, int *ret_fd, unsigned *ret_port,
                      struct strbuf *err)
{
	struct sockaddr_storage bound;
	socklen_t len =
	    addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int one = 1;
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	/* as libmicrohttpd did: a restart binds again at once (an IPv6 address keeps the system's
	 * dual-stack default, as it did) */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)addr, len) < 0 || listen(fd, SOMAXCONN) < 0)
		goto fail;
	len = sizeof(bound);
	if (getsockname(fd, (struct sockaddr *)&bound, &len) < 0)
		goto fail;
	*ret_port =
	    ntohs(bound.ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)&bound)->sin6_port
	                                      : ((const struct sockaddr_in *)&bound)->sin_port);
	*ret_fd = fd;
	return 0;
fail : {
	int e = errno;
	if (fd >= 0)
		close(fd);
	error_set(err, "%s", strerror(e));
	return -e;
}
}

/* The least loaded worker (ties: the next after the last chosen). With a->mu held. */
static unsigned least_loaded(struct web_accept *a)
{
	unsigned best = a->next % a->workers;

	for (unsigned i = 1; i < a->workers; i++) {
		unsigned w = (a->next + i) % a->workers;
		if (a->load[w] < a->load[best])
			best = w;
	}
	a->next = best + 1;
	return best;
}

/* fd itself, or a descriptor of the same socket whose number is w modulo the workers. */
static int place(int fd, unsigned w, unsigned workers)
{
	long base = (long)w;

	for (int tries = 0; tries < 256 && (unsigned)fd % workers != w; tries++) {
		int nfd = fcntl(fd, F_DUPFD_CLOEXEC, base);
		if (nfd < 0)
			break; /* past the descriptor limit: keep fd */
		if ((unsigned)nfd % workers == w) {
			close(fd);
			return nfd;
		}
		close(nfd);
		/* base was taken: the next number above nfd that picks w */
		base =
		    (long)nfd + 1 + (long)((w + workers - ((unsigned)nfd + 1) % workers) % workers);
	}
	return fd;
}

static void *accept_main(void *arg)
{
	struct web_accept *a = arg;
	struct pollfd p[2] = { { .fd = a->lfd, .events = POLLIN },
		               { .fd = a->stop, .events = POLLIN } };
	bool told = false;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			/* EINTR; ENOMEM: no moment to give up accepting, try again shortly */
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			if (errno != EINTR)
				nanosleep(&ts, NULL);
			continue;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		for (;;) {
			struct sockaddr_storage sa;
			socklen_t len = sizeof(sa);
			unsigned w;
			int fd = accept4(a->lfd, (struct sockaddr *)&sa, &len,
			                 SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (fd < 0) {
				struct timespec ts = { 0, 100 * 1000 * 1000 };

				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break; /* none left */
				/* that connection failed before it was taken: the next */
				if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
					continue;
				/* no descriptor or memory now (EMFILE, ENFILE, ENOBUFS, ENOMEM):
				 * the connection stays queued; try again in a moment */
				if (!told)
					fprintf(stderr,
					        "mamori: warning: cannot accept a connection: %s\n",
					        strerror(errno));
				told = true;
				nanosleep(&ts, NULL);
				break;
			}
			pthread_mutex_lock(&a->mu);
			w = least_loaded(a);
			pthread_mutex_unlock(&a->mu);
			fd = place(fd, w, a->workers);
			w = (unsigned)fd % a->workers;
			pthread_mutex_lock(&a->mu);
			a->load[w]++;
			pthread_mutex_unlock(&a->mu);
			/* the connection's end (web_accept_closed) counts it off; a socket that
			 * libmicrohttpd refused (limits) is closed by it, never started */
			if (MHD_add_connection(a->daemon, fd, (struct sockaddr *)&sa, len) !=
			    MHD_YES)
				web_accept_closed(a, fd);
		}
	}
	return NULL;
}

int web_accept_start(int lfd, struct MHD_Daemon *daemon, unsigned workers, struct web_accept **ret,
                     struct strbuf *err)
{
	struct web_accept *a = xcalloc(1, sizeof(*a));

	a->lfd = lfd;
	a->daemon = daemon;
	a->workers = workers ? workers : 1;
	a->load = xcalloc(a->workers, sizeof(*a->load));
	pthread_mutex_init(&a->mu, NULL);
	a->stop = eventfd(0, EFD_CLOEXEC);
	if (a->stop < 0 || pthread_create(&a->thread, NULL, accept_main, a) != 0) {
		error_set(err, "cannot start the thread that accepts connections: %s",
		          strerror(errno ? errno : EAGAIN));
		if (a->stop >= 0)
			close(a->stop);
		pthread_mutex_destroy(&a->mu);
		free(a->load);
		free(a);
		return -EAGAIN;
	}
	a->running = true;
	*ret = a;
	return 0;
}

void web_accept_closed(struct web_accept *a, int fd)
{
	if (!a || fd < 0)
		return;
	pthread_mutex_lock(&a->mu);
	if (a->load[(unsigned)fd % a->workers])
		a->load[(unsigned)fd % a->workers]--;
	pthread_mutex_unlock(&a->mu);
}

unsigned web_accept_count(struct web_accept *a, unsigned *ret_busiest)
{
	unsigned all = 0, most = 0;

	if (a) {
		pthread_mutex_lock(&a->mu);
		for (unsigned i = 0; i < a->workers; i++) {
			all += a->load[i];
			if (a->load[i] > most)
				most = a->load[i];
		}
		pthread_mutex_unlock(&a->mu);
	}
	if (ret_busiest)
		*ret_busiest = most;
	return all;
}

void web_accept_stop(struct web_accept *a)
{
	uint64_t one = 1;

	if (!a || !a->running)
		return;
	if (write(a->stop, &one, sizeof(one)) != (ssize_t)sizeof(one))
		(void)0; /* an eventfd write of 1 cannot fail short of an overflow */
	pthread_join(a->thread, NULL);
	a->running = false;
	close(a->lfd);
	a->lfd = -1;
}

void web_accept_free(struct web_accept *a)
{
	if (!a)
		return;
	web_accept_stop(a);
	close(a->stop);
	pthread_mutex_destroy(&a->mu);
	free(a->load);
	free(a);
}
