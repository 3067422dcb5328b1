/* verify-internal: the scan that verify.c runs for verify-db.c (the database) and verify-fs.c (an
 * export directory): the rebuilt tree, the checkpoints it is held against, the hashing pipeline. */
#ifndef MAMORI_LEDGER_VERIFY_INTERNAL_H
#define MAMORI_LEDGER_VERIFY_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"

/* A checkpoint to hold the rebuilt tree against, with the words that name it in messages. */
struct vcp {
	uint64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	char label[96];
};

/* The tile of each level that the scan is comparing against. */
struct vtile {
	bool loaded;
	uint64_t number;
	unsigned layers; /* node layers the source keeps: 8 in the database, 1 in an export */
	struct tile t;
};

/*
 * A source of tiles: fills t (fixed layout) and the number of layers it
 * holds; returns 1, 0 when missing, or -errno with err.
 */
typedef int (*tile_loader)(void *ctx, unsigned level, uint64_t number, struct tile *t,
                           unsigned *layers, struct strbuf *err);

struct vstate {
	struct merkle_hasher *h;
	struct merkle_range range;
	uint64_t n, bytes;
	struct vtile *tiles; /* TILE_LEVELS */
	tile_loader load;
	void *ctx;
	int ret;
	struct strbuf *err;
	struct vcp *cps;
	size_t ncp, next_cp;
	bool matched;        /* some checkpoint matched */
	uint64_t last_good;  /* size of the last checkpoint that matched */
	uint64_t good_below; /* size of the last one that matched below last_good */
};

/*
 * Bundles are checked in a two-stage pipeline: a worker thread validates and
 * leaf-hashes the next group of bundles while this thread reads rows and
 * builds the tree over the current group. Leaf hashing is most of the work,
 * so two cores verify nearly twice as fast; groups of JOB_BUNDLES keep the
 * hand-overs between the threads rare. Results are consumed strictly in
 * order, so the first bad entry is still the one reported.
 */
#define JOB_BUNDLES 16

enum bjob_err { BJOB_OK, BJOB_INVALID, BJOB_TRUNCATED, BJOB_TOO_MANY };

struct bjob {
	unsigned nb;                 /* bundles in the job */
	uint64_t n[JOB_BUNDLES];     /* their numbers */
	size_t off[JOB_BUNDLES + 1]; /* where each starts in data */
	struct strbuf data;          /* their bytes (a copy: the row cursor moves on) */
	unsigned count[JOB_BUNDLES]; /* entries that passed, per bundle */
	uint8_t leaves[JOB_BUNDLES][LEDGER_TILE_WIDTH][MERKLE_HASH_SIZE];
	size_t lens[JOB_BUNDLES][LEDGER_TILE_WIDTH];
	const uint8_t *seals[JOB_BUNDLES][LEDGER_TILE_WIDTH];
	enum bjob_err err; /* what stopped bundle err_at after count[err_at] entries */
	unsigned err_at;
	struct strbuf why;
};

struct bpipe {
	pthread_t thread;
	bool started, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct bjob *queued; /* handed to the worker, until it is done */
	struct merkle_hasher *h;
	struct bjob *jobs[2];
};

/* verify.c: the scan's steps (each function's comment is there) */
int fail(struct vstate *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void check_checkpoints(struct vstate *v);
void bjob_reset(struct bjob *j);
void bjob_add(struct bjob *j, uint64_t n, const void *data, size_t len);
void bpipe_init(struct bpipe *p);
void bpipe_submit(struct bpipe *p, struct bjob *j);
void bpipe_wait(struct bpipe *p, struct bjob *j);
void bpipe_release(struct bpipe *p);
int consume(struct vstate *v, struct bjob *j, unsigned b, const char *where);
void check_edges(struct vstate *v);
int cmp_vcp(const void *a, const void *b);
int add_checkpoint(struct vstate *v, const char *note, size_t len, const struct note_verifier *keys,
                   size_t nkeys, const char *label, uint64_t want_size, size_t *alloc);
void vstate_init(struct vstate *v, struct strbuf *err);
void vstate_release(struct vstate *v);
void fill_result(struct vstate *v, struct ledger_verify_result *ret);
void beyond_end(struct vstate *v);

#endif
