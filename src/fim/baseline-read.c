/* baseline-read: strictly reads the signed baseline and delta files (baseline.c writes them). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/utf8.h"
#include "fim/baseline-internal.h"

struct fim_baseline_reader {
	int fd; /* -1: memory */
	const uint8_t *mem;
	size_t mem_len, pos; /* pos: bytes consumed so far */
	uint8_t *buf;
	size_t start, end; /* buffered bytes [start, end) */
	bool eof;
	EVP_MD_CTX *body;
	struct fim_baseline_info info;
	uint64_t count;
	bool done, has_last;
	struct strbuf last;
	const uint8_t *expect_pub;
	unsigned flags;
	const char *name;
	uint8_t rec[RECORD_MAX + 16];
};

#define RBUF (128u << 10)

static int fail(struct fim_baseline_reader *r, struct strbuf *err, const char *what)
{
	if (r->pos)
		error_set(err, "baseline '%s' byte %zu: %s", r->name, r->pos, what);
	else
		error_set(err, "baseline '%s': %s", r->name, what);
	return -EBADMSG;
}

/* Makes n bytes available at r->buf + r->start; returns 0, or -EBADMSG at the end, -EIO. */
static int need(struct fim_baseline_reader *r, size_t n, struct strbuf *err)
{
	if (r->fd < 0) {
		if (r->mem_len - r->start < n)
			return fail(r, err, "the file ends too early");
		return 0;
	}
	if (r->end - r->start >= n)
		return 0;
	memmove(r->buf, r->buf + r->start, r->end - r->start);
	r->end -= r->start;
	r->start = 0;
	while (r->end < n && !r->eof) {
		ssize_t k = read(r->fd, r->buf + r->end, RBUF - r->end);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			error_set(err, "cannot read baseline '%s': %s", r->name, strerror(errno));
			return -EIO;
		}
		if (k == 0)
			r->eof = true;
		r->end += (size_t)k;
	}
	if (r->end < n)
		return fail(r, err, "the file ends too early");
	return 0;
}

static const uint8_t *bytes(struct fim_baseline_reader *r)
{
	return r->fd < 0 ? r->mem + r->start : r->buf + r->start;
}

/* Consumes n bytes (hashing them into the body digest unless they are the trailer's tail). */
static void consume(struct fim_baseline_reader *r, size_t n, bool hash)
{
	if (hash)
		EVP_DigestUpdate(r->body, bytes(r), n);
	r->start += n;
	r->pos += n;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static bool text_ok(const uint8_t *s, size_t len)
{
	if (!utf8_valid((const char *)s, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int read_header(struct fim_baseline_reader *r, struct strbuf *err)
{
	struct fim_baseline_info *h = &r->info;
	const uint8_t *p;
	uint16_t n;
	int rc;

	if ((rc = need(r, MAGIC_LEN + 2 + 16 + 32 + 2, err)) < 0)
		return rc;
	p = bytes(r);
	if (memcmp(p, MAGIC, MAGIC_LEN))
		return fail(r, err, "not a Mamori baseline (bad magic)");
	h->kind = (char)p[MAGIC_LEN];
	if (h->kind != FIM_BASELINE_KIND && h->kind != FIM_DELTA_KIND)
		return fail(r, err, "unknown kind");
	if (p[MAGIC_LEN + 1] != VERSION)
		return fail(r, err, "unknown version");
	h->generation = get64(p + 9);
	h->created_ms = (int64_t)get64(p + 17);
	if (h->created_ms < 0)
		return fail(r, err, "negative time");
	memcpy(h->config_sha256, p + 25, 32);
	n = get16(p + 57);
	consume(r, 59, true);
	if (n > FIM_HOST_MAX)
		return fail(r, err, "host name too long");
	if ((rc = need(r, (size_t)n + 2, err)) < 0)
		return rc;
	p = bytes(r);
	if (!text_ok(p, n))
		return fail(r, err, "host name is not text");
	memcpy(h->host, p, n);
	h->host[n] = '\0';
	uint16_t cl = get16(p + n);
	consume(r, (size_t)n + 2, true);
	if (cl > FIM_PATH_MAX)
		return fail(r, err, "configuration path too long");
	if ((rc = need(r, cl, err)) < 0)
		return rc;
	p = bytes(r);
	if (memchr(p, '\0', cl))
		return fail(r, err, "NUL in the configuration path");
	memcpy(h->config, p, cl);
	h->config[cl] = '\0';
	consume(r, cl, true);
	return 0;
}

static void reader_init(struct fim_baseline_reader *r, const char *name)
{
	r->fd = -1;
	r->name = name;
	strbuf_init(&r->last, 0);
	r->body = EVP_MD_CTX_new();
	if (!r->body || !EVP_DigestInit_ex(r->body, EVP_sha256(), NULL))
		abort();
}

static int check_signature(struct fim_baseline_reader *r, const uint8_t *digest, const uint8_t *pub,
                           const uint8_t *sig, struct strbuf *err)
{
	uint8_t msg[sizeof(SIG_CONTEXT) + 32];

	if (r->expect_pub && memcmp(r->expect_pub, pub, FIM_KEY_SIZE))
		return fail(r, err, "signed by another key than this data directory's");
	if (r->flags & FIM_BR_NO_SIGNATURE)
		return 0;
	memcpy(msg, SIG_CONTEXT, sizeof(SIG_CONTEXT));
	memcpy(msg + sizeof(SIG_CONTEXT), digest, 32);
	if (!fim_key_verify(pub, msg, sizeof(msg), sig))
		return fail(r, err, "the signature does not verify: the file was altered");
	return 0;
}

/* The whole file once: its SHA-256, the body digest and the signature. */
static int verify_whole(struct fim_baseline_reader *r, const uint8_t *expect_sha256,
                        struct strbuf *err)
{
	EVP_MD_CTX *file = EVP_MD_CTX_new(), *body = EVP_MD_CTX_new();
	uint8_t tail[TRAILER_TAIL], digest[32];
	struct stat st;
	unsigned int n;
	int rc = 0;

	if (!file || !body || fstat(r->fd, &st) < 0)
		abort();
	if (st.st_size < (off_t)(MAGIC_LEN + 2 + 1 + 8 + TRAILER_TAIL)) {
		rc = fail(r, err, "too short to be a baseline");
		goto out;
	}
	size_t body_len = (size_t)st.st_size - TRAILER_TAIL, off = 0;
	EVP_DigestInit_ex(file, EVP_sha256(), NULL);
	EVP_DigestInit_ex(body, EVP_sha256(), NULL);
	while (off < (size_t)st.st_size) {
		ssize_t k = pread(r->fd, r->buf, RBUF, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			error_set(err, "cannot read baseline '%s': %s", r->name,
			          k < 0 ? strerror(errno) : "it shrank while read");
			rc = -EIO;
			goto out;
		}
		size_t kk = (size_t)k;
		if (off + kk > (size_t)st.st_size)
			kk = (size_t)st.st_size - off;
		EVP_DigestUpdate(file, r->buf, kk);
		if (off < body_len)
			EVP_DigestUpdate(body, r->buf, off + kk <= body_len ? kk : body_len - off);
		if (off + kk > body_len) {
			size_t from = off < body_len ? body_len - off : 0;
			memcpy(tail + (off + from - body_len), r->buf + from, kk - from);
		}
		off += kk;
	}
	EVP_DigestFinal_ex(file, r->info.file_sha256, &n);
	EVP_DigestFinal_ex(body, digest, &n);
	if (expect_sha256 && memcmp(expect_sha256, r->info.file_sha256, 32)) {
		rc = fail(r, err,
		          "its SHA-256 is not the one the ledger recorded: the file was "
		          "replaced or altered");
		goto out;
	}
	if (memcmp(digest, tail, 32)) {
		rc = fail(r, err, "the body digest does not match: the file was altered");
		goto out;
	}
	rc = check_signature(r, digest, tail + 32, tail + 64, err);
	if (rc == 0) { /* the count before the tail, for callers that only open the file */
		uint8_t zc[9];
		if (pread(r->fd, zc, 9, (off_t)body_len - 9) != 9 || zc[0] != 'Z')
			rc = fail(r, err, "no trailer where the file ends");
		else
			r->info.count = get64(zc + 1);
		memcpy(r->info.pub, tail + 32, FIM_KEY_SIZE);
	}
out:
	EVP_MD_CTX_free(file);
	EVP_MD_CTX_free(body);
	return rc;
}

int fim_br_open_file(const char *path, const uint8_t *expect_sha256, const uint8_t *expect_pub,
                     struct fim_baseline_reader **ret, struct strbuf *err)
{
	struct fim_baseline_reader *r = xcalloc(1, sizeof(*r));
	int rc;

	reader_init(r, path);
	r->expect_pub = expect_pub;
	r->buf = xmalloc(RBUF);
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (r->fd < 0) {
		rc = -errno;
		error_set(err, "cannot open baseline '%s': %s", path, strerror(-rc));
		fim_br_close(r);
		return rc;
	}
	rc = verify_whole(r, expect_sha256, err);
	if (rc == 0)
		rc = read_header(r, err);
	if (rc < 0) {
		fim_br_close(r);
		return rc;
	}
	*ret = r;
	return 0;
}

int fim_br_open_mem(const void *buf, size_t len, const uint8_t *expect_pub, unsigned flags,
                    struct fim_baseline_reader **ret, struct strbuf *err)
{
	struct fim_baseline_reader *r = xcalloc(1, sizeof(*r));
	int rc;

	reader_init(r, "(memory)");
	r->mem = buf;
	r->mem_len = len;
	r->expect_pub = expect_pub;
	r->flags = flags;
	fim_sha256(buf, len, r->info.file_sha256);
	rc = read_header(r, err);
	if (rc < 0) {
		fim_br_close(r);
		return rc;
	}
	*ret = r;
	return 0;
}

const struct fim_baseline_info *fim_br_info(const struct fim_baseline_reader *r)
{
	return &r->info;
}

static int read_trailer(struct fim_baseline_reader *r, struct strbuf *err)
{
	uint8_t digest[32];
	unsigned int n;
	int rc;

	if ((rc = need(r, 8, err)) < 0)
		return rc;
	uint64_t count = get64(bytes(r));
	consume(r, 8, true);
	if (count != r->count)
		return fail(r, err, "the record count does not match");
	if ((rc = need(r, TRAILER_TAIL, err)) < 0)
		return rc;
	const uint8_t *t = bytes(r);
	EVP_DigestFinal_ex(r->body, digest, &n);
	if (memcmp(digest, t, 32))
		return fail(r, err, "the body digest does not match: the file was altered");
	rc = check_signature(r, digest, t + 32, t + 64, err);
	if (rc < 0)
		return rc;
	r->info.count = count;
	memcpy(r->info.pub, t + 32, FIM_KEY_SIZE);
	consume(r, TRAILER_TAIL, false);
	if (r->fd < 0 ? r->start != r->mem_len : (need(r, 1, NULL) == 0))
		return fail(r, err, "bytes after the trailer");
	r->done = true;
	return 0;
}

static int parse_entry(struct fim_baseline_reader *r, const uint8_t *p, size_t len,
                       struct fim_entry *e, struct strbuf *err)
{
	const uint8_t *end = p + len;
	size_t n;

#define NEED(k)                                                                                    \
	do {                                                                                       \
		if ((size_t)(end - p) < (size_t)(k))                                               \
			return fail(r, err, "a record is cut short");                              \
	} while (0)
	memset(e, 0, sizeof(*e));
	NEED(2);
	n = get16(p);
	p += 2;
	NEED(n);
	if (!path_valid((const char *)p, n))
		return fail(r, err, "an invalid path");
	e->path = (const char *)p;
	e->path_len = n;
	p += n;
	NEED(4 + 4 + 4 * 5 + 8 * 8 + 2);
	e->attrs = get32(p);
	e->type = p[4];
	e->digests = p[5];
	e->problem = p[6];
	if (p[7] != 0)
		return fail(r, err, "a reserved byte is set");
	e->err = (int)get32(p + 8);
	e->mode = get32(p + 12);
	e->uid = get32(p + 16);
	e->gid = get32(p + 20);
	e->fflags = get32(p + 24);
	p += 28;
	e->size = get64(p);
	e->blocks = get64(p + 8);
	e->ino = get64(p + 16);
	e->nlink = get64(p + 24);
	e->rdev = get64(p + 32);
	e->mtime_ns = (int64_t)get64(p + 40);
	e->atime_ns = (int64_t)get64(p + 48);
	e->ctime_ns = (int64_t)get64(p + 56);
	p += 64;
	n = get16(p);
	p += 2;
	if ((e->attrs & ~(FIM_RECORDED_MASK | 0x3f000000u)) || e->type < 1 ||
	    e->type > FIM_TYPE_MAX || (e->digests & ~0x1fu) || e->problem > FIM_REPLACED ||
	    e->err < 0 || e->mode > 07777 || n > FIM_LINK_MAX || (n && e->type != FIM_TYPE_LINK))
		return fail(r, err, "a field out of range");
	NEED(n);
	if (memchr(p, '\0', n))
		return fail(r, err, "a NUL in a link target");
	e->link = n ? (const char *)p : NULL;
	e->link_len = n;
	p += n;
	uint8_t *d[] = { e->sha256, e->xattrs, e->acl, e->selinux, e->caps };
	for (int i = 0; i < 5; i++) {
		if (!(e->digests & (1 << i)))
			continue;
		NEED(32);
		memcpy(d[i], p, 32);
		p += 32;
	}
	if (p != end)
		return fail(r, err, "trailing bytes in a record");
#undef NEED
	return 0;
}

int fim_br_next(struct fim_baseline_reader *r, char *ret_tag, struct fim_entry *ret,
                struct strbuf *err)
{
	uint32_t len;
	uint8_t tag;
	int rc;

	if (r->done)
		return 0;
	if ((rc = need(r, 1, err)) < 0)
		return rc;
	tag = bytes(r)[0];
	consume(r, 1, true);
	if (tag == 'Z')
		return read_trailer(r, err);
	if (r->info.kind == FIM_BASELINE_KIND ? tag != 'E'
	                                      : (tag != 'A' && tag != 'C' && tag != 'R'))
		return fail(r, err, "an unknown record tag");
	if ((rc = need(r, 4, err)) < 0)
		return rc;
	len = get32(bytes(r));
	consume(r, 4, true);
	if (len > RECORD_MAX)
		return fail(r, err, "a record longer than any entry can be");
	if ((rc = need(r, len, err)) < 0)
		return rc;
	memcpy(r->rec, bytes(r), len);
	consume(r, len, true);
	rc = parse_entry(r, r->rec, len, ret, err);
	if (rc < 0)
		return rc;
	if (r->has_last && fim_path_cmp(r->last.buf, r->last.len, ret->path, ret->path_len) >= 0)
		return fail(r, err, "records out of order or repeated");
	strbuf_reset(&r->last);
	strbuf_add(&r->last, ret->path, ret->path_len);
	r->has_last = true;
	r->count++;
	*ret_tag = (char)tag;
	return 1;
}

void fim_br_close(struct fim_baseline_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	EVP_MD_CTX_free(r->body);
	strbuf_release(&r->last);
	free(r);
}

void fim_entry_copy(struct fim_entry *dst, const struct fim_entry *src)
{
	*dst = *src;
	dst->path = xstrndup(src->path, src->path_len);
	dst->link = src->link ? xstrndup(src->link, src->link_len) : NULL;
}

void fim_entry_copy_release(struct fim_entry *e)
{
	free((void *)(uintptr_t)e->path);
	free((void *)(uintptr_t)e->link);
	e->path = e->link = NULL;
}
