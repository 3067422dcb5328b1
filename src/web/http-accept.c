/* http-accept: the server's own accept loop, which gives each new connection to the worker that
 * holds the fewest. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "web/http-accept-addr.h"
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
 *
 * The counts: a connection is counted on its worker from its add until libmicrohttpd starts it
 * (pending), then from its start until its socket is closed (held): both notifications come
 * once per connection (on_connection), so held cannot drift. libmicrohttpd notifies the end
 * before it closes the socket: the connection stays counted (ended), for its worker, the total
 * and its address, until its descriptor no longer names that socket, so the loop's counts never
 * fall below libmicrohttpd's own count of a worker's connections, which falls only after the
 * close (its per-address limit, which counted the same way, is off: see below). A socket
 * libmicrohttpd refuses after MHD_add_connection
 * said yes (its worker found no room or memory when it took it) is closed without a start: a
 * worker's pending count that has not fallen to 0 for PENDING_NS is forgotten.
 *
 * The limit: with --max-connections held or pending, the loop stops polling the listening
 * socket, so further clients wait in the kernel's backlog as they did when libmicrohttpd
 * accepted, and polls it again when a connection's socket is closed. libmicrohttpd's own limit
 * is set higher (web_serve): its count of a worker's connections falls only after it closed the
 * socket.
 *
 * The limit per address (--max-per-address): counted here too, from the accept until the
 * socket is closed, as the total is (libmicrohttpd's own per-address limit is off). A
 * connection past its address's limit waits, accepted and not added (parked), until one of
 * that address's connections ends, for at most park_ns; then it is closed unanswered, as
 * libmicrohttpd closed it at once. libmicrohttpd counted a connection until its worker had
 * seen its end, so a client that closed its connections and opened as many again at once
 * (32 API clients, one benchmark run after another) had some of the new ones closed: the
 * client saw its connection cut (issue 17). At most per_address connections of one address
 * wait, and PARK_MAX of all.
 */
#define PENDING_NS     (2 * 1000000000LL)
#define PARK_NS        (2 * 1000000000LL)
#define PARK_MAX       256
#define ACCEPTS_A_PASS 64 /* then the loop polls again (the stop, the limit) */
#define WARN_EVERY_NS  (60 * 1000000000LL)

struct web_accept {
	int lfd;  /* the listening socket (non-blocking) */
	int stop; /* an eventfd: written once, the loop ends */
	int room; /* an eventfd: written when a connection ends while the loop waits at the limit */
	unsigned workers, limit;
	struct MHD_Daemon *daemon;
	atomic_bool stopping;
	pthread_mutex_t mu;
	unsigned *held;      /* connections started and not ended, per worker (fd % workers) */
	unsigned *pending;   /* added, not started yet */
	int64_t *pending_ns; /* since when pending has not been 0 */
	unsigned all;        /* the sum of held and pending */
	unsigned next;       /* where the search for the least loaded starts (ties go round) */
	bool full;           /* the loop waits for room */
	struct ended {
		int fd;
		unsigned w;
		dev_t dev;
		ino_t ino;
		struct addr_key key;
	} * ended; /* connections ended whose socket may still be open */
	size_t n_ended, alloc_ended;
	unsigned per_address;      /* connections one address holds at most */
	int64_t park_ns;           /* how long a connection past its address's limit waits */
	struct accept_addrs addrs; /* the addresses that hold or wait for connections */
	struct pend {
		int fd;
		dev_t dev;
		ino_t ino;
		struct addr_key key;
		int64_t since;
	} * pend; /* connections added and not started, newest last */
	size_t n_pend, alloc_pend;
	struct parked {
		int fd;
		socklen_t len;
		struct sockaddr_storage sa;
		struct addr_key key;
		int64_t since;
	} * parked; /* PARK_MAX slots, oldest first */
	size_t n_parked;
	int64_t warned_ns[2]; /* the last warning: accept failed, poll failed */
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
	/* as libmicrohttpd did: a restart binds again at once */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	/* an IPv6 address serves IPv6 only, whatever net.ipv6.bindv6only says ('[::]:P': every
	 * IPv6 address of the machine; IPv4 clients need an IPv4 --listen) */
	if (addr->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
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

/* One connection of key's address closed (or never added). With a->mu held. */
static void addr_closed(struct web_accept *a, const struct addr_key *key)
{
	struct addr_count *ac = accept_addrs_find(&a->addrs, key, false);

	if (ac && ac->n) {
		ac->n--;
		accept_addrs_forget_idle(&a->addrs, ac);
	}
}

/* The record of a connection added and not started (newest first: a number closed and given
 * to a newer connection is that one's); false when there is none. With a->mu held. */
static bool pend_drop(struct web_accept *a, int fd)
{
	for (size_t i = a->n_pend; i-- > 0;) {
		if (a->pend[i].fd == fd) {
			memmove(&a->pend[i], &a->pend[i + 1],
			        (a->n_pend - i - 1) * sizeof(*a->pend));
			a->n_pend--;
			return true;
		}
	}
	return false;
}

static int fstat_foreign(int fd, struct stat *st);

/* Connections added PENDING_NS ago and never started whose socket is closed (libmicrohttpd
 * refused them after MHD_add_connection said yes): their address no longer counts them. With
 * a->mu held. */
static void pend_forget_closed(struct web_accept *a, int64_t now)
{
	for (size_t i = 0; i < a->n_pend;) {
		struct pend *p = &a->pend[i];
		struct stat st;

		if (now - p->since <= PENDING_NS || (fstat_foreign(p->fd, &st) == 0 &&
		                                     st.st_dev == p->dev && st.st_ino == p->ino)) {
			i++;
			continue;
		}
		addr_closed(a, &p->key);
		memmove(p, p + 1, (a->n_pend - i - 1) * sizeof(*p));
		a->n_pend--;
	}
}

/* Forgets the pending counts of workers that had some for PENDING_NS without a pause (a worker
 * starts what it is given within milliseconds unless a request keeps it: then the connection
 * is counted again when it starts). With a->mu held. */
static void forget_stale(struct web_accept *a, int64_t now)
{
	for (unsigned w = 0; w < a->workers; w++) {
		if (a->pending[w] && now - a->pending_ns[w] > PENDING_NS) {
			a->all -= a->pending[w];
			a->pending[w] = 0;
		}
	}
	pend_forget_closed(a, now);
}

/*
 * fstat by the system call itself: the descriptor is a libmicrohttpd worker's, which may be
 * closing it right now. The kernel answers either way (that socket, EBADF, or another file
 * under the number); ThreadSanitizer's model of descriptors, which would call the look a race
 * with the close, is left out of it.
 */
static int fstat_foreign(int fd, struct stat *st)
{
	return (int)syscall(SYS_newfstatat, fd, "", st, AT_EMPTY_PATH);
}

/* Counts off the ended connections whose socket libmicrohttpd has closed (their descriptor is
 * free or names another file); the number still open. With a->mu held. */
static size_t count_off_closed(struct web_accept *a)
{
	for (size_t i = 0; i < a->n_ended;) {
		struct ended *e = &a->ended[i];
		struct stat st;

		if (fstat_foreign(e->fd, &st) == 0 && st.st_dev == e->dev && st.st_ino == e->ino) {
			i++;
			continue;
		}
		if (a->held[e->w]) {
			a->held[e->w]--;
			a->all--;
		}
		addr_closed(a, &e->key);
		*e = a->ended[--a->n_ended];
	}
	return a->n_ended;
}

/* The least loaded worker (ties: the next after the last chosen). With a->mu held. */
static unsigned least_loaded(struct web_accept *a)
{
	unsigned best = a->next % a->workers;

	for (unsigned i = 1; i < a->workers; i++) {
		unsigned w = (a->next + i) % a->workers;
		if (a->held[w] + a->pending[w] < a->held[best] + a->pending[best])
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

/* Says why on stderr, at most once a minute for each kind. */
static void warn(struct web_accept *a, int kind, const char *what, int e)
{
	int64_t now = time_mono_ns();

	if (a->warned_ns[kind] && now - a->warned_ns[kind] < WARN_EVERY_NS)
		return;
	a->warned_ns[kind] = now;
	fprintf(stderr, "mamori: warning: %s: %s (trying again)\n", what, strerror(e));
}

static void pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

/* Adds fd (accepted from sa, whose address counts it already) to the least loaded worker; a
 * socket libmicrohttpd refuses here (no memory) it closes itself, never started: counted off
 * at once (test-web-accept). */
static void add_one(struct web_accept *a, int fd, const struct sockaddr_storage *sa, socklen_t len,
                    const struct addr_key *key)
{
	struct stat st;
	unsigned w;

	pthread_mutex_lock(&a->mu);
	w = least_loaded(a);
	pthread_mutex_unlock(&a->mu);
	fd = place(fd, w, a->workers);
	w = (unsigned)fd % a->workers;
	if (fstat(fd, &st) < 0)
		st = (struct stat){ 0 }; /* a socket: cannot fail; a record never forgotten early */
	pthread_mutex_lock(&a->mu);
	if (!a->pending[w]++)
		a->pending_ns[w] = time_mono_ns();
	a->all++;
	ALLOC_GROW(a->pend, a->n_pend, a->alloc_pend);
	a->pend[a->n_pend++] = (struct pend){ fd, st.st_dev, st.st_ino, *key, time_mono_ns() };
	pthread_mutex_unlock(&a->mu);
	if (MHD_add_connection(a->daemon, fd, (const struct sockaddr *)sa, len) != MHD_YES) {
		pthread_mutex_lock(&a->mu);
		if (a->pending[w]) {
			a->pending[w]--;
			a->all--;
		}
		if (pend_drop(a, fd))
			addr_closed(a, key);
		pthread_mutex_unlock(&a->mu);
	}
}

/* fd, accepted from sa: added when its address has room, else left waiting (parked), or closed
 * when too many wait already. */
static void take(struct web_accept *a, int fd, const struct sockaddr_storage *sa, socklen_t len)
{
	struct addr_key key = accept_addr_key((const struct sockaddr *)sa);
	struct addr_count *ac;
	bool add = false;

	pthread_mutex_lock(&a->mu);
	ac = accept_addrs_find(&a->addrs, &key, true);
	if (ac->n < a->per_address && !ac->parked) {
		ac->n++;
		add = true;
	} else if (ac->parked < a->per_address && a->n_parked < PARK_MAX) {
		if (!a->parked)
			a->parked = xcalloc(PARK_MAX, sizeof(*a->parked));
		a->parked[a->n_parked++] = (struct parked){ fd, len, *sa, key, time_mono_ns() };
		ac->parked++;
		fd = -1;
	}
	accept_addrs_forget_idle(&a->addrs, ac);
	pthread_mutex_unlock(&a->mu);
	if (add)
		add_one(a, fd, sa, len, &key);
	else if (fd >= 0)
		close(fd); /* as libmicrohttpd did at its per-address limit */
}

/* The waiting connections whose address has room now are added, oldest first; those that
 * waited park_ns are closed. With the total at its limit, none is added. */
static void unpark_some(struct web_accept *a)
{
	int64_t now = time_mono_ns();

	pthread_mutex_lock(&a->mu);
	for (size_t i = 0; i < a->n_parked && !atomic_load(&a->stopping);) {
		struct parked p = a->parked[i];
		struct addr_count *ac = accept_addrs_find(&a->addrs, &p.key, true);
		/* room first: one whose time just ran out is still served if it can be */
		bool room = ac->n < a->per_address && a->all < a->limit;
		bool expired = !room && now - p.since > a->park_ns;

		if (!room && !expired) {
			i++;
			continue;
		}
		memmove(&a->parked[i], &a->parked[i + 1], (a->n_parked - i - 1) * sizeof(p));
		a->n_parked--;
		ac->parked--;
		if (!expired)
			ac->n++;
		accept_addrs_forget_idle(&a->addrs, ac);
		pthread_mutex_unlock(&a->mu);
		if (expired)
			close(p.fd);
		else
			add_one(a, p.fd, &p.sa, p.len, &p.key);
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
}

/* Accepts what waits, at most ACCEPTS_A_PASS, while below the limit and not stopping. */
static void accept_some(struct web_accept *a)
{
	for (int k = 0; k < ACCEPTS_A_PASS && !atomic_load(&a->stopping); k++) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		bool full;
		int fd;

		pthread_mutex_lock(&a->mu);
		forget_stale(a, time_mono_ns());
		(void)count_off_closed(a);
		full = a->all >= a->limit;
		pthread_mutex_unlock(&a->mu);
		if (full)
			return;
		fd = accept4(a->lfd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return; /* none left */
			/* that connection failed before it was taken: the next */
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			/* no descriptor or memory now (EMFILE, ENFILE, ENOBUFS, ENOMEM): the
			 * connection stays queued; try again in a moment */
			warn(a, 0, "cannot accept a connection", errno);
			pause_ms(100);
			return;
		}
		take(a, fd, &sa, len);
	}
}

/*
 * How long the loop may sleep (poll's timeout). At the limit the listening socket is left
 * alone: clients wait in the backlog (a second's timeout: a pending count that went stale frees
 * its room). A socket being closed is looked at again in a millisecond when someone waits for
 * room; waiting connections at the latest when the oldest one's time is up (an end of a
 * connection of their address wakes the loop: web_accept_closed). With a->mu held.
 */
static int loop_timeout(struct web_accept *a, bool full, size_t closing)
{
	int64_t left;

	if (closing && (full || a->n_parked))
		return 1;
	if (!a->n_parked)
		return full ? 1000 : -1;
	left = (a->parked[0].since + a->park_ns - time_mono_ns()) / 1000000 + 1;
	return (int)(left < 1 ? 1 : left > 1000 ? 1000 : left);
}

/* The connections still waiting when the loop ends are closed unanswered. */
static void close_parked(struct web_accept *a)
{
	pthread_mutex_lock(&a->mu);
	for (size_t i = 0; i < a->n_parked; i++) {
		struct addr_count *ac = accept_addrs_find(&a->addrs, &a->parked[i].key, false);
		close(a->parked[i].fd);
		if (ac && ac->parked) {
			ac->parked--;
			accept_addrs_forget_idle(&a->addrs, ac);
		}
	}
	a->n_parked = 0;
	pthread_mutex_unlock(&a->mu);
}

static void *accept_main(void *arg)
{
	struct web_accept *a = arg;
	struct pollfd p[3] = { { .fd = a->stop, .events = POLLIN },
		               { .fd = a->room, .events = POLLIN },
		               { .fd = a->lfd, .events = POLLIN } };

	while (!atomic_load(&a->stopping)) {
		bool full, parked;
		size_t closing;
		uint64_t n;
		int ms;

		pthread_mutex_lock(&a->mu);
		forget_stale(a, time_mono_ns());
		closing = count_off_closed(a);
		parked = a->n_parked > 0;
		pthread_mutex_unlock(&a->mu);
		if (parked)
			unpark_some(a);
		pthread_mutex_lock(&a->mu);
		full = a->full = a->all >= a->limit;
		ms = loop_timeout(a, full, closing);
		pthread_mutex_unlock(&a->mu);
		p[2].fd = full ? -1 : a->lfd;
		if (poll(p, 3, ms) < 0) {
			if (errno != EINTR) {
				warn(a, 1, "cannot wait for connections", errno);
				pause_ms(100);
			}
			continue;
		}
		if (p[0].revents)
			break;
		if (p[1].revents && read(a->room, &n, sizeof(n)) < 0)
			(void)0; /* nothing to read: another pass saw the room already */
		/* POLLERR or POLLHUP alone: accept says what is wrong (and it is never a spin:
		 * a failing accept pauses) */
		if (p[2].fd >= 0 && p[2].revents)
			accept_some(a);
	}
	close_parked(a);
	return NULL;
}

int web_accept_start(int lfd, struct MHD_Daemon *daemon, unsigned workers, unsigned limit,
                     unsigned per_address, struct web_accept **ret, struct strbuf *err)
{
	struct web_accept *a = xcalloc(1, sizeof(*a));
	int rc;

	a->lfd = lfd;
	a->daemon = daemon;
	a->workers = workers ? workers : 1;
	a->limit = limit ? limit : 1;
	a->per_address = per_address ? per_address : a->limit;
	a->park_ns = PARK_NS;
	accept_addrs_init(&a->addrs);
	a->held = xcalloc(a->workers, sizeof(*a->held));
	a->pending = xcalloc(a->workers, sizeof(*a->pending));
	a->pending_ns = xcalloc(a->workers, sizeof(*a->pending_ns));
	atomic_init(&a->stopping, false);
	pthread_mutex_init(&a->mu, NULL);
	a->stop = eventfd(0, EFD_CLOEXEC);
	a->room = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* published before the thread starts: a worker may end the first connection before
	 * pthread_create returns here */
	*ret = a;
	a->running = true;
	rc = a->stop < 0 || a->room < 0 ? errno : pthread_create(&a->thread, NULL, accept_main, a);
	if (rc != 0) {
		error_set(err, "cannot start the thread that accepts connections: %s",
		          strerror(rc));
		*ret = NULL;
		if (a->stop >= 0)
			close(a->stop);
		if (a->room >= 0)
			close(a->room);
		pthread_mutex_destroy(&a->mu);
		free(a->held);
		free(a->pending);
		free(a->pending_ns);
		free(a);
		return -rc;
	}
	return 0;
}

void web_accept_started(struct web_accept *a, int fd)
{
	unsigned w;

	if (!a || fd < 0)
		return;
	w = (unsigned)fd % a->workers;
	pthread_mutex_lock(&a->mu);
	a->held[w]++;
	if (a->pending[w])
		a->pending[w]--; /* else a stale count forgotten already: all counts it now */
	else
		a->all++;
	(void)pend_drop(a, fd); /* its address counts it until its socket is closed */
	pthread_mutex_unlock(&a->mu);
}

void web_accept_closed(struct web_accept *a, int fd, const struct sockaddr *sa)
{
	struct addr_key key = accept_addr_key(sa);
	struct stat st;
	bool wake = false, open;

	if (!a || fd < 0)
		return;
	/* libmicrohttpd closes the socket after this notification */
	open = fstat(fd, &st) == 0;
	pthread_mutex_lock(&a->mu);
	if (open) {
		if (a->n_ended == a->alloc_ended) {
			a->alloc_ended = a->alloc_ended ? 2 * a->alloc_ended : 16;
			a->ended = xrealloc(a->ended, a->alloc_ended * sizeof(*a->ended));
		}
		a->ended[a->n_ended++] =
		    (struct ended){ fd, (unsigned)fd % a->workers, st.st_dev, st.st_ino, key };
	} else {
		if (a->held[(unsigned)fd % a->workers]) {
			a->held[(unsigned)fd % a->workers]--;
			a->all--;
		}
		addr_closed(a, &key);
	}
	{
		struct addr_count *ac =
		    a->n_parked ? accept_addrs_find(&a->addrs, &key, false) : NULL;
		if (a->full || (ac && ac->parked)) {
			a->full = false;
			wake = true;
		}
	}
	pthread_mutex_unlock(&a->mu);
	if (wake) {
		uint64_t one = 1;
		if (write(a->room, &one, sizeof(one)) < 0)
			(void)0; /* the loop also looks again each second */
	}
}

unsigned web_accept_count(struct web_accept *a, unsigned *ret_busiest)
{
	unsigned all = 0, most = 0;

	if (a) {
		pthread_mutex_lock(&a->mu);
		(void)count_off_closed(a);
		for (unsigned i = 0; i < a->workers; i++) {
			all += a->held[i];
			if (a->held[i] > most)
				most = a->held[i];
		}
		pthread_mutex_unlock(&a->mu);
	}
	if (ret_busiest)
		*ret_busiest = most;
	return all;
}

bool web_accept_waiting(struct web_accept *a)
{
	bool full;

	pthread_mutex_lock(&a->mu);
	full = a->full;
	pthread_mutex_unlock(&a->mu);
	return full;
}

unsigned web_accept_pending(struct web_accept *a)
{
	unsigned n = 0;

	pthread_mutex_lock(&a->mu);
	for (unsigned i = 0; i < a->workers; i++)
		n += a->pending[i];
	pthread_mutex_unlock(&a->mu);
	return n;
}

void web_accept_ask_stop(struct web_accept *a)
{
	uint64_t one = 1;

	if (!a)
		return;
	atomic_store(&a->stopping, true); /* seen before the next accept */
	if (write(a->stop, &one, sizeof(one)) != (ssize_t)sizeof(one))
		(void)0; /* an eventfd write of 1 cannot fail short of an overflow */
}

void web_accept_stop(struct web_accept *a)
{
	if (!a || !a->running)
		return;
	web_accept_ask_stop(a);
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
	close(a->room);
	pthread_mutex_destroy(&a->mu);
	free(a->parked);
	accept_addrs_release(&a->addrs);
	free(a->pend);
	free(a->held);
	free(a->pending);
	free(a->pending_ns);
	free(a->ended);
	free(a);
}

unsigned web_accept_parked(struct web_accept *a)
{
	unsigned n;

	pthread_mutex_lock(&a->mu);
	n = (unsigned)a->n_parked;
	pthread_mutex_unlock(&a->mu);
	return n;
}

void web_accept_set_park_ms(struct web_accept *a, unsigned ms)
{
	pthread_mutex_lock(&a->mu);
	a->park_ns = (int64_t)ms * 1000000;
	pthread_mutex_unlock(&a->mu);
}
