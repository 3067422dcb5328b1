/* scan: walks the configured paths safely and hashes files with worker threads, in order. */
#ifndef MAMORI_FIM_SCAN_H
#define MAMORI_FIM_SCAN_H

#include <stdint.h>

#include "base/strbuf.h"
#include "fim/config.h"
#include "fim/fim.h"

/*
 * Called for each checked entry, in fim_path_cmp order, from the calling thread. The entry
 * and its strings are valid during the call only. A negative return stops the scan and is
 * returned by fim_scan.
 */
typedef int (*fim_entry_fn)(void *arg, const struct fim_entry *e);
/*
 * Called for what cannot become an entry: a name whose path is too long, a name that could
 * not be looked at (errno), a directory whose listing failed part way. path is the name's
 * full path (cut at FIM_PATH_MAX) or the directory's.
 */
typedef void (*fim_problem_fn)(void *arg, const char *path, size_t len, enum fim_problem what,
                               int err);
/*
 * Check mode, for growing files: returns 1 and the size the baseline has for path, or 0.
 * Called in path order.
 */
typedef int (*fim_prefix_fn)(void *arg, const char *path, size_t len, uint64_t *ret_size);

struct fim_scan_opts {
	int threads; /* hashing threads: -1 for the config's num_workers (default 2); 0 hashes in
	                the calling thread */
	fim_problem_fn problem;
	fim_prefix_fn prefix;
	void *arg; /* for problem and prefix */
};

struct fim_scan_stats {
	uint64_t entries;    /* checked entries reported */
	uint64_t hashed;     /* files whose content was hashed */
	uint64_t bytes;      /* bytes hashed */
	uint64_t problems;   /* entries with a problem and problem calls */
	uint64_t dirs;       /* directories listed */
	uint64_t ring;       /* small files read through io_uring (scan-internal.h) */
	uint64_t ring_opens; /* files the walker opened through io_uring */
};

/*
 * Walks from "/" where the rules lead, without following symbolic links (every open is
 * openat with O_NOFOLLOW, and O_NOATIME where the file's owner allows it), hashing regular
 * files in worker threads. FIFOs, sockets and devices are recorded from lstat and never
 * opened. A file whose size or times changed while it was read is reported FIM_UNSTABLE;
 * permission denied and vanished files are not fatal. Returns 0, the callback's negative
 * code, or -ENOMEM/-EAGAIN (threads) with err set.
 */
int fim_scan(const struct fim_config *c, const struct fim_scan_opts *o, fim_entry_fn fn, void *arg,
             struct fim_scan_stats *stats, struct strbuf *err);

#endif
