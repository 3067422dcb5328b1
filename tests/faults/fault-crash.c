/*
 * fault-crash: the fault shim's op=crash (fault-shim.c says what it does): what each write (and
 * ftruncate) of a watched file overwrites is kept until a sync makes it durable, and at the
 * scheduled write every write not made durable is undone and the process ends, as a power loss
 * would leave the disk.
 */
#undef _FILE_OFFSET_BITS
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault-shim.h"

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
void crash_write(int fd, off_t off, size_t len)
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
void crash_truncate(int fd, off_t length)
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
unsigned long crash_sync_start(void)
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
void crash_synced(int fd, unsigned long start)
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
