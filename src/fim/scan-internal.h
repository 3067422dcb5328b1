/* scan-internal: what the walk (scan.c) and the hashing (scan-hash.c) share. */
#ifndef MAMORI_FIM_SCAN_INTERNAL_H
#define MAMORI_FIM_SCAN_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "base/strbuf.h"
#include "fim/scan.h"

/* Entries in flight between the walk and the callback; open files wait here for a hasher. */
#define RING 256
/*
 * A hashing thread's read() buffer: a web asset of 100-300 KiB in one or two reads, where
 * 64 KiB took four or five (9% of fim init's system calls on the bench tree); touched only as
 * far as files fill it.
 */
#define READ_BUF (256u << 10)
/* From this size on, the kernel is told the file is read sequentially (larger read-ahead). */
#define FADVISE_MIN (1u << 20)
/*
 * A file may be hashed through read-only mappings of MAP_CHUNK bytes (no copy out of the page
 * cache) from scan_map_min bytes on: MAP_MIN in the tests that exercise it, never by default.
 * On the machine the benchmarks run on (a paravirtualised VM, kernel 6.18) every page touched
 * through a new mapping costs more than copying it: 100 files of 4-5 MB took 0.75 CPU s
 * through mappings and 0.45 through read() (docs/fim.md).
 */
#define MAP_MIN   (2u << 20)
#define MAP_CHUNK (2u << 20)
extern uint64_t scan_map_min;
/* A sleeping hashing thread is woken for WAKE_JOBS files at once, or one larger than
 * INLINE_MAX: waking it for each small file would cost more than hashing the file. */
#define WAKE_JOBS  4
#define INLINE_MAX (32u << 10)
/* The walker's buffer for a directory's entries (getdents64). */
#define DENTS_BUF (32u << 10)
/* Attributes read through the object's own descriptor. */
#define NEEDS_FD                                                                                   \
	(FIM_BIT(FIM_ATTR_FLAGS) | FIM_BIT(FIM_ATTR_XATTRS) | FIM_BIT(FIM_ATTR_ACL) |              \
	 FIM_BIT(FIM_ATTR_SELINUX) | FIM_BIT(FIM_ATTR_CAPS))

enum slot_state { SLOT_FREE = 0, SLOT_PENDING, SLOT_DONE };

struct slot {
	enum slot_state state;
	int fd;           /* a regular file waiting to be hashed, or -1 */
	struct stat st;   /* its fstat when opened */
	bool want_prefix; /* growing: hash the first prefix_size bytes separately too */
	struct fim_entry e;
	struct strbuf path, link;
};

struct scan {
	const struct fim_config *c;
	const struct fim_scan_opts *o;
	struct fim_matcher *m;
	fim_entry_fn fn;
	void *arg;
	struct fim_scan_stats st;
	int ret; /* the callback's error, which stops the walk */
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	struct slot ring[RING];
	size_t head, tail; /* slots [head, tail) are in use (mod RING) */
	size_t jobs[RING];
	size_t job_head, job_tail; /* hashing jobs, FIFO */
	bool stop;
	bool waiting; /* the walker waits for the head to be hashed */
	int idle;     /* hashing threads waiting for a job */
	int nthreads;
	pthread_t threads[64];

	/* the walker's own hasher when nthreads == 0 */
	struct hasher *self;
	struct uring *opener; /* the walker's ring (open_ahead), or NULL */
	struct strbuf path;   /* the directory being walked */
	char *dents;          /* DENTS_BUF bytes for list_dir */
};

/* ---- scan-hash.c ---- */

/* A thread's SHA-256 contexts and read buffer (READ_BUF bytes). */
struct hasher;
struct hasher *scan_hasher_new(void);
void scan_hasher_free(struct hasher *h);
/* The xattr, ACL, SELinux and capability digests e's rule asks for, through fd or path. */
void scan_read_xattrs(struct hasher *h, int fd, const char *path, struct fim_entry *e);
/* The file flags (FS_IOC_GETFLAGS) when e's rule asks for them. */
void scan_read_flags(int fd, struct fim_entry *e);
/* Hashes the open file of slot s, checks it did not change while read, and closes it. */
void scan_hash_slot(struct hasher *h, struct slot *s, uint64_t *bytes);
/* What the ring read of a small file from its offset 0: n bytes at buf, or -errno. */
struct scan_preread {
	const unsigned char *buf;
	ssize_t n;
};
/* As scan_hash_slot, the content read already (read() goes on if it was short); the
 * descriptor is left open for the ring to close. */
void scan_hash_preread(struct hasher *h, struct slot *s, const struct scan_preread *pre,
                       uint64_t *bytes);
/*
 * Installs, for the process, the SIGBUS handler that lets a hashing thread survive a file
 * truncated under its mapping (else files are read, not mapped), unless it is in place.
 * fim_scan calls it before its threads start when files may be mapped (scan_map_min).
 */
void scan_map_prepare(void);
/*
 * For tests: called by a hashing thread after each piece of a file it hashed (MAP_CHUNK
 * mapped, or what one read gave), with the file's path and the bytes hashed so far, so a test
 * can cut the file short while it is read. Returning false after a mapped chunk makes the
 * next one fail to map (read() goes on). NULL otherwise.
 */
extern bool (*scan_hash_hook)(const char *path, uint64_t hashed, bool mapped);
/* ---- scan-ring.c ---- */

/*
 * A hashing thread's io_uring, for small files: up to URING_BATCH of them (URING_BUF bytes
 * together) read by one system call, and closed by the next, instead of a read and a close
 * each. NULL where io_uring is not built in, not in the kernel, or denied (a container's
 * seccomp, kernel.io_uring_disabled): read() and close() then, as before.
 */
#define URING_BATCH 8
#define URING_BUF   (64u << 10)
struct uring;
/* For tests: no thread uses io_uring (the rings are on by default). */
extern bool scan_uring_off;
/*
 * A hashing thread's (buffer: with URING_BUF bytes to read into), freed by that thread as it
 * ends: a ring made and closed by a thread that goes on has the kernel interrupt that thread's
 * next wait (scan-ring.c).
 */
struct uring *scan_uring_new(bool buffer);
/*
 * The walker's (no buffer): this thread's own, made on first use and kept until the thread
 * ends, never freed by the walk, even when the kernel refuses its operations: a ring closed by
 * a thread that goes on would have the kernel interrupt that thread's next wait (EINTR from a
 * socket read with a timeout). NULL as scan_uring_new.
 */
struct uring *scan_uring_walker(void);
/* Closes what is queued, waits for it and frees u. */
void scan_uring_free(struct uring *u);
/* Whether slot s may join a batch whose files hold used bytes. */
bool scan_uring_fits(const struct slot *s, size_t used);
/* Reads, hashes and checks the n files of v (as scan_hash_slot) and queues their closes. */
void scan_uring_hash(struct uring *u, struct hasher *h, struct slot **v, size_t n, uint64_t *bytes);
/*
 * The walker's: opens the n names (at most URING_OPENS) in dirfd with flags by one system
 * call; ret[i] is a descriptor or -errno. false (nothing opened) when the ring cannot.
 */
#define URING_OPENS 16
bool scan_uring_open(struct uring *u, int dirfd, const char *const *names, size_t n, int flags,
                     int *ret);
/* Whether closes wait to be submitted; scan_uring_flush submits them (before a thread sleeps). */
bool scan_uring_queued(const struct uring *u);
void scan_uring_flush(struct uring *u);

/* A hashing thread (pthread_create's start routine; arg is the struct scan). */
void *scan_worker(void *arg);

#endif
