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
 *every write not made durable is undone, newest first (the old bytes put back, the file cut back to
 *its size before), "crash N undone M" is logged, and the process ends at once with status 86: the
 *disk as a machine that lost its power would leave it (what only the page cache held is gone). An
 * SQLite -shm file is left alone (SQLite rebuilds it; it is never synced).
 */
/* Both pwrite and pwrite64 are defined here: not the one the other is renamed to. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum op {
	OP_NONE,
	OP_WRITE,
	OP_FSYNC,
	OP_RANGE,
	OP_OPEN,
	OP_RENAME,
	OP_UNLINK,
	OP_FLOCK,
	OP_FCHMOD,
	OP_COUNT,
	OP_CRASH
};

#define ERR_SHORT 0  /* a short write */
#define ERR_STOP  -2 /* the process stops itself (SIGSTOP) */
#define MAX_RULES 4

struct rule {
	enum op op;
	enum op count_of; /* op=count: which calls to count (0: all) */
	char glob[PATH_MAX];
	long at, count, seen;
	int err; /* an errno, ERR_SHORT or ERR_STOP */
};

static struct {
	pthread_mutex_t mu;
	bool loaded;
	struct rule r[MAX_RULES];
	int nr;
	long injected;
	struct timespec ctl_mtime;
	off_t ctl_size;
	struct timespec last_check;
} S = { .mu = PTHREAD_MUTEX_INITIALIZER };

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_sync_file_range)(int, off64_t, off64_t, unsigned int);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off64_t);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_flock)(int, int);
static int (*real_fchmod)(int, mode_t);

static __thread int in_shim; /* the shim's own calls are never faulted */

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

static void log_line(const char *fmt, ...)
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

/* With S.mu held: (re)reads the schedule when it is new or its control file changed. */
static void refresh(void)
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

static void fd_path(int fd, char *out, size_t len)
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
static int decide(enum op op, int fd, const char *path)
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

/* op=crash: the writes to matching files that no sync has made durable yet, oldest first. */
#define CRASH_STATUS 86
#define CRASH_FILES  16
struct undo {
	unsigned long seq;      /* the order writes were made in */
	int file;               /* index in C.path */
	off_t off, size_before; /* where the write went; the file's size before it */
	size_t len;             /* old bytes kept (those of the file the write overwrote) */
	unsigned char *old;
};
static struct {
	char path[CRASH_FILES][PATH_MAX];
	int files;
	struct undo *u;
	size_t n, cap;
	unsigned long seq; /* the next write's */
} C;

static int crash_file(const char *path)
{
	for (int i = 0; i < C.files; i++)
		if (!strcmp(C.path[i], path))
			return i;
	if (C.files == CRASH_FILES)
		abort(); /* a test's own limit */
	snprintf(C.path[C.files], PATH_MAX, "%s", path);
	return C.files++;
}

/* With S.mu held: keeps what [off, off + len) of path holds now, and its size. */
static void remember(const char *path, off_t off, size_t len)
{
	struct undo u = { .seq = C.seq++, .file = crash_file(path), .off = off };
	struct stat sb;
	int fd = real_open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) < 0)
		abort();
	u.size_before = sb.st_size;
	if (off < sb.st_size)
		u.len = (size_t)(sb.st_size - off) < len ? (size_t)(sb.st_size - off) : len;
	if (u.len) {
		u.old = malloc(u.len);
		if (!u.old || pread(fd, u.old, u.len, off) != (ssize_t)u.len)
			abort();
	}
	close(fd);
	if (C.n == C.cap) {
		C.cap = C.cap ? 2 * C.cap : 256;
		C.u = realloc(C.u, C.cap * sizeof(*C.u));
		if (!C.u)
			abort();
	}
	C.u[C.n++] = u;
}

/* With S.mu held: the schedule's op=crash rule, or NULL. */
static struct rule *crash_rule(void)
{
	for (int i = 0; i < S.nr; i++)
		if (S.r[i].op == OP_CRASH)
			return &S.r[i];
	return NULL;
}

/* With S.mu held: undoes every write not made durable, newest first, and ends the process. */
__attribute__((noreturn)) static void crash_now(long seen)
{
	for (size_t i = C.n; i-- > 0;) {
		struct undo *u = &C.u[i];
		int fd = real_open(C.path[u->file], O_WRONLY | O_CLOEXEC);

		if (fd < 0 ||
		    (u->len && real_pwrite(fd, u->old, u->len, u->off) != (ssize_t)u->len) ||
		    real_ftruncate(fd, u->size_before) < 0)
			abort();
		close(fd);
	}
	log_line("crash %ld undone %zu\n", seen, C.n);
	_exit(CRASH_STATUS);
}

/* With S.mu held: the op=crash rule watching fd's file (NULL: none); its path in path. */
static struct rule *crash_watches(int fd, char *path, size_t len)
{
	struct rule *u;
	size_t n;

	refresh();
	u = crash_rule();
	if (!u)
		return NULL;
	fd_path(fd, path, len);
	n = strlen(path);
	if (fnmatch(u->glob, path, 0) != 0 || (n > 4 && !strcmp(path + n - 4, "-shm")))
		return NULL;
	return u;
}

/* op=crash: a write of len bytes at off (-1: at the descriptor's position) to fd. */
static void crash_write(int fd, off_t off, size_t len)
{
	char path[PATH_MAX];
	struct rule *u;

	if (in_shim)
		return;
	in_shim = 1;
	pthread_mutex_lock(&S.mu);
	if ((u = crash_watches(fd, path, sizeof(path)))) {
		if (++u->seen >= u->at)
			crash_now(u->seen);
		remember(path, off < 0 ? lseek(fd, 0, SEEK_CUR) : off, len);
	}
	pthread_mutex_unlock(&S.mu);
	in_shim = 0;
}

/* op=crash: fd's file cut to length (its tail is kept). */
static void crash_truncate(int fd, off_t length)
{
	char path[PATH_MAX];
	struct stat sb;

	if (in_shim)
		return;
	in_shim = 1;
	pthread_mutex_lock(&S.mu);
	if (crash_watches(fd, path, sizeof(path)))
		remember(path, length,
		         fstat(fd, &sb) == 0 && sb.st_size > length ? (size_t)(sb.st_size - length)
		                                                    : 0);
	pthread_mutex_unlock(&S.mu);
	in_shim = 0;
}

/* op=crash: where a sync starts: the writes it covers are those made before. */
static unsigned long crash_sync_start(void)
{
	unsigned long seq;

	pthread_mutex_lock(&S.mu);
	seq = C.seq;
	pthread_mutex_unlock(&S.mu);
	return seq;
}

/*
 * op=crash: a sync of fd's file that started at start succeeded: the writes made before it
 * started are durable (not those made while it ran: the ledger's syncer syncs while the
 * writer commits the next batch).
 */
static void crash_synced(int fd, unsigned long start)
{
	char path[PATH_MAX];
	size_t k = 0;
	int file = -1;

	if (in_shim)
		return;
	in_shim = 1;
	pthread_mutex_lock(&S.mu);
	if (crash_watches(fd, path, sizeof(path))) {
		for (int i = 0; i < C.files; i++)
			if (!strcmp(C.path[i], path))
				file = i;
		for (size_t i = 0; i < C.n; i++) {
			if (C.u[i].file == file && C.u[i].seq < start)
				free(C.u[i].old);
			else
				C.u[k++] = C.u[i];
		}
		C.n = k;
	}
	pthread_mutex_unlock(&S.mu);
	in_shim = 0;
}

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
