/* scan-ring: a hashing thread's io_uring for small files (scan-internal.h): a batch of them read
 * by one system call and closed by the next, where each cost a read and a close (the system
 * calls were a third of fim init's kernel time on a paravirtualised machine). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/scan-internal.h"

/*
 * On unless a test turns the rings off. What used to interrupt a caller (EINTR) was a ring made
 * and closed by a thread that goes on: the kernel puts the thread that creates a ring
 * (io_uring_setup), or submits to it, on the ring's list of tasks, and when the ring is closed
 * its teardown (io_ring_exit_work, in a kernel worker some milliseconds later, once the ring's
 * references are gone) queues task work with TWA_SIGNAL to each of them: that thread's wait of
 * the moment ends as a signal would end it, and a call that is not restarted (a socket read
 * with SO_RCVTIMEO: the agent's TLS) fails with EINTR. So a ring is closed only by a thread
 * that ends: a hashing thread's as the thread ends, the walker's when its thread ends, even a
 * ring whose operations the kernel refused (ftrace: the caller woken by io_ring_exit_work ->
 * task_work_add, its read = -EINTR 39 us later; docs/fim.md).
 */
bool scan_uring_off = false;

#if __has_include(<liburing.h>)
#include <liburing.h>

/* A file this size or smaller may be read through the ring: one read, from the page cache. */
#define URING_SMALL (32u << 10)
/* The submission queue: a batch's reads beside the previous batch's closes. */
#define URING_DEPTH (4 * URING_BATCH)

struct uring {
	struct io_uring ring;
	unsigned char *buf; /* URING_BUF bytes: a batch's files side by side */
	int closing[URING_DEPTH];
	unsigned queued;   /* closes prepared (their descriptors in closing), not submitted */
	unsigned inflight; /* closes submitted whose completions are not reaped */
	bool broken;       /* the kernel refused the ring: read() and close() from now on */
};

static int ring_init(struct io_uring *ring)
{
	/* One thread submits and reaps: the cheapest the kernel offers (6.1), else plainer. */
	static const unsigned flags[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	int r = -ENOSYS;

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		r = io_uring_queue_init(URING_DEPTH, ring, flags[i]);
		if (r != -EINVAL)
			break;
	}
	return r;
}

/* A ring the kernel made but whose operations it refuses is closed (NULL), unless keep: then
 * it is returned broken, to be closed when its thread ends. */
static struct uring *ring_make(bool buffer, bool keep)
{
	struct io_uring_probe *p;
	struct uring *u;
	bool ok;

	u = xcalloc(1, sizeof(*u));
	if (ring_init(&u->ring) < 0) { /* ENOSYS, EPERM (seccomp, io_uring_disabled), ENOMEM */
		free(u);
		return NULL;
	}
	p = io_uring_get_probe_ring(&u->ring);
	ok = p && io_uring_opcode_supported(p, IORING_OP_READ) &&
	     io_uring_opcode_supported(p, IORING_OP_CLOSE) &&
	     io_uring_opcode_supported(p, IORING_OP_OPENAT);
	if (p)
		io_uring_free_probe(p);
	if (ok && buffer) {
		u->buf = aligned_alloc(4096, URING_BUF);
		ok = u->buf != NULL;
	}
	if (!ok && keep) {
		u->broken = true;
		return u;
	}
	if (!ok) {
		io_uring_queue_exit(&u->ring);
		free(u);
		return NULL;
	}
	return u;
}

struct uring *scan_uring_new(bool buffer)
{
	if (scan_uring_off)
		return NULL;
	return ring_make(buffer, false);
}

/*
 * The walker's ring is its thread's until the thread ends (a pthread key's destructor), across
 * walks: closing it at the end of a walk had the kernel interrupt the caller's next wait (the
 * agent's TLS handshake after a check, t0660). The key holds a place before the ring is made,
 * so that no ring is made that its thread could not keep; a thread the kernel gave no ring
 * (walker_none) does not ask again.
 */
static pthread_key_t walker_key;
static pthread_once_t walker_once = PTHREAD_ONCE_INIT;
static bool walker_keyed;
static _Thread_local struct uring *walker;
static struct uring walker_none;

static void walker_end(void *u)
{
	walker = NULL;
	if (u != &walker_none)
		scan_uring_free(u);
}

static void walker_key_make(void)
{
	walker_keyed = pthread_key_create(&walker_key, walker_end) == 0;
}

struct uring *scan_uring_walker(void)
{
	if (scan_uring_off)
		return NULL;
	if (!walker) {
		pthread_once(&walker_once, walker_key_make);
		if (!walker_keyed || pthread_setspecific(walker_key, &walker_none) != 0)
			return NULL;
		walker = ring_make(false, true);
		if (!walker)
			walker = &walker_none;
		/* the key's place exists now: setting it again allocates nothing */
		(void)pthread_setspecific(walker_key, walker);
	}
	return walker == &walker_none || walker->broken ? NULL : walker;
}

bool scan_uring_fits(const struct slot *s, size_t used)
{
	uint64_t size = (uint64_t)s->st.st_size;

	return (s->e.attrs & FIM_BIT(FIM_ATTR_SHA256)) && !s->want_prefix && size > 0 &&
	       size <= URING_SMALL && used + size <= URING_BUF;
}

/* Takes what completed: a read's result into res (user data: 1 + its index), closes counted. */
static void reap(struct uring *u, ssize_t *res, unsigned *reads)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;

	io_uring_for_each_cqe(&u->ring, head, cqe)
	{
		uint64_t k = io_uring_cqe_get_data64(cqe);
		if (k && res) {
			res[k - 1] = cqe->res;
			(*reads)++;
		} else if (!k && u->inflight) {
			u->inflight--;
		}
		seen++;
	}
	io_uring_cq_advance(&u->ring, seen);
}

/* Submits what is prepared, waiting for want completions; false when the kernel refused. */
static bool submit(struct uring *u, unsigned want)
{
	int r;

	do
		r = want ? io_uring_submit_and_wait(&u->ring, want) : io_uring_submit(&u->ring);
	while (r == -EINTR || r == -EAGAIN);
	if (r < 0) { /* nothing was taken: the queued closes are done here */
		u->broken = true;
		for (unsigned i = 0; i < u->queued; i++)
			close(u->closing[i]);
		u->queued = 0;
		return false;
	}
	u->inflight += u->queued;
	u->queued = 0;
	return true;
}

/* fd closed with the next submission (or now, when the ring cannot take it). */
static void close_later(struct uring *u, int fd)
{
	struct io_uring_sqe *sqe = u->broken ? NULL : io_uring_get_sqe(&u->ring);

	if (!sqe) {
		close(fd);
		return;
	}
	io_uring_prep_close(sqe, fd);
	io_uring_sqe_set_data64(sqe, 0);
	u->closing[u->queued++] = fd;
}

void scan_uring_hash(struct uring *u, struct hasher *h, struct slot **v, size_t n, uint64_t *bytes)
{
	ssize_t res[URING_BATCH];
	size_t off[URING_BATCH], at = 0;
	unsigned reads = 0, done = 0;

	if (n > URING_BATCH)
		n = URING_BATCH;
	for (size_t i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = u->broken ? NULL : io_uring_get_sqe(&u->ring);
		size_t size = (size_t)v[i]->st.st_size;

		res[i] = -EAGAIN; /* not read here: read() */
		off[i] = at;
		if (!sqe || at + size > URING_BUF)
			continue;
		io_uring_prep_read(sqe, v[i]->fd, u->buf + at, (unsigned)size, 0);
		io_uring_sqe_set_data64(sqe, i + 1);
		at += size;
		reads++;
	}
	/* the closes queued by the last batch go with these reads */
	if (reads && submit(u, reads)) {
		reap(u, res, &done);
		while (done < reads && !u->broken) {
			struct io_uring_cqe *cqe;
			int r = io_uring_wait_cqe(&u->ring, &cqe);
			if (r < 0 && r != -EINTR)
				u->broken = true;
			else
				reap(u, res, &done);
		}
	}
	for (size_t i = 0; i < n; i++) {
		/* a ring broken with reads in flight: its buffer is left to the kernel */
		struct scan_preread pre = { u->buf + off[i], u->broken ? -EAGAIN : res[i] };
		scan_hash_preread(h, v[i], &pre, bytes);
		close_later(u, v[i]->fd);
		v[i]->fd = -1;
	}
}

bool scan_uring_open(struct uring *u, int dirfd, const char *const *names, size_t n, int flags,
                     int *ret)
{
	ssize_t res[URING_OPENS];
	unsigned done = 0;

	if (u->broken || n > URING_OPENS || io_uring_sq_space_left(&u->ring) < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
		/* cannot happen (the space was checked above); if it did, the ring is left
		 * unused from now on, so what was prepared is never submitted: open() instead */
		if (!sqe) {
			u->broken = true;
			return false;
		}
		io_uring_prep_openat(sqe, dirfd, names[i], flags, 0);
		io_uring_sqe_set_data64(sqe, i + 1);
		res[i] = -EAGAIN;
	}
	if (!submit(u, (unsigned)n))
		return false;
	reap(u, res, &done);
	while (done < n && !u->broken) {
		struct io_uring_cqe *cqe;
		int r = io_uring_wait_cqe(&u->ring, &cqe);
		if (r < 0 && r != -EINTR)
			u->broken = true; /* what it opens later is lost: the walk opens itself */
		else
			reap(u, res, &done);
	}
	for (size_t i = 0; i < n; i++) {
		if (u->broken && res[i] >= 0)
			close((int)res[i]);
		ret[i] = u->broken ? -EAGAIN : (int)res[i];
	}
	return !u->broken;
}

bool scan_uring_queued(const struct uring *u)
{
	return u->queued > 0;
}

void scan_uring_flush(struct uring *u)
{
	if (u->queued)
		submit(u, 0);
	reap(u, NULL, NULL);
}

void scan_uring_free(struct uring *u)
{
	if (!u)
		return;
	scan_uring_flush(u);
	while (u->inflight && !u->broken) {
		struct io_uring_cqe *cqe;
		int r = io_uring_wait_cqe(&u->ring, &cqe);
		if (r < 0 && r != -EINTR)
			break;
		reap(u, NULL, NULL);
	}
	io_uring_queue_exit(&u->ring);
	if (!u->broken)
		free(u->buf);
	free(u);
}

#else /* without liburing: read() and close() */

struct uring {
	int unused;
};

struct uring *scan_uring_new(bool buffer)
{
	return NULL;
}

struct uring *scan_uring_walker(void)
{
	return NULL;
}

bool scan_uring_open(struct uring *u, int dirfd, const char *const *names, size_t n, int flags,
                     int *ret)
{
	return false;
}

void scan_uring_free(struct uring *u)
{
	free(u);
}

bool scan_uring_fits(const struct slot *s, size_t used)
{
	return false;
}

void scan_uring_hash(struct uring *u, struct hasher *h, struct slot **v, size_t n, uint64_t *bytes)
{
	for (size_t i = 0; i < n; i++)
		scan_hash_slot(h, v[i], bytes);
}

bool scan_uring_queued(const struct uring *u)
{
	return false;
}

void scan_uring_flush(struct uring *u)
{
}

#endif
