/* scan: the openat walk of hostile trees and the hashing threads, delivering entries in order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/scan.h"

/* Entries in flight between the walk and the callback; open files wait here for a hasher. */
#define RING     256
#define READ_BUF (64u << 10)
/* From this size on, the kernel is told the file is read sequentially (larger read-ahead). */
#define FADVISE_MIN (1u << 20)
/* Files up to this size are hashed by the walking thread itself. */
#define INLINE_MAX (32u << 10)
/* The walker's buffer for a directory's entries (getdents64). */
#define DENTS_BUF (32u << 10)
/* Attributes read through the object's own descriptor. */
#define NEEDS_FD                                                                                   \
	(FIM_BIT(FIM_ATTR_FLAGS) | FIM_BIT(FIM_ATTR_XATTRS) | FIM_BIT(FIM_ATTR_ACL) |              \
	 FIM_BIT(FIM_ATTR_SELINUX) | FIM_BIT(FIM_ATTR_CAPS))

enum slot_state { SLOT_FREE = 0, SLOT_PENDING, SLOT_DONE };

struct slot {
	enum slot_state state;
	int fd;           /* a regular file waiting to be hashed, or -1 */
	struct stat st;   /* its fstat when opened */
	bool want_prefix; /* growing: hash the first prefix_size bytes separately too */
	struct fim_entry e;
	struct strbuf path, link;
};

struct scan {
	const struct fim_config *c;
	const struct fim_scan_opts *o;
	struct fim_matcher *m;
	fim_entry_fn fn;
	void *arg;
	struct fim_scan_stats st;
	int ret; /* the callback's error, which stops the walk */
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	struct slot ring[RING];
	size_t head, tail; /* slots [head, tail) are in use (mod RING) */
	size_t jobs[RING];
	size_t job_head, job_tail; /* hashing jobs, FIFO */
	bool stop;
	int nthreads;
	pthread_t threads[64];

	/* the walker's own hasher when nthreads == 0 */
	struct hasher *self;
	struct strbuf path; /* the directory being walked */
	char *dents;        /* DENTS_BUF bytes for list_dir */
};

struct hasher {
	EVP_MD_CTX *ctx, *copy;
	unsigned char *buf;
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

static struct hasher *hasher_new(void)
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

static void hasher_free(struct hasher *h)
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
static void read_xattrs(struct hasher *h, int fd, const char *path, struct fim_entry *e)
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
static void read_flags(int fd, struct fim_entry *e)
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

/*
 * Hashes the open file of slot s and reads what needs its descriptor, then closes it. The
 * file is read once, up to the size its fstat gave when it was opened (an empty file gets one
 * read, to see that it is empty: procfs files say 0). The fstat after must agree with the
 * one before, and the bytes read must be its size: else the file changed while it was read.
 */
static void hash_slot(struct hasher *h, struct slot *s, uint64_t *bytes)
{
	struct fim_entry *e = &s->e;
	uint64_t total = 0, prefix = e->prefix_size, size = (uint64_t)s->st.st_size;
	struct stat after;
	unsigned int mdlen;
	bool ok = true;

	if (e->attrs & FIM_BIT(FIM_ATTR_SHA256)) {
		if (size >= FADVISE_MIN)
			posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		EVP_DigestInit_ex(h->ctx, sha256(), NULL);
		while (total < size || size == 0) {
			size_t want =
			    size && size - total < READ_BUF ? (size_t)(size - total) : READ_BUF;
			ssize_t n = read(s->fd, h->buf, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				e->problem = FIM_UNREADABLE;
				e->err = errno;
				ok = false;
				break;
			}
			if (n == 0)
				break; /* shorter than its fstat said: told below */
			size_t off = 0;
			if (s->want_prefix && total < prefix && total + (uint64_t)n >= prefix) {
				off = (size_t)(prefix - total);
				EVP_DigestUpdate(h->ctx, h->buf, off);
				EVP_MD_CTX_copy_ex(h->copy, h->ctx);
				EVP_DigestFinal_ex(h->copy, e->prefix_sha256, &mdlen);
				e->has_prefix = true;
			}
			EVP_DigestUpdate(h->ctx, h->buf + off, (size_t)n - off);
			total += (uint64_t)n;
			if (size == 0)
				break; /* an "empty" file with content: unstable below */
		}
		if (ok) {
			EVP_DigestFinal_ex(h->ctx, e->sha256, &mdlen);
			e->digests |= FIM_HAS_SHA256;
			if (s->want_prefix && prefix == 0) {
				fim_sha256("", 0, e->prefix_sha256);
				e->has_prefix = true;
			}
		}
		*bytes += total;
	}
	read_xattrs(h, s->fd, NULL, e);
	read_flags(s->fd, e);
	if (ok && (fstat(s->fd, &after) < 0 || !same_file(&s->st, &after) ||
	           ((e->attrs & FIM_BIT(FIM_ATTR_SHA256)) && total != (uint64_t)after.st_size))) {
		e->problem = FIM_UNSTABLE;
		e->digests &= (uint8_t)~FIM_HAS_SHA256;
		e->has_prefix = false;
	}
	close(s->fd);
	s->fd = -1;
}

static void *worker(void *arg)
{
	struct scan *sc = arg;
	struct hasher *h = hasher_new();
	uint64_t bytes = 0, hashed = 0;

	pthread_mutex_lock(&sc->mu);
	for (;;) {
		while (sc->job_head == sc->job_tail && !sc->stop)
			pthread_cond_wait(&sc->work_cv, &sc->mu);
		if (sc->job_head == sc->job_tail && sc->stop)
			break;
		struct slot *s = &sc->ring[sc->jobs[sc->job_head % RING]];
		sc->job_head++;
		pthread_mutex_unlock(&sc->mu);
		hash_slot(h, s, &bytes);
		hashed++;
		pthread_mutex_lock(&sc->mu);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&sc->done_cv);
	}
	sc->st.bytes += bytes;
	sc->st.hashed += hashed;
	pthread_mutex_unlock(&sc->mu);
	hasher_free(h);
	return NULL;
}

/* ---- the ordered ring ---- */

enum drain { DRAIN_READY, DRAIN_ONE, DRAIN_ALL };

/*
 * Delivers finished entries at the head, in order: those ready (DRAIN_READY), waiting for
 * at least one (DRAIN_ONE: the ring is full) or for all (DRAIN_ALL: the walk is over).
 * Called with the lock held.
 */
static void drain(struct scan *sc, enum drain mode)
{
	while (sc->head != sc->tail) {
		struct slot *s = &sc->ring[sc->head % RING];
		if (s->state != SLOT_DONE) {
			if (mode == DRAIN_READY)
				return;
			pthread_cond_wait(&sc->done_cv, &sc->mu);
			continue;
		}
		pthread_mutex_unlock(&sc->mu);
		if (sc->ret == 0) {
			sc->st.entries++;
			if (s->e.problem)
				sc->st.problems++;
			int r = sc->fn(sc->arg, &s->e);
			if (r < 0)
				sc->ret = r;
		}
		pthread_mutex_lock(&sc->mu);
		s->state = SLOT_FREE;
		sc->head++;
		if (mode == DRAIN_ONE)
			mode = DRAIN_READY; /* a slot is free now */
	}
}

/* A free slot at the tail, waiting for the head to finish when the ring is full. */
static struct slot *slot_get(struct scan *sc)
{
	struct slot *s;

	pthread_mutex_lock(&sc->mu);
	drain(sc, sc->tail - sc->head == RING ? DRAIN_ONE : DRAIN_READY);
	pthread_mutex_unlock(&sc->mu);
	s = &sc->ring[sc->tail % RING];
	memset(&s->e, 0, sizeof(s->e));
	s->fd = -1;
	s->want_prefix = false;
	strbuf_reset(&s->path);
	strbuf_reset(&s->link);
	return s;
}

static void slot_put(struct scan *sc, struct slot *s)
{
	s->e.path = s->path.buf;
	s->e.path_len = s->path.len;
	s->e.link = s->link.len ? s->link.buf : NULL;
	s->e.link_len = s->link.len;
	/* Small files are hashed here: handing them to a thread would cost more than hashing. */
	if (s->fd >= 0 && (sc->nthreads == 0 || (uint64_t)s->st.st_size <= INLINE_MAX)) {
		hash_slot(sc->self, s, &sc->st.bytes);
		sc->st.hashed++;
	}
	pthread_mutex_lock(&sc->mu);
	if (s->fd >= 0) {
		s->state = SLOT_PENDING;
		sc->jobs[sc->job_tail % RING] = (size_t)(s - sc->ring);
		sc->job_tail++;
		pthread_cond_signal(&sc->work_cv);
	} else {
		s->state = SLOT_DONE;
	}
	sc->tail++;
	drain(sc, DRAIN_READY);
	pthread_mutex_unlock(&sc->mu);
}

/* ---- the walk ---- */

static void problem(struct scan *sc, const char *path, size_t len, enum fim_problem what, int err)
{
	sc->st.problems++;
	if (sc->o->problem)
		sc->o->problem(sc->o->arg, path, len > FIM_PATH_MAX ? FIM_PATH_MAX : len, what,
		               err);
}

static void fill_stat(struct fim_entry *e, const struct stat *st)
{
	e->type = (uint8_t)fim_type_of_mode(st->st_mode);
	e->mode = (uint32_t)(st->st_mode & 07777);
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->size = (uint64_t)st->st_size;
	e->blocks = (uint64_t)st->st_blocks;
	e->ino = st->st_ino;
	e->nlink = st->st_nlink;
	e->rdev = (e->type == FIM_TYPE_CHR || e->type == FIM_TYPE_BLK) ? st->st_rdev : 0;
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	e->atime_ns = (int64_t)st->st_atim.tv_sec * 1000000000 + st->st_atim.tv_nsec;
	e->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

/* openat without following links; O_NOATIME when the file's owner allows it. */
static int open_nofollow(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

/* A directory's names: back to back in one buffer, and their order. */
struct name {
	const char *name;
	unsigned char d_type;
};

struct dir_names {
	struct strbuf text; /* the names, each ending in NUL */
	struct name *v;
	size_t nr, alloc;
};

static int names_cmp(const void *a, const void *b)
{
	return strcmp(((const struct name *)a)->name, ((const struct name *)b)->name);
}

/*
 * Reads the names (not . and ..) of the directory open at dirfd, which has just been opened
 * (its offset is 0), sorted bytewise: getdents64 on the descriptor itself, not a DIR stream
 * (which would dup, fcntl, rewind and close it), names kept in one buffer. buf (DENTS_BUF
 * bytes) is the walker's. 0 or -errno: the names read before an error are kept.
 */
static int list_dir(int dirfd, char *buf, struct dir_names *ret)
{
	ssize_t n;
	int e = 0;

	strbuf_init(&ret->text, 0);
	ret->v = NULL;
	ret->nr = ret->alloc = 0;
	while ((n = getdents64(dirfd, buf, DENTS_BUF)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);
			const char *nm = de->d_name;
			off += de->d_reclen;
			if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			ALLOC_GROW(ret->v, ret->nr, ret->alloc);
			/* offsets while the buffer grows; pointers below */
			ret->v[ret->nr].name = (const char *)(uintptr_t)ret->text.len;
			ret->v[ret->nr].d_type = de->d_type;
			ret->nr++;
			strbuf_add(&ret->text, nm, strlen(nm) + 1);
		}
	}
	for (size_t i = 0; i < ret->nr; i++)
		ret->v[i].name = ret->text.buf + (uintptr_t)ret->v[i].name;
	if (ret->nr)
		qsort(ret->v, ret->nr, sizeof(*ret->v), names_cmp);
	return -e;
}

static unsigned type_of_dtype(unsigned char t)
{
	switch (t) {
	case DT_REG:
		return FIM_TYPE_FILE;
	case DT_DIR:
		return FIM_TYPE_DIR;
	case DT_LNK:
		return FIM_TYPE_LINK;
	case DT_CHR:
		return FIM_TYPE_CHR;
	case DT_BLK:
		return FIM_TYPE_BLK;
	case DT_FIFO:
		return FIM_TYPE_FIFO;
	case DT_SOCK:
		return FIM_TYPE_SOCK;
	default:
		return FIM_TYPE_NONE;
	}
}

static void walk_dir(struct scan *sc, int dirfd, int depth);

/* A directory's own entry goes before what it holds; dfd (or -1) is its open descriptor. */
static void visit(struct scan *sc, int dirfd, const char *name, unsigned char d_type, int depth)
{
	struct strbuf *path = &sc->path;
	const struct fim_rule *rule = NULL;
	size_t base = path->len;
	unsigned type = type_of_dtype(d_type);
	bool stated = false, descend = false;
	struct stat st;
	int dfd = -1, derr = 0, fd = -1;

	if (path->len + 1 + strlen(name) > FIM_PATH_MAX) {
		strbuf_addf(path, "/%s", name);
		problem(sc, path->buf, path->len, FIM_TOO_DEEP, ENAMETOOLONG);
		strbuf_setlen(path, base);
		return;
	}
	strbuf_addf(path, "/%s", name);
	if (type == FIM_TYPE_NONE) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto stat_failed;
		stated = true;
		type = fim_type_of_mode(st.st_mode);
	}
	rule = fim_config_select(sc->c, sc->m, path->buf, path->len, type);
	if (type == FIM_TYPE_DIR)
		descend = fim_config_descend(sc->c, sc->m, path->buf, path->len);
	if (!rule && !descend)
		goto out;
	if (!stated && type == FIM_TYPE_FILE && rule &&
	    (rule->attrs & (FIM_BIT(FIM_ATTR_SHA256) | NEEDS_FD))) {
		/* A file to be read: its descriptor's fstat is its lstat (one look, not two). */
		fd = open_nofollow(dirfd, name, O_RDONLY | O_NONBLOCK);
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			stated = true;
		} else if (fd >= 0) {
			close(fd);
			fd = -1;
		}
	}
	if (!stated && type == FIM_TYPE_DIR && (descend || (rule && (rule->attrs & NEEDS_FD)))) {
		/* A directory to be entered or read: its descriptor's fstat is its lstat too. */
		dfd = open_nofollow(dirfd, name, O_RDONLY | O_DIRECTORY);
		derr = dfd < 0 ? errno : 0;
		if (dfd >= 0 && fstat(dfd, &st) == 0) {
			stated = true;
		} else if (dfd >= 0) {
			derr = errno;
			close(dfd);
			dfd = -1;
		}
	}
	if (!stated) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto stat_failed;
		if (fim_type_of_mode(st.st_mode) != type) { /* replaced since it was listed */
			type = fim_type_of_mode(st.st_mode);
			rule = fim_config_select(sc->c, sc->m, path->buf, path->len, type);
			descend = type == FIM_TYPE_DIR &&
			          fim_config_descend(sc->c, sc->m, path->buf, path->len);
			if (!rule && !descend)
				goto out;
		}
	}
	if (type == FIM_TYPE_DIR && dfd < 0 && !derr &&
	    (descend || (rule && (rule->attrs & NEEDS_FD)))) {
		/* listed as something else, a directory now: open it and make sure it is the one
		 * looked at */
		struct stat dst;
		dfd = open_nofollow(dirfd, name, O_RDONLY | O_DIRECTORY);
		derr = dfd < 0 ? errno : 0;
		if (dfd >= 0 &&
		    (fstat(dfd, &dst) < 0 || dst.st_ino != st.st_ino || dst.st_dev != st.st_dev)) {
			close(dfd);
			dfd = -1;
			derr = ESTALE;
		}
	}
	if (rule) {
		struct slot *s = slot_get(sc);
		struct fim_entry *e = &s->e;
		strbuf_add(&s->path, path->buf, path->len);
		fill_stat(e, &st);
		e->attrs = rule->attrs;
		if (type == FIM_TYPE_DIR && dfd < 0 && (descend || (e->attrs & NEEDS_FD))) {
			e->problem = derr == ESTALE ? FIM_REPLACED : FIM_NO_ENTER;
			e->err = derr;
		} else if (type == FIM_TYPE_DIR && depth + 1 > FIM_DEPTH_MAX && descend) {
			e->problem = FIM_TOO_DEEP;
		}
		if (type == FIM_TYPE_LINK && (e->attrs & FIM_BIT(FIM_ATTR_LINK))) {
			strbuf_grow(&s->link, FIM_LINK_MAX + 1);
			ssize_t n = readlinkat(dirfd, name, s->link.buf, FIM_LINK_MAX + 1);
			if (n < 0 || n > FIM_LINK_MAX) {
				e->problem = FIM_UNREADABLE;
				e->err = n < 0 ? errno : ENAMETOOLONG;
			} else {
				strbuf_setlen(&s->link, (size_t)n);
			}
		}
		if (type == FIM_TYPE_FILE && (e->attrs & (FIM_BIT(FIM_ATTR_SHA256) | NEEDS_FD))) {
			if (fd >= 0) {
				s->st = st; /* opened above: st is its fstat */
			} else {
				/* O_NONBLOCK: swapped for a FIFO, opening would not hang. */
				fd = open_nofollow(dirfd, name, O_RDONLY | O_NONBLOCK);
				if (fd < 0) {
					e->problem = errno == ELOOP ? FIM_REPLACED : FIM_UNREADABLE;
					e->err = errno;
				} else if (fstat(fd, &s->st) < 0 || !S_ISREG(s->st.st_mode) ||
				           s->st.st_ino != st.st_ino || s->st.st_dev != st.st_dev) {
					e->problem = FIM_REPLACED;
					close(fd);
					fd = -1;
				}
			}
			if (fd >= 0) {
				fill_stat(e, &s->st);
				s->fd = fd;
				fd = -1;
				if ((e->attrs & FIM_BIT(FIM_ATTR_GROWING)) && sc->o->prefix &&
				    sc->o->prefix(sc->o->arg, path->buf, path->len,
				                  &e->prefix_size) > 0 &&
				    e->prefix_size <= e->size)
					s->want_prefix = true;
			}
		} else if (type == FIM_TYPE_DIR && dfd >= 0) {
			read_xattrs(sc->self, dfd, NULL, e);
			read_flags(dfd, e);
		} else if (type != FIM_TYPE_FILE && type != FIM_TYPE_DIR) {
			read_xattrs(sc->self, -1, path->buf, e);
		}
		slot_put(sc, s);
	}
	if (descend && dfd >= 0 && depth + 1 <= FIM_DEPTH_MAX && sc->ret == 0) {
		walk_dir(sc, dfd, depth + 1);
	} else if (descend && !rule) {
		if (dfd < 0)
			problem(sc, path->buf, path->len,
			        derr == ESTALE ? FIM_REPLACED : FIM_NO_ENTER, derr);
		else if (depth + 1 > FIM_DEPTH_MAX)
			problem(sc, path->buf, path->len, FIM_TOO_DEEP, ELOOP);
	}
	goto out;
stat_failed:
	if (errno != ENOENT) /* vanished since it was listed: simply not there */
		problem(sc, path->buf, path->len, FIM_UNREADABLE, errno);
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	strbuf_setlen(path, base);
}

static void walk_dir(struct scan *sc, int dirfd, int depth)
{
	struct dir_names names;
	int r = list_dir(dirfd, sc->dents, &names);

	sc->st.dirs++;
	if (r < 0)
		problem(sc, sc->path.len ? sc->path.buf : "/", sc->path.len ? sc->path.len : 1,
		        FIM_NO_ENTER, -r);
	for (size_t i = 0; i < names.nr && sc->ret == 0; i++)
		visit(sc, dirfd, names.v[i].name, names.v[i].d_type, depth);
	strbuf_release(&names.text);
	free(names.v);
}

/* The root "/" itself: an entry if a rule selects it, then its names. */
static void walk_root(struct scan *sc)
{
	const struct fim_rule *rule = fim_config_select(sc->c, sc->m, "/", 1, FIM_TYPE_DIR);
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		problem(sc, "/", 1, FIM_NO_ENTER, errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (rule) {
		struct slot *s = slot_get(sc);
		strbuf_addch(&s->path, '/');
		fill_stat(&s->e, &st);
		s->e.attrs = rule->attrs;
		read_xattrs(sc->self, fd, NULL, &s->e);
		read_flags(fd, &s->e);
		slot_put(sc, s);
	}
	if (fim_config_descend(sc->c, sc->m, "", 0))
		walk_dir(sc, fd, 0);
	close(fd);
}

int fim_scan(const struct fim_config *c, const struct fim_scan_opts *o, fim_entry_fn fn, void *arg,
             struct fim_scan_stats *stats, struct strbuf *err)
{
	static const struct fim_scan_opts defaults = { .threads = -1 };
	struct scan *sc = xcalloc(1, sizeof(*sc));
	int r = 0;

	if (!o)
		o = &defaults;
	sc->c = c;
	sc->o = o;
	sc->fn = fn;
	sc->arg = arg;
	sc->m = fim_matcher_new();
	sc->nthreads = o->threads >= 0 ? o->threads : (c->workers ? c->workers : 2);
	if (sc->nthreads > (int)ARRAY_SIZE(sc->threads))
		sc->nthreads = (int)ARRAY_SIZE(sc->threads);
	/* The walker's hasher: for directories' and links' attributes, and all hashing at 0. */
	sc->self = hasher_new();
	sc->dents = xmalloc(DENTS_BUF);
	strbuf_init(&sc->path, FIM_PATH_MAX + 2);
	for (size_t i = 0; i < RING; i++) {
		strbuf_init(&sc->ring[i].path, 0);
		strbuf_init(&sc->ring[i].link, 0);
		sc->ring[i].fd = -1;
	}
	pthread_mutex_init(&sc->mu, NULL);
	pthread_cond_init(&sc->work_cv, NULL);
	pthread_cond_init(&sc->done_cv, NULL);
	for (int i = 0; i < sc->nthreads; i++) {
		int e = pthread_create(&sc->threads[i], NULL, worker, sc);
		if (e) {
			error_set(err, "cannot start a hashing thread: %s", strerror(e));
			sc->nthreads = i;
			r = -EAGAIN;
			break;
		}
	}
	if (r == 0)
		walk_root(sc);
	pthread_mutex_lock(&sc->mu);
	drain(sc, DRAIN_ALL);
	sc->stop = true;
	pthread_cond_broadcast(&sc->work_cv);
	pthread_mutex_unlock(&sc->mu);
	for (int i = 0; i < sc->nthreads; i++)
		pthread_join(sc->threads[i], NULL);
	if (r == 0 && sc->ret < 0)
		r = sc->ret;
	if (stats)
		*stats = sc->st;
	for (size_t i = 0; i < RING; i++) {
		if (sc->ring[i].fd >= 0)
			close(sc->ring[i].fd);
		strbuf_release(&sc->ring[i].path);
		strbuf_release(&sc->ring[i].link);
	}
	strbuf_release(&sc->path);
	free(sc->dents);
	hasher_free(sc->self);
	fim_matcher_free(sc->m);
	pthread_mutex_destroy(&sc->mu);
	pthread_cond_destroy(&sc->work_cv);
	pthread_cond_destroy(&sc->done_cv);
	free(sc);
	return r;
}
