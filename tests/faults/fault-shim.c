/*
 * fault-shim: an LD_PRELOAD library that fails writes, fsyncs and opens on a schedule, so the
 * tests can see what Mamori does when the disk fails under it (tests/faults/, docs/testing.md).
 *
 * The schedule is one line, from MAMORI_FAULT or (re-read whenever it changes, so a running
 * server can be armed) from the file named by MAMORI_FAULT_CTL:
 *
 *	op=write|fsync|range|open|rename|unlink|flock|fchmod path=GLOB at=N [count=M]
 *	   errno=ENOSPC|EIO|EINTR|EACCES|ENOLCK|EOPNOTSUPP|EBADF|EWOULDBLOCK|short|stop
 *
 * The N-th call (from the moment the schedule was read) of op on a file whose path matches GLOB
 * fails, and the M-1 matching calls after it (count=0: every one from then on). errno=short
 * makes a write write half of what it was given and return that (a short write); EINTR fails
 * with EINTR (a caller must retry); stop fails nothing: the process stops itself (SIGSTOP)
 * just before the call, which goes through once a SIGCONT wakes it (a test runs something else
 * in between). "op=count" injects nothing and only counts matching calls. A schedule may hold
 * up to four such rules separated by ';', each with its own count; a call the first of them
 * fails is failed (so one run can fail, say, a put's directory sync and then its cleanup).
 * Each injected fault appends one line "op errno path" to MAMORI_FAULT_LOG, and each call
 * counted in count mode "count op path", so a test knows what happened.
 *
 * write covers write, pwrite, pwrite64, writev, pwritev; fsync covers fsync and fdatasync; range
 * covers sync_file_range (a writeback started or waited for, never a durability point: op=crash
 * does not count it as one; errno=short is an EIO there); open covers open, open64, openat and
 * openat64, for any flags; rename covers rename and renameat, its path being the file's old name
 * (a "short" rename is an EIO); unlink covers unlink and unlinkat (a directory's removal with
 * AT_REMOVEDIR too; a "short" one is an EIO); flock covers flock, its path being the locked
 * file's (ENOLCK, EOPNOTSUPP, EBADF: a file system that refuses flock; Linux's NFS and SMB
 * clients lock a directory on the host only, and succeed; a "short" one is an EIO); fchmod covers
 * fchmod, its path being the file's (a "short" one is an EIO).
 *
 *	op=crash path=GLOB at=N
 *
 * is a power loss at the N-th write to a file matching GLOB: until then, what each write (and
 * ftruncate) of a matching file overwrites is kept, until an fsync or fdatasync of that file
 * (by any descriptor) that started after it makes it durable. At the N-th write, before it is made,
 * every write not made durable is undone, newest first (the old bytes put back, the file cut back
 * to its size before), "crash N undone M" is logged, and the process ends at once with status 86:
 * the disk as a machine that lost its power would leave it (what only the page cache held is
 * gone). An SQLite -shm file is left alone (SQLite rebuilds it; it is never synced).
 *
 * This file reads the schedule and decides each call; fault-crash.c keeps and undoes op=crash's
 * writes; fault-wrap.c holds the calls the shim stands in for (fault-shim.h: what they share).
 */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault-shim.h"

struct shim_state S = { .mu = PTHREAD_MUTEX_INITIALIZER };

ssize_t (*real_write)(int, const void *, size_t);
ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
ssize_t (*real_writev)(int, const struct iovec *, int);
ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
int (*real_fsync)(int);
int (*real_fdatasync)(int);
int (*real_sync_file_range)(int, off64_t, off64_t, unsigned int);
int (*real_open)(const char *, int, ...);
int (*real_open64)(const char *, int, ...);
int (*real_openat)(int, const char *, int, ...);
int (*real_openat64)(int, const char *, int, ...);
int (*real_ftruncate)(int, off_t);
int (*real_ftruncate64)(int, off64_t);
int (*real_rename)(const char *, const char *);
int (*real_renameat)(int, const char *, int, const char *);
int (*real_unlink)(const char *);
int (*real_unlinkat)(int, const char *, int);
int (*real_flock)(int, int);
int (*real_fchmod)(int, mode_t);

__thread int in_shim;

__attribute__((constructor)) static void resolve(void)
{
	real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	real_pwrite = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
	real_pwrite64 =
	    (ssize_t(*)(int, const void *, size_t, off64_t))dlsym(RTLD_NEXT, "pwrite64");
	real_writev = (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
	real_pwritev =
	    (ssize_t(*)(int, const struct iovec *, int, off_t))dlsym(RTLD_NEXT, "pwritev");
	real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	real_sync_file_range =
	    (int (*)(int, off64_t, off64_t, unsigned int))dlsym(RTLD_NEXT, "sync_file_range");
	real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	real_open64 = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
	real_openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
	real_openat64 = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat64");
	real_ftruncate = (int (*)(int, off_t))dlsym(RTLD_NEXT, "ftruncate");
	real_ftruncate64 = (int (*)(int, off64_t))dlsym(RTLD_NEXT, "ftruncate64");
	real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	real_renameat = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
	real_unlink = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");
	real_unlinkat = (int (*)(int, const char *, int))dlsym(RTLD_NEXT, "unlinkat");
	real_flock = (int (*)(int, int))dlsym(RTLD_NEXT, "flock");
	real_fchmod = (int (*)(int, mode_t))dlsym(RTLD_NEXT, "fchmod");
}

void log_line(const char *fmt, ...)
{
	const char *path = getenv("MAMORI_FAULT_LOG");
	char line[PATH_MAX + 64];
	va_list ap;
	int fd, n;

	if (!path || !*path)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	fd = real_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)!real_write(fd, line,
		                  (size_t)n); /* one write with O_APPEND: lines never mix */
		close(fd);
	}
}

static enum op op_named(const char *v)
{
	return !strcmp(v, "write")    ? OP_WRITE
	       : !strcmp(v, "fsync")  ? OP_FSYNC
	       : !strcmp(v, "range")  ? OP_RANGE
	       : !strcmp(v, "open")   ? OP_OPEN
	       : !strcmp(v, "rename") ? OP_RENAME
	       : !strcmp(v, "unlink") ? OP_UNLINK
	       : !strcmp(v, "flock")  ? OP_FLOCK
	       : !strcmp(v, "fchmod") ? OP_FCHMOD
	       : !strcmp(v, "count")  ? OP_COUNT
	       : !strcmp(v, "crash")  ? OP_CRASH
	                              : OP_NONE;
}

static int err_named(const char *v)
{
	return !strcmp(v, "ENOSPC")        ? ENOSPC
	       : !strcmp(v, "EINTR")       ? EINTR
	       : !strcmp(v, "EACCES")      ? EACCES
	       : !strcmp(v, "ENOLCK")      ? ENOLCK
	       : !strcmp(v, "EOPNOTSUPP")  ? EOPNOTSUPP
	       : !strcmp(v, "EBADF")       ? EBADF
	       : !strcmp(v, "EWOULDBLOCK") ? EWOULDBLOCK
	       : !strcmp(v, "short")       ? ERR_SHORT
	       : !strcmp(v, "stop")        ? ERR_STOP
	                                   : EIO;
}

/* One rule of the schedule (the text between two ';'), into *u. */
static void parse_rule(char *text, struct rule *u)
{
	char *save = NULL;

	memset(u, 0, sizeof(*u));
	strcpy(u->glob, "*");
	u->at = 1;
	u->count = 1;
	u->err = EIO;
	for (char *t = strtok_r(text, " \t\n,", &save); t; t = strtok_r(NULL, " \t\n,", &save)) {
		char *v = strchr(t, '=');
		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(t, "op"))
			u->op = op_named(v);
		else if (!strcmp(t, "of"))
			u->count_of = op_named(v) < OP_COUNT ? op_named(v) : OP_NONE;
		else if (!strcmp(t, "path"))
			snprintf(u->glob, sizeof(u->glob), "%s", v);
		else if (!strcmp(t, "at"))
			u->at = strtol(v, NULL, 10);
		else if (!strcmp(t, "count"))
			u->count = strtol(v, NULL, 10);
		else if (!strcmp(t, "errno"))
			u->err = err_named(v);
	}
}

static void parse(const char *spec)
{
	char buf[MAX_RULES * (PATH_MAX + 128)], *save = NULL;

	S.nr = 0;
	snprintf(buf, sizeof(buf), "%s", spec ? spec : "");
	for (char *t = strtok_r(buf, ";", &save); t && S.nr < MAX_RULES;
	     t = strtok_r(NULL, ";", &save)) {
		parse_rule(t, &S.r[S.nr]);
		if (S.r[S.nr].op != OP_NONE)
			S.nr++;
	}
}

void refresh(void)
{
	const char *ctl = getenv("MAMORI_FAULT_CTL");
	struct timespec now;
	struct stat sb;

	if (!S.loaded) {
		S.loaded = true;
		parse(getenv("MAMORI_FAULT"));
	}
	if (!ctl || !*ctl)
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	if (now.tv_sec == S.last_check.tv_sec &&
	    now.tv_nsec - S.last_check.tv_nsec < 2 * 1000 * 1000)
		return;
	S.last_check = now;
	if (stat(ctl, &sb) < 0) {
		if (S.ctl_size != -1) {
			S.ctl_size = -1;
			parse(NULL);
		}
		return;
	}
	if (sb.st_mtim.tv_sec != S.ctl_mtime.tv_sec || sb.st_mtim.tv_nsec != S.ctl_mtime.tv_nsec ||
	    sb.st_size != S.ctl_size) {
		char spec[MAX_RULES * (PATH_MAX + 128)];
		int fd = real_open(ctl, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, spec, sizeof(spec) - 1) : -1;
		if (fd >= 0)
			close(fd);
		spec[n > 0 ? n : 0] = '\0';
		S.ctl_mtime = sb.st_mtim;
		S.ctl_size = sb.st_size;
		parse(spec);
	}
}

void fd_path(int fd, char *out, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, len - 1);
	out[n > 0 ? n : 0] = '\0';
}

static const char *op_name(enum op op)
{
	return op == OP_WRITE    ? "write"
	       : op == OP_FSYNC  ? "fsync"
	       : op == OP_RANGE  ? "range"
	       : op == OP_OPEN   ? "open"
	       : op == OP_RENAME ? "rename"
	       : op == OP_UNLINK ? "unlink"
	       : op == OP_FLOCK  ? "flock"
	                         : "fchmod";
}

static const char *err_name(int err)
{
	return err == ENOSPC        ? "ENOSPC"
	       : err == EINTR       ? "EINTR"
	       : err == EIO         ? "EIO"
	       : err == EACCES      ? "EACCES"
	       : err == ENOLCK      ? "ENOLCK"
	       : err == EOPNOTSUPP  ? "EOPNOTSUPP"
	       : err == EBADF       ? "EBADF"
	       : err == EWOULDBLOCK ? "EWOULDBLOCK"
	       : err == ERR_STOP    ? "stop"
	                            : "short";
}

/*
 * Decides one call: 0 to let it through, else the errno to fail it with (-1: a short write).
 * path is the file's path (open) or NULL (look it up from fd). Every rule that matches the call
 * counts it; the first whose turn it is decides.
 */
int decide(enum op op, int fd, const char *path)
{
	char buf[PATH_MAX];
	bool decided = false, stop = false;
	int ret = 0;

	if (in_shim)
		return 0;
	in_shim = 1;
	pthread_mutex_lock(&S.mu);
	refresh();
	for (int i = 0; i < S.nr; i++) {
		struct rule *u = &S.r[i];
		if ((u->op != op && u->op != OP_COUNT) ||
		    (u->op == OP_COUNT && u->count_of && u->count_of != op))
			continue;
		if (!path) {
			fd_path(fd, buf, sizeof(buf));
			path = buf;
		}
		if (fnmatch(u->glob, path, 0) != 0)
			continue;
		u->seen++;
		if (u->op == OP_COUNT) {
			log_line("count %s %s\n", op_name(op), path);
			continue;
		}
		if (decided || u->seen < u->at || (u->count > 0 && u->seen >= u->at + u->count))
			continue;
		decided = true;
		S.injected++;
		log_line("%s %s %s\n", op_name(op), err_name(u->err), path);
		if (u->err == ERR_STOP)
			stop = true;
		else
			ret = u->err ? u->err : -1;
	}
	pthread_mutex_unlock(&S.mu);
	in_shim = 0;
	if (stop)
		raise(SIGSTOP);
	return ret;
}
