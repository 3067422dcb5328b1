/* tar: a POSIX ustar archive of a directory, for downloads (the ledger export). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "web/tar.h"

#define TAR_BLOCK 512

/* The archive being written to fd, through a small buffer. */
struct tar_out {
	int fd;
	char buf[65536];
	size_t len;
	unsigned long long total; /* bytes written, for the padding to whole blocks */
};

static int flush_out(struct tar_out *o, struct strbuf *err)
{
	const char *p = o->buf;
	size_t left = o->len;

	while (left) {
		ssize_t n = write(o->fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;
			error_set(err, "cannot write the archive: %s", strerror(-r));
			return r;
		}
		p += n;
		left -= (size_t)n;
	}
	o->len = 0;
	return 0;
}

static int put(struct tar_out *o, const void *data, size_t len, struct strbuf *err)
{
	const char *d = data;

	while (len) {
		size_t n = sizeof(o->buf) - o->len < len ? sizeof(o->buf) - o->len : len;
		int r;
		memcpy(o->buf + o->len, d, n);
		o->len += n;
		o->total += n;
		d += n;
		len -= n;
		if (o->len == sizeof(o->buf) && (r = flush_out(o, err)) < 0)
			return r;
	}
	return 0;
}

/* Zeros up to the next block boundary. */
static int pad(struct tar_out *o, struct strbuf *err)
{
	static const char zeros[TAR_BLOCK];
	size_t n = (size_t)(o->total % TAR_BLOCK);

	return n ? put(o, zeros, TAR_BLOCK - n, err) : 0;
}

/* A zero-padded octal number filling width - 1 characters and a NUL (ustar numeric field). */
static void octal(char *field, size_t width, unsigned long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), v);

	if (n < 0 || (size_t)n >= width)
		n = (int)width - 1; /* cannot happen for the sizes archived here */
	memcpy(field, tmp + (size_t)n - (width - 1), width - 1);
	field[width - 1] = '\0';
}

static int add_header(struct tar_out *out, const char *name, char type, unsigned long long size,
                      unsigned mode, long long mtime, struct strbuf *err)
{
	char h[TAR_BLOCK];
	unsigned sum = 0;
	size_t len = strlen(name);

	memset(h, 0, sizeof(h));
	if (len > 99) {
		/* Split into prefix (155) and name (100) at a slash. */
		const char *slash = name + len;
		while (slash > name && (*slash != '/' || (size_t)(slash - name) > 155 ||
		                        len - (size_t)(slash - name) - 1 > 99))
			slash--;
		if (slash == name) {
			error_set(err, "file name too long for the archive: '%s'", name);
			return -ENAMETOOLONG;
		}
		/* ustar name fields are NUL-padded, not NUL-terminated when full: h is zeroed */
		// NOLINTNEXTLINE(bugprone-not-null-terminated-result)
		memcpy(h + 345, name, (size_t)(slash - name));
		// NOLINTNEXTLINE(bugprone-not-null-terminated-result)
		memcpy(h, slash + 1, len - (size_t)(slash - name) - 1);
	} else {
		// NOLINTNEXTLINE(bugprone-not-null-terminated-result): a 100-byte name has no NUL
		memcpy(h, name, len);
	}
	octal(h + 100, 8, mode);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, size);
	octal(h + 136, 12, (unsigned long long)(mtime < 0 ? 0 : mtime));
	memset(h + 148, ' ', 8);
	h[156] = type;
	memcpy(h + 257, "ustar", 6);
	// NOLINTNEXTLINE(bugprone-not-null-terminated-result): the ustar version has no NUL
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	return put(out, h, sizeof(h), err);
}

/* Copies a regular file of size bytes into the archive, in chunks. */
static int add_file_data(struct tar_out *out, const char *path, unsigned long long size,
                         struct strbuf *err)
{
	char chunk[65536];
	unsigned long long done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0) {
		r = -errno;
		error_set(err, "cannot read '%s': %s", path, strerror(-r));
		return r;
	}
	while (done < size) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			error_set(err, "cannot read '%s': %s", path,
			          n < 0 ? strerror(-r) : "it shrank while archived");
			break;
		}
		if ((unsigned long long)n > size - done)
			n = (ssize_t)(size - done); /* grew meanwhile: the header's size holds */
		r = put(out, chunk, (size_t)n, err);
		if (r < 0)
			break;
		done += (unsigned long long)n;
	}
	close(fd);
	return r < 0 ? r : pad(out, err);
}

static int add_dir(const char *path, const char *name, struct tar_out *out, struct strbuf *err)
{
	struct dirent **list = NULL;
	int n, r = 0;

	n = scandir(path, &list, NULL, alphasort);
	if (n < 0) {
		r = -errno;
		error_set(err, "cannot read '%s': %s", path, strerror(-r));
		return r;
	}
	for (int i = 0; i < n; i++) {
		const char *d = list[i]->d_name;
		struct strbuf p = STRBUF_INIT, nm = STRBUF_INIT;
		struct stat sb;

		if (r < 0 || !strcmp(d, ".") || !strcmp(d, ".."))
			goto next;
		strbuf_addf(&p, "%s/%s", path, d);
		strbuf_addf(&nm, "%s/%s", name, d);
		if (lstat(p.buf, &sb) < 0) {
			r = -errno;
			error_set(err, "cannot read '%s': %s", p.buf, strerror(-r));
		} else if (S_ISDIR(sb.st_mode)) {
			strbuf_addch(&nm, '/');
			r = add_header(out, nm.buf, '5', 0, 0755, sb.st_mtime, err);
			strbuf_setlen(&nm, nm.len - 1);
			if (r == 0)
				r = add_dir(p.buf, nm.buf, out, err);
		} else if (S_ISREG(sb.st_mode)) {
			r = add_header(out, nm.buf, '0', (unsigned long long)sb.st_size, 0644,
			               sb.st_mtime, err);
			if (r == 0)
				r = add_file_data(out, p.buf, (unsigned long long)sb.st_size, err);
		} else {
			error_set(err, "'%s' is not a regular file or directory", p.buf);
			r = -EINVAL;
		}
	next:
		strbuf_release(&p);
		strbuf_release(&nm);
		free(list[i]);
	}
	free(list);
	return r;
}

int tar_directory(const char *dir, const char *prefix, int fd, struct strbuf *err)
{
	static const char zeros[2 * TAR_BLOCK];
	struct tar_out *out = xcalloc(1, sizeof(*out));
	struct strbuf nm = STRBUF_INIT;
	int r;

	out->fd = fd;
	strbuf_addf(&nm, "%s/", prefix);
	r = add_header(out, nm.buf, '5', 0, 0755, 0, err);
	strbuf_release(&nm);
	if (r == 0)
		r = add_dir(dir, prefix, out, err);
	if (r == 0) /* two zero blocks end the archive */
		r = put(out, zeros, sizeof(zeros), err);
	if (r == 0)
		r = flush_out(out, err);
	free(out);
	return r;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	(void)remove(path); /* best effort, as documented */
	return 0;
}

void remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
