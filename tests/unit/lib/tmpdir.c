/* tmpdir: a unit test's scratch data directory (tmpdir.h). */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"

int tmpdir_make(char *dir, size_t cap, const char *tag)
{
	const char *base = getenv("TMPDIR");
	int n;

	if (!base || !*base)
		base = "/tmp";
	n = snprintf(dir, cap, "%s/mamori-%s-XXXXXX", base, tag);
	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr,
		        "tmpdir: TMPDIR=%s is too long for a %zu-byte name; set a shorter one\n",
		        base, cap);
		return -1;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "tmpdir: mkdtemp %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The directory name under at, opened (not through a link) and made readable, writable and
 * searchable by its owner, so that what a test closed off can be emptied: -1 on failure.
 */
static int open_dir_at(int at, const char *name)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(at, name, flags);
	struct stat sb;

	if (fd < 0 && errno == EACCES && fstatat(at, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(sb.st_mode) && fchmodat(at, name, (sb.st_mode & 07777) | S_IRWXU, 0) == 0)
		fd = openat(at, name, flags);
	if (fd >= 0 && fstat(fd, &sb) == 0 && (sb.st_mode & S_IRWXU) != S_IRWXU)
		(void)fchmod(fd, (sb.st_mode & 07777) | S_IRWXU);
	return fd;
}

/*
 * Removes everything in the directory open as fd (closed here), relative to it (openat,
 * unlinkat): a tree deeper than PATH_MAX goes too, which nftw and its full paths cannot do. One
 * descriptor a level. 0, or -1 with the entry that could not be removed on stderr.
 */
static int empty_dir(int fd, const char *top)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int r = 0, saved = 0;

	if (!d) {
		fprintf(stderr, "tmpdir: reading a directory under %s: %s\n", top, strerror(errno));
		close(fd);
		return -1;
	}
	while (r == 0 && (errno = 0, e = readdir(d))) {
		struct stat sb;
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -1;
		} else if (S_ISDIR(sb.st_mode)) {
			sub = open_dir_at(dirfd(d), e->d_name);
			if (sub < 0 || empty_dir(sub, top) < 0 ||
			    unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0)
				r = -1;
		} else if (unlinkat(dirfd(d), e->d_name, 0) < 0) {
			r = -1;
		}
		if (r < 0) {
			saved = errno;
			fprintf(stderr, "tmpdir: removing %s under %s: %s\n", e->d_name, top,
			        strerror(saved));
		}
	}
	if (r == 0 && errno) {
		saved = errno;
		fprintf(stderr, "tmpdir: reading a directory under %s: %s\n", top, strerror(saved));
		r = -1;
	}
	closedir(d);
	errno = saved;
	return r;
}

int tmpdir_remove(const char *dir)
{
	struct stat sb;
	int fd;

	if (lstat(dir, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "tmpdir: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		if (unlink(dir) == 0)
			return 0;
		fprintf(stderr, "tmpdir: removing %s: %s\n", dir, strerror(errno));
		return -1;
	}
	fd = open_dir_at(AT_FDCWD, dir);
	if (fd < 0) {
		fprintf(stderr, "tmpdir: opening %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (empty_dir(fd, dir) < 0)
		return -1;
	if (rmdir(dir) < 0) {
		fprintf(stderr, "tmpdir: removing %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int tmpdir_store(const char *dir, unsigned flags, struct store **st, struct strbuf *err)
{
	struct store *s = NULL;

	if (store_open(dir, STORE_CREATE | flags, &s, err) < 0) {
		fprintf(stderr, "setup: %s\n", err->buf);
		return -1;
	}
	if (st)
		*st = s;
	else
		store_close(s);
	return 0;
}

int tmpdir_setup(void **state)
{
	struct tmpdir_fixture *f = calloc(1, sizeof(*f));

	if (!f || tmpdir_make(f->dir, sizeof(f->dir), program_invocation_short_name) < 0) {
		free(f);
		return -1;
	}
	strbuf_init(&f->err, 0);
	*state = f;
	return 0;
}

int tmpdir_setup_store(void **state)
{
	struct tmpdir_fixture *f;

	if (tmpdir_setup(state) < 0)
		return -1;
	f = *state;
	return tmpdir_store(f->dir, 0, NULL, &f->err);
}

int tmpdir_teardown(void **state)
{
	struct tmpdir_fixture *f = *state;

	if (tmpdir_remove(f->dir) < 0)
		return -1;
	strbuf_release(&f->err);
	free(f);
	return 0;
}
