/*
 * fault-wrap: the calls the fault shim stands in for (fault-shim.c says which op covers which):
 * each asks the schedule (decide) and op=crash, then fails as told or calls libc's.
 */
/* Both pwrite and pwrite64 are defined here: not the one the other is renamed to. */
#undef _FILE_OFFSET_BITS
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault-shim.h"

static size_t iov_len(const struct iovec *iov, int n)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	int f;

	crash_write(fd, -1, len);
	f = decide(OP_WRITE, fd, NULL);

	if (f > 0) {
		errno = f;
		return -1;
	}
	if (f < 0 && len > 1)
		return real_write(fd, buf, len / 2);
	return real_write(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	int f;

	crash_write(fd, off, len);
	f = decide(OP_WRITE, fd, NULL);

	if (f > 0) {
		errno = f;
		return -1;
	}
	if (f < 0 && len > 1)
		return real_pwrite(fd, buf, len / 2, off);
	return real_pwrite(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	int f;

	crash_write(fd, (off_t)off, len);
	f = decide(OP_WRITE, fd, NULL);

	if (f > 0) {
		errno = f;
		return -1;
	}
	if (f < 0 && len > 1)
		return real_pwrite64(fd, buf, len / 2, off);
	return real_pwrite64(fd, buf, len, off);
}

/* A short vectored write: the first half of the first buffer. */
ssize_t writev(int fd, const struct iovec *iov, int n)
{
	int f;

	crash_write(fd, -1, iov_len(iov, n));
	f = decide(OP_WRITE, fd, NULL);

	if (f > 0) {
		errno = f;
		return -1;
	}
	if (f < 0 && n > 0 && iov[0].iov_len > 1)
		return real_write(fd, iov[0].iov_base, iov[0].iov_len / 2);
	return real_writev(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	int f;

	crash_write(fd, off, iov_len(iov, n));
	f = decide(OP_WRITE, fd, NULL);

	if (f > 0) {
		errno = f;
		return -1;
	}
	if (f < 0 && n > 0 && iov[0].iov_len > 1)
		return real_pwrite(fd, iov[0].iov_base, iov[0].iov_len / 2, off);
	return real_pwritev(fd, iov, n, off);
}

int fsync(int fd)
{
	int f = decide(OP_FSYNC, fd, NULL);
	unsigned long start;

	if (f > 0) {
		errno = f;
		return -1;
	}
	start = crash_sync_start();
	f = real_fsync(fd);
	if (f == 0)
		crash_synced(fd, start);
	return f;
}

int fdatasync(int fd)
{
	int f = decide(OP_FSYNC, fd, NULL);
	unsigned long start;

	if (f > 0) {
		errno = f;
		return -1;
	}
	start = crash_sync_start();
	f = real_fdatasync(fd);
	if (f == 0)
		crash_synced(fd, start);
	return f;
}

int sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
	int f = decide(OP_RANGE, fd, NULL);

	if (f) {
		errno = f > 0 ? f : EIO;
		return -1;
	}
	return real_sync_file_range(fd, off, n, flags);
}

int ftruncate(int fd, off_t length)
{
	crash_truncate(fd, length);
	return real_ftruncate(fd, length);
}

int ftruncate64(int fd, off64_t length)
{
	crash_truncate(fd, (off_t)length);
	return real_ftruncate64(fd, length);
}

/* An open's or a rename's fate (op, path the name opened or renamed); a short one is an EIO. */
static int path_fault(enum op op, int dirfd, const char *path)
{
	char abs[PATH_MAX];
	int f;

	if (!path)
		return 0;
	if (path[0] != '/' && dirfd == AT_FDCWD && getcwd(abs, sizeof(abs))) {
		size_t l = strlen(abs);
		snprintf(abs + l, sizeof(abs) - l, "/%s", path);
		path = abs;
	}
	f = decide(op, -1, path);
	return f < 0 ? EIO : f;
}

/* A call the schedule fails: its errno (a short one, -1, is an EIO), and -1 returned. */
#define FAIL_IF(f)                                                                                 \
	do {                                                                                       \
		if (f) {                                                                           \
			errno = (f) > 0 ? (f) : EIO;                                               \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)

#define OPEN_BODY(call)                                                                            \
	mode_t mode = 0;                                                                           \
	int f;                                                                                     \
	if (flags & (O_CREAT | O_TMPFILE)) {                                                       \
		va_list ap;                                                                        \
		va_start(ap, flags);                                                               \
		mode = (mode_t)va_arg(ap, int);                                                    \
		va_end(ap);                                                                        \
	}                                                                                          \
	f = call;                                                                                  \
	FAIL_IF(f);

int open(const char *path, int flags, ...)
{
	OPEN_BODY(path_fault(OP_OPEN, AT_FDCWD, path));
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	OPEN_BODY(path_fault(OP_OPEN, AT_FDCWD, path));
	return real_open64(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	OPEN_BODY(path_fault(OP_OPEN, dirfd, path));
	return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	OPEN_BODY(path_fault(OP_OPEN, dirfd, path));
	return real_openat64(dirfd, path, flags, mode);
}

int rename(const char *old, const char *new)
{
	int f = path_fault(OP_RENAME, AT_FDCWD, old);

	FAIL_IF(f);
	return real_rename(old, new);
}

int renameat(int olddirfd, const char *old, int newdirfd, const char *new)
{
	int f = path_fault(OP_RENAME, olddirfd, old);

	FAIL_IF(f);
	return real_renameat(olddirfd, old, newdirfd, new);
}

int unlink(const char *path)
{
	int f = path_fault(OP_UNLINK, AT_FDCWD, path);

	FAIL_IF(f);
	return real_unlink(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	int f = path_fault(OP_UNLINK, dirfd, path);

	FAIL_IF(f);
	return real_unlinkat(dirfd, path, flags);
}

int flock(int fd, int operation)
{
	int f = decide(OP_FLOCK, fd, NULL);

	FAIL_IF(f);
	return real_flock(fd, operation);
}

int fchmod(int fd, mode_t mode)
{
	int f = decide(OP_FCHMOD, fd, NULL);

	FAIL_IF(f);
	return real_fchmod(fd, mode);
}
