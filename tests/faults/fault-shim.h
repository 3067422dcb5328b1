/*
 * fault-shim.h: what the fault shim's files share: fault-shim.c (the schedule, and the decision
 * on each call), fault-crash.c (op=crash) and fault-wrap.c (the calls it stands in for). All of it
 * hidden: the shim exports only the calls it wraps, so that nothing of its own takes the place of
 * a symbol of the program it is preloaded into.
 */
#ifndef MAMORI_FAULT_SHIM_H
#define MAMORI_FAULT_SHIM_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#pragma GCC visibility push(hidden)

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

/* The schedule, read and counted under mu (fault-shim.c). */
struct shim_state {
	pthread_mutex_t mu;
	bool loaded;
	struct rule r[MAX_RULES];
	int nr;
	long injected;
	struct timespec ctl_mtime;
	off_t ctl_size;
	struct timespec last_check;
};
extern struct shim_state S;

/* The calls wrapped, as libc has them (looked up when the shim is loaded). */
extern ssize_t (*real_write)(int, const void *, size_t);
extern ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
extern ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
extern ssize_t (*real_writev)(int, const struct iovec *, int);
extern ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
extern int (*real_fsync)(int);
extern int (*real_fdatasync)(int);
extern int (*real_sync_file_range)(int, off64_t, off64_t, unsigned int);
extern int (*real_open)(const char *, int, ...);
extern int (*real_open64)(const char *, int, ...);
extern int (*real_openat)(int, const char *, int, ...);
extern int (*real_openat64)(int, const char *, int, ...);
extern int (*real_ftruncate)(int, off_t);
extern int (*real_ftruncate64)(int, off64_t);
extern int (*real_rename)(const char *, const char *);
extern int (*real_renameat)(int, const char *, int, const char *);
extern int (*real_unlink)(const char *);
extern int (*real_unlinkat)(int, const char *, int);
extern int (*real_flock)(int, int);
extern int (*real_fchmod)(int, mode_t);

extern __thread int in_shim; /* the shim's own calls are never faulted */

/* Appends one line to MAMORI_FAULT_LOG (when set), in one write. */
void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* With S.mu held: (re)reads the schedule when it is new or its control file changed. */
void refresh(void);
/* The path fd names ("" when none). */
void fd_path(int fd, char *out, size_t len);
/*
 * Decides one call: 0 to let it through, else the errno to fail it with (-1: a short write).
 * path is the file's path (open) or NULL (look it up from fd).
 */
int decide(enum op op, int fd, const char *path);

/* op=crash (fault-crash.c): a write of len bytes at off (-1: at the descriptor's position) to
 * fd; fd's file cut to length; where a sync starts; a sync of fd's file that started at start
 * succeeded. */
void crash_write(int fd, off_t off, size_t len);
void crash_truncate(int fd, off_t length);
unsigned long crash_sync_start(void);
void crash_synced(int fd, unsigned long start);

#pragma GCC visibility pop

#endif
