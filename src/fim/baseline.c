/* baseline: writes the signed baseline and delta files (baseline-read.c reads them). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/baseline-internal.h"

#define FLUSH_AT (64u << 10)

/* ---- encoding ---- */

static void put8(struct strbuf *sb, uint8_t v)
{
	strbuf_addch(sb, v);
}

static void put16(struct strbuf *sb, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	strbuf_add(sb, b, 2);
}

static void put32(struct strbuf *sb, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	strbuf_add(sb, b, 4);
}

static void put64(struct strbuf *sb, uint64_t v)
{
	put32(sb, (uint32_t)(v >> 32));
	put32(sb, (uint32_t)v);
}

static void put_digests(struct strbuf *sb, const struct fim_entry *e)
{
	const uint8_t *d[] = { e->sha256, e->xattrs, e->acl, e->selinux, e->caps };

	for (int i = 0; i < 5; i++)
		if (e->digests & (1 << i))
			strbuf_add(sb, d[i], 32);
}

static void encode_entry(struct strbuf *sb, const struct fim_entry *e)
{
	put16(sb, (uint16_t)e->path_len);
	strbuf_add(sb, e->path, e->path_len);
	put32(sb, e->attrs);
	put8(sb, e->type);
	put8(sb, e->digests);
	put8(sb, e->problem);
	put8(sb, 0);
	put32(sb, (uint32_t)e->err);
	put32(sb, e->mode);
	put32(sb, e->uid);
	put32(sb, e->gid);
	put32(sb, e->fflags);
	put64(sb, e->size);
	put64(sb, e->blocks);
	put64(sb, e->ino);
	put64(sb, e->nlink);
	put64(sb, e->rdev);
	put64(sb, (uint64_t)e->mtime_ns);
	put64(sb, (uint64_t)e->atime_ns);
	put64(sb, (uint64_t)e->ctime_ns);
	put16(sb, (uint16_t)e->link_len);
	if (e->link_len)
		strbuf_add(sb, e->link, e->link_len);
	put_digests(sb, e);
}

struct fim_baseline_writer {
	int fd; /* -1: in memory */
	char *path, *tmp;
	struct strbuf buf;
	EVP_MD_CTX *body, *file;
	uint64_t count;
	struct strbuf last; /* the previous path, for the order */
	bool has_last;
	char kind;
	bool later;       /* no header yet: records wait in buf (fim_bw_open_later) */
	uint64_t written; /* bytes in the file so far */
};

static void header(struct strbuf *sb, const struct fim_baseline_info *h)
{
	size_t hl = strnlen(h->host, FIM_HOST_MAX), cl = strnlen(h->config, FIM_PATH_MAX);

	strbuf_add(sb, MAGIC, MAGIC_LEN);
	put8(sb, (uint8_t)h->kind);
	put8(sb, VERSION);
	put64(sb, h->generation);
	put64(sb, (uint64_t)h->created_ms);
	strbuf_add(sb, h->config_sha256, 32);
	put16(sb, (uint16_t)hl);
	strbuf_add(sb, h->host, hl);
	put16(sb, (uint16_t)cl);
	strbuf_add(sb, h->config, cl);
}

/* A writer without its header yet (h NULL: fim_bw_begin gives it). */
static struct fim_baseline_writer *writer_new(const struct fim_baseline_info *h)
{
	struct fim_baseline_writer *w = xcalloc(1, sizeof(*w));

	w->fd = -1;
	strbuf_init(&w->buf, FLUSH_AT + RECORD_MAX);
	strbuf_init(&w->last, 0);
	w->body = EVP_MD_CTX_new();
	w->file = EVP_MD_CTX_new();
	if (!w->body || !w->file || !EVP_DigestInit_ex(w->body, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(w->file, EVP_sha256(), NULL))
		abort();
	if (h) {
		w->kind = h->kind;
		header(&w->buf, h);
	} else {
		w->later = true;
	}
	return w;
}

/* Creates w's temporary file beside path. */
static int create(struct fim_baseline_writer *w, const char *path, struct strbuf *err)
{
	free(w->path);
	free(w->tmp);
	w->path = xstrdup(path);
	{
		struct strbuf tmp = STRBUF_INIT;
		strbuf_addf(&tmp, "%s.tmp", path);
		w->tmp = strbuf_detach(&tmp, NULL);
	}
	unlink(w->tmp);
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w->fd < 0) {
		int r = -errno;
		error_set(err, "cannot create '%s': %s", w->tmp, strerror(-r));
		return r;
	}
	return 0;
}

int fim_bw_open(const char *path, const struct fim_baseline_info *h,
                struct fim_baseline_writer **ret, struct strbuf *err)
{
	struct fim_baseline_writer *w = writer_new(h);
	int r = create(w, path, err);

	if (r < 0) {
		fim_bw_abort(w);
		return r;
	}
	*ret = w;
	return 0;
}

struct fim_baseline_writer *fim_bw_open_later(void)
{
	return writer_new(NULL);
}

size_t fim_bw_buffered(const struct fim_baseline_writer *w)
{
	return w->buf.len;
}

struct fim_baseline_writer *fim_bw_open_mem(const struct fim_baseline_info *h)
{
	return writer_new(h);
}

uint64_t fim_bw_count(const struct fim_baseline_writer *w)
{
	return w->count;
}

static int flush(struct fim_baseline_writer *w, struct strbuf *err)
{
	if (w->fd < 0 || !w->buf.len)
		return 0;
	EVP_DigestUpdate(w->body, w->buf.buf, w->buf.len);
	EVP_DigestUpdate(w->file, w->buf.buf, w->buf.len);
	for (size_t off = 0; off < w->buf.len;) {
		ssize_t n = write(w->fd, w->buf.buf + off, w->buf.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;
			error_set(err, "cannot write '%s': %s", w->tmp, strerror(-r));
			return r;
		}
		off += (size_t)n;
	}
	/* Writeback starts now, while the walk goes on: fsync at the end then waits for the last
	 * pieces only (the whole file was 12 ms of fim init's tail). A hint: errors are fsync's. */
	(void)sync_file_range(w->fd, (off64_t)w->written, (off64_t)w->buf.len,
	                      SYNC_FILE_RANGE_WRITE);
	w->written += w->buf.len;
	strbuf_reset(&w->buf);
	return 0;
}

int fim_bw_begin(struct fim_baseline_writer *w, const char *path, const struct fim_baseline_info *h,
                 struct strbuf *err)
{
	struct strbuf head = STRBUF_INIT;
	int r;

	if (!w->later) {
		error_set(err, "baseline: the header is written already");
		return -EINVAL;
	}
	r = create(w, path, err);
	if (r < 0)
		return r;
	w->later = false;
	w->kind = h->kind;
	/* the header, then the records that waited for it */
	strbuf_init(&head, FLUSH_AT + RECORD_MAX + w->buf.len);
	header(&head, h);
	strbuf_add(&head, w->buf.buf, w->buf.len);
	{
		struct strbuf waited = w->buf;
		w->buf = head;
		strbuf_release(&waited);
	}
	return w->buf.len >= FLUSH_AT ? flush(w, err) : 0;
}

int fim_bw_add(struct fim_baseline_writer *w, char tag, const struct fim_entry *e,
               struct strbuf *err)
{
	size_t at;

	if (!path_valid(e->path, e->path_len) || e->link_len > FIM_LINK_MAX) {
		error_set(err, "baseline: invalid path or link target");
		return -EINVAL;
	}
	if (w->has_last && fim_path_cmp(w->last.buf, w->last.len, e->path, e->path_len) >= 0) {
		error_set(err, "baseline: entries out of order");
		return -EINVAL;
	}
	strbuf_reset(&w->last);
	strbuf_add(&w->last, e->path, e->path_len);
	w->has_last = true;
	put8(&w->buf, (uint8_t)tag);
	at = w->buf.len;
	put32(&w->buf, 0);
	encode_entry(&w->buf, e);
	uint32_t len = (uint32_t)(w->buf.len - at - 4);
	w->buf.buf[at] = (char)(len >> 24);
	w->buf.buf[at + 1] = (char)(len >> 16);
	w->buf.buf[at + 2] = (char)(len >> 8);
	w->buf.buf[at + 3] = (char)len;
	w->count++;
	return w->buf.len >= FLUSH_AT ? flush(w, err) : 0;
}

static int trailer(struct fim_baseline_writer *w, const struct fim_key *key, struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT;
	uint8_t digest[32], sig[FIM_SIG_SIZE];
	unsigned int n;
	int r;

	if (w->later) {
		error_set(err, "baseline: no header (fim_bw_begin)");
		return -EINVAL;
	}
	put8(&w->buf, 'Z');
	put64(&w->buf, w->count);
	if (w->fd >= 0) {
		r = flush(w, err);
		if (r < 0)
			return r;
	} else {
		EVP_DigestUpdate(w->body, w->buf.buf, w->buf.len);
	}
	EVP_DigestFinal_ex(w->body, digest, &n);
	strbuf_add(&msg, SIG_CONTEXT, sizeof(SIG_CONTEXT)); /* with the NUL */
	strbuf_add(&msg, digest, 32);
	r = fim_key_sign(key, msg.buf, msg.len, sig);
	strbuf_release(&msg);
	if (r < 0) {
		error_set(err, "cannot sign the baseline");
		return r;
	}
	strbuf_add(&w->buf, digest, 32);
	strbuf_add(&w->buf, fim_key_public(key), FIM_KEY_SIZE);
	strbuf_add(&w->buf, sig, FIM_SIG_SIZE);
	return 0;
}

int fim_bw_finish(struct fim_baseline_writer *w, const struct fim_key *key,
                  uint8_t ret_file_sha256[32], struct strbuf *err)
{
	unsigned int n;
	int r = trailer(w, key, err);

	if (r == 0) {
		EVP_DigestUpdate(w->file, w->buf.buf, w->buf.len);
		for (size_t off = 0; r == 0 && off < w->buf.len;) {
			ssize_t k = write(w->fd, w->buf.buf + off, w->buf.len - off);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				r = k < 0 ? -errno : -EIO;
			else
				off += (size_t)k;
		}
		if (r == 0 && fsync(w->fd) < 0)
			r = -errno;
		if (r < 0)
			error_set(err, "cannot write '%s': %s", w->tmp, strerror(-r));
	}
	if (r == 0) {
		int fd = w->fd;
		w->fd = -1;
		if (close(fd) < 0 || rename(w->tmp, w->path) < 0) {
			r = -errno;
			error_set(err, "cannot put '%s' in place: %s", w->path, strerror(-r));
		}
	}
	if (r == 0) {
		EVP_DigestFinal_ex(w->file, ret_file_sha256, &n);
		free(w->tmp);
		w->tmp = NULL; /* renamed: nothing to remove */
	}
	fim_bw_abort(w);
	return r;
}

int fim_bw_finish_mem(struct fim_baseline_writer *w, const struct fim_key *key, struct strbuf *out,
                      struct strbuf *err)
{
	int r = trailer(w, key, err); /* in memory, trailer hashes the whole buffer */

	if (r == 0)
		strbuf_add(out, w->buf.buf, w->buf.len);
	fim_bw_abort(w);
	return r;
}

void fim_bw_abort(struct fim_baseline_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	free(w->tmp);
	free(w->path);
	strbuf_release(&w->buf);
	strbuf_release(&w->last);
	EVP_MD_CTX_free(w->body);
	EVP_MD_CTX_free(w->file);
	free(w);
}
