/* baseline: the signed binary file of a baseline generation (and of a check's delta). */
#ifndef MAMORI_FIM_BASELINE_H
#define MAMORI_FIM_BASELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "fim/fim.h"
#include "fim/key.h"

/*
 * Format (docs/fim.md; integers big-endian):
 *   "MMRIFIM", kind ('B' baseline, 'D' delta), version 1
 *   generation u64, created_ms i64, config SHA-256 [32], host u16+bytes, config u16+bytes
 *   records: tag u8, length u32, entry (path u16+bytes, attrs u32, type u8, digests u8,
 *     problem u8, 0 u8, err u32, mode uid gid flags u32, size blocks inode nlink rdev u64,
 *     mtime atime ctime i64 (ns), link u16+bytes, one 32-byte digest per digests bit)
 *     in fim_path_cmp order, each path once; a baseline's tag is 'E'; a delta's is
 *     'A' (added), 'C' (changed: the new entry) or 'R' (removed: the old entry)
 *   trailer: 'Z', record count u64, SHA-256 of every byte before it [32] (the body digest),
 *     Ed25519 public key [32], signature [64] of "mamori-fim-baseline-v1\0" + body digest
 * Nothing may follow. The file's own SHA-256 is what the ledger records.
 */
#define FIM_BASELINE_KIND 'B'
#define FIM_DELTA_KIND    'D'
#define FIM_HOST_MAX      255

struct fim_baseline_info {
	char kind;
	uint64_t generation;
	int64_t created_ms;
	uint8_t config_sha256[32];
	char host[FIM_HOST_MAX + 1];
	char config[FIM_PATH_MAX + 1];
	/* Known once the trailer has been read (or when the file was verified at open). */
	uint64_t count;
	uint8_t pub[FIM_KEY_SIZE];
	uint8_t file_sha256[32]; /* of the whole file, for files opened with fim_br_open_file */
};

struct fim_baseline_writer;
/* Starts path.tmp (0600); fim_bw_finish renames it over path. */
int fim_bw_open(const char *path, const struct fim_baseline_info *h,
                struct fim_baseline_writer **ret, struct strbuf *err);
/* Writes into memory instead (deltas kept in the store, tests): fim_bw_finish_mem. */
struct fim_baseline_writer *fim_bw_open_mem(const struct fim_baseline_info *h);
/*
 * A writer whose header is not known yet (fim init walks while the door opens): records wait
 * in memory (fim_bw_buffered bytes) until fim_bw_begin writes the header, then them, into
 * path.tmp as fim_bw_open would have.
 */
struct fim_baseline_writer *fim_bw_open_later(void);
int fim_bw_begin(struct fim_baseline_writer *w, const char *path, const struct fim_baseline_info *h,
                 struct strbuf *err);
size_t fim_bw_buffered(const struct fim_baseline_writer *w);
/* Adds one record; paths must come in fim_path_cmp order. -EINVAL (order, limits) or -EIO. */
int fim_bw_add(struct fim_baseline_writer *w, char tag, const struct fim_entry *e,
               struct strbuf *err);
/* Writes the trailer, signs with key, syncs and renames; frees w either way. */
int fim_bw_finish(struct fim_baseline_writer *w, const struct fim_key *key,
                  uint8_t ret_file_sha256[32], struct strbuf *err);
int fim_bw_finish_mem(struct fim_baseline_writer *w, const struct fim_key *key, struct strbuf *out,
                      struct strbuf *err);
void fim_bw_abort(struct fim_baseline_writer *w);
uint64_t fim_bw_count(const struct fim_baseline_writer *w);

enum fim_br_flags {
	FIM_BR_NO_SIGNATURE = 1 << 0, /* do not check the signature (fuzzing) */
};

struct fim_baseline_reader;
/*
 * Opens a file: first checks the whole file (its SHA-256 against expect_sha256 when given,
 * the body digest, and the signature, by expect_pub when given), then reads it record by
 * record. -ENOENT, -EIO, or -EBADMSG (damaged, altered or foreign) with err saying where.
 */
int fim_br_open_file(const char *path, const uint8_t *expect_sha256, const uint8_t *expect_pub,
                     struct fim_baseline_reader **ret, struct strbuf *err);
/* Reads from memory (borrowed until fim_br_close). */
int fim_br_open_mem(const void *buf, size_t len, const uint8_t *expect_pub, unsigned flags,
                    struct fim_baseline_reader **ret, struct strbuf *err);
const struct fim_baseline_info *fim_br_info(const struct fim_baseline_reader *r);
/*
 * The next record: returns 1 with its tag and entry (valid until the next call), 0 at a
 * trailer that checked, or -EBADMSG/-EIO with err set. Every field is validated.
 */
int fim_br_next(struct fim_baseline_reader *r, char *ret_tag, struct fim_entry *ret,
                struct strbuf *err);
void fim_br_close(struct fim_baseline_reader *r);

/* Copies an entry's strings into owned storage (fim_entry_copy_release frees them). */
void fim_entry_copy(struct fim_entry *dst, const struct fim_entry *src);
void fim_entry_copy_release(struct fim_entry *e);

#endif
