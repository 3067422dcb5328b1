/* scan-hash: the hashing threads, and what is read through a file's descriptor: its SHA-256,
 * extended attributes, ACLs, SELinux label, capabilities and flags. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/scan-internal.h"

struct hasher {
	EVP_MD_CTX *ctx, *copy;
	unsigned char *buf;
	uint64_t mapped;    /* bytes of the file hashed through mappings (hash_mapped) */
	unsigned char *map; /* the chunk mapped now, or NULL */
	size_t map_len;
	struct strbuf names, value, scratch;
};

/*
 * SHA-256 fetched from the provider once: EVP_sha256() in every EVP_DigestInit_ex would look
 * the algorithm up again for each file. Kept for the process's life.
 */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha256_md)
		abort();
}

static const EVP_MD *sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md;
}

void fim_sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n;

	if (!EVP_Digest(data, len, out, &n, sha256(), NULL))
		abort();
}

struct hasher *scan_hasher_new(void)
{
	struct hasher *h = xcalloc(1, sizeof(*h));

	h->ctx = EVP_MD_CTX_new();
	h->copy = EVP_MD_CTX_new();
	h->buf = aligned_alloc(4096, READ_BUF);
	if (!h->ctx || !h->copy || !h->buf)
		abort();
	strbuf_init(&h->names, 0);
	strbuf_init(&h->value, 0);
	strbuf_init(&h->scratch, 0);
	return h;
}

void scan_hasher_free(struct hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_CTX_free(h->copy);
	free(h->buf);
	strbuf_release(&h->names);
	strbuf_release(&h->value);
	strbuf_release(&h->scratch);
	free(h);
}

/* ---- extended attributes, ACLs, SELinux, capabilities, file flags ---- */

static int xattr_class(const char *name)
{
	if (!strcmp(name, "system.posix_acl_access") || !strcmp(name, "system.posix_acl_default"))
		return FIM_ATTR_ACL;
	if (!strcmp(name, "security.selinux"))
		return FIM_ATTR_SELINUX;
	if (!strcmp(name, "security.capability"))
		return FIM_ATTR_CAPS;
	return FIM_ATTR_XATTRS;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One list or get call on a file descriptor, or on a path without following it. */
static ssize_t x_list(int fd, const char *path, char *buf, size_t size)
{
	return fd >= 0 ? flistxattr(fd, buf, size) : llistxattr(path, buf, size);
}

static ssize_t x_get(int fd, const char *path, const char *name, void *buf, size_t size)
{
	return fd >= 0 ? fgetxattr(fd, name, buf, size) : lgetxattr(path, name, buf, size);
}

/*
 * Digests of the extended attributes by class: SHA-256 over each name, a NUL, the value's
 * length (4 bytes big-endian) and the value, names sorted. A class without attributes has
 * no digest. Errors (no support, permission) leave the digests out.
 */
void scan_read_xattrs(struct hasher *h, int fd, const char *path, struct fim_entry *e)
{
	static const unsigned classes[] = { FIM_ATTR_XATTRS, FIM_ATTR_ACL, FIM_ATTR_SELINUX,
		                            FIM_ATTR_CAPS };
	static const uint8_t flags[] = { FIM_HAS_XATTRS, FIM_HAS_ACL, FIM_HAS_SELINUX,
		                         FIM_HAS_CAPS };
	uint8_t *out[] = { e->xattrs, e->acl, e->selinux, e->caps };
	const char *names[1024];
	size_t nr = 0;
	ssize_t n;

	if (!(e->attrs & (FIM_BIT(FIM_ATTR_XATTRS) | FIM_BIT(FIM_ATTR_ACL) |
	                  FIM_BIT(FIM_ATTR_SELINUX) | FIM_BIT(FIM_ATTR_CAPS))))
		return;
	n = x_list(fd, path, NULL, 0);
	if (n <= 0)
		return;
	strbuf_reset(&h->names);
	strbuf_grow(&h->names, (size_t)n + 1);
	n = x_list(fd, path, h->names.buf, (size_t)n);
	if (n <= 0)
		return;
	h->names.buf[n] = '\0';
	for (char *s = h->names.buf; s < h->names.buf + n && nr < ARRAY_SIZE(names);
	     s += strlen(s) + 1)
		if (*s)
			names[nr++] = s;
	qsort(names, nr, sizeof(*names), name_cmp);
	for (size_t k = 0; k < ARRAY_SIZE(classes); k++) {
		bool any = false;
		if (!(e->attrs & FIM_BIT(classes[k])))
			continue;
		EVP_DigestInit_ex(h->copy, sha256(), NULL);
		for (size_t i = 0; i < nr; i++) {
			unsigned char len[4];
			if (xattr_class(names[i]) != (int)classes[k])
				continue;
			ssize_t v = x_get(fd, path, names[i], NULL, 0);
			if (v < 0)
				continue;
			strbuf_reset(&h->value);
			strbuf_grow(&h->value, (size_t)v + 1);
			v = x_get(fd, path, names[i], h->value.buf, (size_t)v);
			if (v < 0)
				continue;
			len[0] = (unsigned char)(v >> 24);
			len[1] = (unsigned char)(v >> 16);
			len[2] = (unsigned char)(v >> 8);
			len[3] = (unsigned char)v;
			EVP_DigestUpdate(h->copy, names[i], strlen(names[i]) + 1);
			EVP_DigestUpdate(h->copy, len, 4);
			EVP_DigestUpdate(h->copy, h->value.buf, (size_t)v);
			any = true;
		}
		unsigned int mdlen;
		EVP_DigestFinal_ex(h->copy, out[k], &mdlen);
		if (any)
			e->digests |= flags[k];
		else
			memset(out[k], 0, 32);
	}
}

/* chattr(1) flags, through the file's own descriptor (regular files and directories only). */
void scan_read_flags(int fd, struct fim_entry *e)
{
	int flags = 0;

	if (!(e->attrs & FIM_BIT(FIM_ATTR_FLAGS)) || fd < 0)
		return;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0)
		e->fflags = (uint32_t)flags;
}

/* ---- hashing ---- */

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec && a->st_ino == b->st_ino &&
	       a->st_dev == b->st_dev;
}

/* ---- reading through a mapping ---- */

bool (*scan_hash_hook)(const char *path, uint64_t hashed, bool mapped);

/*
 * A file truncated while it is mapped raises SIGBUS at the first page past its new end. The
 * thread that hashes a mapping says so here (its own variables: two threads may be hashing),
 * and the handler takes it back to where it started, the file then reported as changed while
 * it was read. A SIGBUS anywhere else goes on to the handler before ours, or kills the process
 * as it would have without ours.
 */
static __thread sigjmp_buf *bus_env;
static __thread const unsigned char *bus_lo, *bus_hi;
static struct sigaction bus_next;
static bool bus_ready;
/* One thread of the process maps a file at a time: a mapped chunk counts in the process's
 * resident memory, and the walk keeps that within its bound (docs/fim.md). */
static atomic_flag map_busy = ATOMIC_FLAG_INIT;
uint64_t scan_map_min = UINT64_MAX;

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	const unsigned char *at = si ? (const unsigned char *)si->si_addr : NULL;
	sigjmp_buf *env = bus_env;

	if (env && si && si->si_code > 0 && at >= bus_lo && at < bus_hi) {
		bus_env = NULL;
		siglongjmp(*env, 1);
	}
	if ((bus_next.sa_flags & SA_SIGINFO) && bus_next.sa_sigaction) {
		bus_next.sa_sigaction(sig, si, uctx);
		return;
	}
	if (bus_next.sa_handler == SIG_IGN && si && si->si_code <= 0)
		return; /* sent, not a fault: ignored as before */
	if (bus_next.sa_handler != SIG_DFL && bus_next.sa_handler != SIG_IGN &&
	    !(bus_next.sa_flags & SA_SIGINFO)) {
		bus_next.sa_handler(sig);
		return;
	}
	/* The default: die of SIGBUS. A fault repeats on return; a sent signal is sent again. */
	(void)signal(SIGBUS, SIG_DFL);
	raise(SIGBUS);
}

/*
 * Ours, unless it is in place already: whoever set another since (a test harness does) keeps
 * getting the signals that are not a mapping's. The lock keeps two scans starting at once
 * from both taking the other's handler for the one before.
 */
void scan_map_prepare(void)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO }, now;

	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&mu);
	if (sigaction(SIGBUS, NULL, &now) == 0 &&
	    (!(now.sa_flags & SA_SIGINFO) || now.sa_sigaction != on_sigbus))
		bus_ready = sigaction(SIGBUS, &sa, &bus_next) == 0;
	pthread_mutex_unlock(&mu);
}

/* Adds n bytes at offset at of the file to the digest, the prefix's digest taken on the way. */
static void hash_bytes(struct hasher *h, struct slot *s, const unsigned char *p, size_t n,
                       uint64_t at)
{
	uint64_t prefix = s->e.prefix_size;
	unsigned int mdlen;
	size_t off = 0;

	if (s->want_prefix && at < prefix && at + n >= prefix) {
		off = (size_t)(prefix - at);
		EVP_DigestUpdate(h->ctx, p, off);
		EVP_MD_CTX_copy_ex(h->copy, h->ctx);
		EVP_DigestFinal_ex(h->copy, s->e.prefix_sha256, &mdlen);
		s->e.has_prefix = true;
	}
	EVP_DigestUpdate(h->ctx, p + off, n - off);
}

/*
 * Hashes the file of slot s from byte h->mapped to size through read-only mappings of
 * MAP_CHUNK bytes (2 MiB: the page cache's large folios are mapped whole, and two threads keep
 * at most that much each mapped), one after the other: no copy out of the page cache. 1 when
 * all was hashed, 0 when the file was cut short under a mapping (SIGBUS), -1 when a chunk
 * could not be mapped (read() goes on from h->mapped). What changes after sigsetjmp lives in
 * h, not in this frame.
 */
static int hash_mapped(struct hasher *h, struct slot *s, uint64_t size)
{
	sigjmp_buf env;

	h->map = NULL;
	if (sigsetjmp(env, 1)) { /* the handler cleared bus_env */
		munmap(h->map, h->map_len);
		h->map = NULL;
		return 0;
	}
	while (h->mapped < size) {
		h->map_len = size - h->mapped < MAP_CHUNK ? (size_t)(size - h->mapped) : MAP_CHUNK;
		void *p = mmap(NULL, h->map_len, PROT_READ, MAP_SHARED, s->fd, (off_t)h->mapped);
		if (p == MAP_FAILED)
			return -1;
		h->map = p;
		madvise(p, h->map_len, MADV_SEQUENTIAL);
		bus_lo = h->map;
		bus_hi = h->map + h->map_len;
		atomic_signal_fence(memory_order_seq_cst);
		bus_env = &env;
		atomic_signal_fence(memory_order_seq_cst);
		hash_bytes(h, s, h->map, h->map_len, h->mapped);
		atomic_signal_fence(memory_order_seq_cst);
		bus_env = NULL;
		atomic_signal_fence(memory_order_seq_cst);
		munmap(h->map, h->map_len);
		h->map = NULL;
		h->mapped += h->map_len;
		if (scan_hash_hook && !scan_hash_hook(s->e.path, h->mapped, true) &&
		    h->mapped < size)
			return -1; /* as if the next chunk could not be mapped */
	}
	return 1;
}

/*
 * Hashes the file of slot s from byte *total on with read() into h->buf; false on a read
 * error (in s->e). read(), not pread(): some files of /proc and /sys cannot seek; a mapping
 * that failed part way (a large regular file) goes on from where it stopped.
 */
static bool hash_read(struct hasher *h, struct slot *s, uint64_t size, uint64_t *total)
{
	if (*total && lseek(s->fd, (off_t)*total, SEEK_SET) < 0) {
		s->e.problem = FIM_UNREADABLE;
		s->e.err = errno;
		return false;
	}
	while (*total < size || size == 0) {
		size_t want = size && size - *total < READ_BUF ? (size_t)(size - *total) : READ_BUF;
		ssize_t n = read(s->fd, h->buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			s->e.problem = FIM_UNREADABLE;
			s->e.err = errno;
			return false;
		}
		if (n == 0)
			break; /* shorter than its fstat said: told by the caller */
		hash_bytes(h, s, h->buf, (size_t)n, *total);
		*total += (uint64_t)n;
		if (scan_hash_hook)
			(void)scan_hash_hook(s->e.path, *total, false);
		if (size == 0)
			break; /* an "empty" file with content: unstable */
	}
	return true;
}

/*
 * Hashes the open file of slot s and reads what needs its descriptor; the caller closes it.
 * The file is read once, up to the size its fstat gave when it was opened (an empty file gets
 * one read, to see that it is empty: procfs files say 0); from scan_map_min bytes on (never
 * by default) through a mapping. pre, when not NULL, is what the ring read from offset 0
 * (scan-ring.c): n bytes, or -errno; -EAGAIN (not in the page cache) is read again here. The fstat
 * after must agree with the one before, and the bytes read must be its size: else the file changed
 * while it was read.
 */
static void hash_slot(struct hasher *h, struct slot *s, const struct scan_preread *pre,
                      uint64_t *bytes)
{
	struct fim_entry *e = &s->e;
	uint64_t total = 0, size = (uint64_t)s->st.st_size;
	struct stat after;
	unsigned int mdlen;
	bool ok = true, cut = false;

	if (e->attrs & FIM_BIT(FIM_ATTR_SHA256)) {
		int m = -1;
		EVP_DigestInit_ex(h->ctx, sha256(), NULL);
		h->mapped = 0;
		if (pre && pre->n >= 0) {
			hash_bytes(h, s, pre->buf, (size_t)pre->n, 0);
			total = (uint64_t)pre->n; /* read() goes on from there if short */
			if (scan_hash_hook)
				(void)scan_hash_hook(s->e.path, total, false);
		} else if (pre && pre->n != -EAGAIN) {
			e->problem = FIM_UNREADABLE;
			e->err = (int)-pre->n;
			ok = false;
		} else if (size >= scan_map_min && bus_ready &&
		           !atomic_flag_test_and_set(&map_busy)) {
			m = hash_mapped(h, s, size);
			atomic_flag_clear(&map_busy);
			total = h->mapped;
		}
		if (ok && m < 0 && (!pre || total < size || size == 0)) {
			if (size >= FADVISE_MIN)
				posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
			ok = hash_read(h, s, size, &total);
		}
		cut = m == 0; /* its digest is of nothing the file holds: not taken */
		if (ok && !cut) {
			EVP_DigestFinal_ex(h->ctx, e->sha256, &mdlen);
			e->digests |= FIM_HAS_SHA256;
			if (s->want_prefix && e->prefix_size == 0) {
				fim_sha256("", 0, e->prefix_sha256);
				e->has_prefix = true;
			}
		}
		*bytes += total;
	}
	scan_read_xattrs(h, s->fd, NULL, e);
	scan_read_flags(s->fd, e);
	if (ok && (cut || fstat(s->fd, &after) < 0 || !same_file(&s->st, &after) ||
	           ((e->attrs & FIM_BIT(FIM_ATTR_SHA256)) && total != (uint64_t)after.st_size))) {
		e->problem = FIM_UNSTABLE;
		e->digests &= (uint8_t)~FIM_HAS_SHA256;
		e->has_prefix = false;
	}
}

void scan_hash_slot(struct hasher *h, struct slot *s, uint64_t *bytes)
{
	hash_slot(h, s, NULL, bytes);
	close(s->fd);
	s->fd = -1;
}

void scan_hash_preread(struct hasher *h, struct slot *s, const struct scan_preread *pre,
                       uint64_t *bytes)
{
	hash_slot(h, s, pre, bytes);
}

/* Before a hashing thread sleeps, the closes it queued go, without the lock (held on entry and
 * on return): whether it let the lock go, and the caller must look at the queue again. */
static bool flush_unlocked(struct scan *sc, struct uring *u)
{
	if (!u || !scan_uring_queued(u))
		return false;
	pthread_mutex_unlock(&sc->mu);
	scan_uring_flush(u);
	pthread_mutex_lock(&sc->mu);
	return true;
}

void *scan_worker(void *arg)
{
	struct scan *sc = arg;
	struct hasher *h = scan_hasher_new();
	struct uring *u = scan_uring_new(true);
	uint64_t bytes = 0, hashed = 0, ringed = 0;

	pthread_mutex_lock(&sc->mu);
	for (;;) {
		struct slot *v[URING_BATCH];
		size_t n = 0, used = 0;

		while (sc->job_head == sc->job_tail && !sc->stop) {
			if (flush_unlocked(sc, u))
				continue; /* the lock was let go: look again */
			sc->idle++;
			pthread_cond_wait(&sc->work_cv, &sc->mu);
			sc->idle--;
		}
		if (sc->job_head == sc->job_tail && sc->stop)
			break;
		/* small files next in line go together through the ring; else one file */
		while (u && n < URING_BATCH && sc->job_head != sc->job_tail) {
			struct slot *s = &sc->ring[sc->jobs[sc->job_head % RING]];
			if (!scan_uring_fits(s, used))
				break;
			v[n++] = s;
			used += (size_t)s->st.st_size;
			sc->job_head++;
		}
		if (!n)
			v[n++] = &sc->ring[sc->jobs[sc->job_head++ % RING]];
		pthread_mutex_unlock(&sc->mu);
		if (u && scan_uring_fits(v[0], 0)) {
			scan_uring_hash(u, h, v, n, &bytes);
			ringed += n;
		} else {
			scan_hash_slot(h, v[0], &bytes);
		}
		hashed += n;
		pthread_mutex_lock(&sc->mu);
		for (size_t i = 0; i < n; i++) {
			v[i]->state = SLOT_DONE;
			/* the walker waits for the head only */
			if (sc->waiting && v[i] == &sc->ring[sc->head % RING])
				pthread_cond_signal(&sc->done_cv);
		}
	}
	sc->st.bytes += bytes;
	sc->st.hashed += hashed;
	sc->st.ring += ringed;
	pthread_mutex_unlock(&sc->mu);
	scan_uring_free(u);
	scan_hasher_free(h);
	return NULL;
}
