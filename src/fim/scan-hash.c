/* scan-hash: the hashing threads, and what is read through a file's descriptor: its SHA-256,
 * extended attributes, ACLs, SELinux label, capabilities and flags. */
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
#include "fim/scan-internal.h"

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

/*
 * Hashes the open file of slot s and reads what needs its descriptor, then closes it. The
 * file is read once, up to the size its fstat gave when it was opened (an empty file gets one
 * read, to see that it is empty: procfs files say 0). The fstat after must agree with the
 * one before, and the bytes read must be its size: else the file changed while it was read.
 */
void scan_hash_slot(struct hasher *h, struct slot *s, uint64_t *bytes)
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
	scan_read_xattrs(h, s->fd, NULL, e);
	scan_read_flags(s->fd, e);
	if (ok && (fstat(s->fd, &after) < 0 || !same_file(&s->st, &after) ||
	           ((e->attrs & FIM_BIT(FIM_ATTR_SHA256)) && total != (uint64_t)after.st_size))) {
		e->problem = FIM_UNSTABLE;
		e->digests &= (uint8_t)~FIM_HAS_SHA256;
		e->has_prefix = false;
	}
	close(s->fd);
	s->fd = -1;
}

void *scan_worker(void *arg)
{
	struct scan *sc = arg;
	struct hasher *h = scan_hasher_new();
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
		scan_hash_slot(h, s, &bytes);
		hashed++;
		pthread_mutex_lock(&sc->mu);
		s->state = SLOT_DONE;
		pthread_cond_broadcast(&sc->done_cv);
	}
	sc->st.bytes += bytes;
	sc->st.hashed += hashed;
	pthread_mutex_unlock(&sc->mu);
	scan_hasher_free(h);
	return NULL;
}
