/* tar: a POSIX ustar archive of a directory, for downloads (the ledger export). */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "web/tar.h"

#define TAR_BLOCK 512

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

static int add_header(struct strbuf *out, const char *name, char type, unsigned long long size,
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
		memcpy(h + 345, name, (size_t)(slash - name));
		memcpy(h, slash + 1, len - (size_t)(slash - name) - 1);
	} else {
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
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	strbuf_add(out, h, sizeof(h));
	return 0;
}

static int add_dir(const char *path, const char *name, struct strbuf *out, struct strbuf *err)
{
	struct dirent **list = NULL;
	int n, r = 0;

	n = scandir(path, &list, NULL, alphasort);
	if (n < 0) {
		error_set(err, "cannot read '%s': %m", path);
		return -errno;
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
			error_set(err, "cannot read '%s': %m", p.buf);
			r = -errno;
		} else if (S_ISDIR(sb.st_mode)) {
			strbuf_addch(&nm, '/');
			r = add_header(out, nm.buf, '5', 0, 0755, sb.st_mtime, err);
			strbuf_setlen(&nm, nm.len - 1);
			if (r == 0)
				r = add_dir(p.buf, nm.buf, out, err);
		} else if (S_ISREG(sb.st_mode)) {
			struct strbuf data = STRBUF_INIT;
			r = strbuf_read_file(&data, p.buf, (size_t)1 << 31);
			if (r < 0)
				error_set(err, "cannot read '%s': %s", p.buf, strerror(-r));
			else
				r = add_header(out, nm.buf, '0', data.len, 0644, sb.st_mtime, err);
			if (r == 0) {
				strbuf_add(out, data.buf, data.len);
				while (out->len % TAR_BLOCK)
					strbuf_addch(out, '\0');
			}
			strbuf_release(&data);
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

int tar_directory(const char *dir, const char *prefix, struct strbuf *out, struct strbuf *err)
{
	struct strbuf nm = STRBUF_INIT;
	int r;

	strbuf_addf(&nm, "%s/", prefix);
	r = add_header(out, nm.buf, '5', 0, 0755, 0, err);
	strbuf_release(&nm);
	if (r == 0)
		r = add_dir(dir, prefix, out, err);
	if (r == 0) {
		/* Two zero blocks end the archive. */
		for (int i = 0; i < 2 * TAR_BLOCK; i++)
			strbuf_addch(out, '\0');
	}
	return r;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void strbuf_swap_into(struct strbuf *dst, struct strbuf *src)
{
	strbuf_release(dst);
	*dst = *src;
	strbuf_init(src, 0);
}
