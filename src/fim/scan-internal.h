/* scan-internal: what the walk (scan.c) and the hashing (scan-hash.c) share. */
#ifndef MAMORI_FIM_SCAN_INTERNAL_H
#define MAMORI_FIM_SCAN_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "base/strbuf.h"
#include "fim/scan.h"

/* Entries in flight between the walk and the callback; open files wait here for a hasher. */
#define RING     256
#define READ_BUF (64u << 10)
/* From this size on, the kernel is told the file is read sequentially (larger read-ahead). */
#define FADVISE_MIN (1u << 20)
/* Files up to this size are hashed by the walking thread itself. */
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
	int nthreads;
	pthread_t threads[64];

	/* the walker's own hasher when nthreads == 0 */
	struct hasher *self;
	struct strbuf path; /* the directory being walked */
	char *dents;        /* DENTS_BUF bytes for list_dir */
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
/* A hashing thread (pthread_create's start routine; arg is the struct scan). */
void *scan_worker(void *arg);

#endif
