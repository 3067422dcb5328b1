/* follow: the agent's followed log files, read line by line across rotation and truncation. */
#ifndef MAMORI_AGENT_FOLLOW_H
#define MAMORI_AGENT_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/strbuf.h"

#define FOLLOW_MAX_LINE  (64u << 10) /* a longer line is cut (the server's limit) */
#define FOLLOW_MAX_BATCH (1u << 20)  /* bytes of new lines read per file per tick */

struct follow_file {
	char *path;
	int fd; /* -1: not open (the file is not there) */
	dev_t dev;
	ino_t ino;
	off_t off;             /* bytes of the open file taken (whole lines) */
	struct strbuf partial; /* an unfinished last line */
};

/*
 * STATE/follow.state: "dev ino offset path" per line, what was taken into the spool.
 * Taking a batch is three steps, so that a crash at any point loses no line and sends none
 * twice: follow_stage() writes the new offsets with the batch's number to
 * STATE/follow.pending (synced), the batch is spooled, follow_commit() renames the pending
 * file over the state. At start, follow_settle() keeps a pending file whose batch reached
 * the spool and drops one whose batch did not.
 */
struct follow_set {
	struct follow_file *files;
	size_t nr;
	char *state;
	char *pending;
	/* follow_commit failed: the new offsets are not durably the state yet. Until
	 * follow_recommit succeeds the agent stages no batch and sends no log batch: one sent
	 * now could be read and sent again after a restart (settle finds it gone). */
	bool uncommitted;
};

/* Resolves a pending batch left by a crash: batch_spooled(seq) says whether it was spooled. */
int follow_settle(const char *state_dir, bool (*batch_spooled)(void *arg, uint64_t seq), void *arg,
                  struct strbuf *err);

/* Opens the files, resuming at the offsets the state file kept for the same inodes. */
void follow_open(struct follow_set *f, const char *state_dir, const char *const *paths, size_t n);
void follow_close(struct follow_set *f);
/* Goes back to the offsets last committed (a batch that could not be spooled is read again). */
void follow_rewind(struct follow_set *f);

/*
 * Reads what the files gained since the last call: new lines of the open file, then, when
 * the path now names another file (rotated) or the file shrank (truncated), the rest of the
 * old one and the new one from its start. Calls fn for each complete line (without '\n';
 * at most FOLLOW_MAX_LINE bytes, cut flagged). Returns the number of lines.
 */
typedef void (*follow_line_fn)(void *arg, const struct follow_file *file, const char *line,
                               size_t len, bool cut);
size_t follow_read(struct follow_set *f, follow_line_fn fn, void *arg);

/* Writes the offsets read so far as pending batch seq (synced); see above. */
int follow_stage(struct follow_set *f, uint64_t seq, struct strbuf *err);
/* The pending offsets become the state (the batch is in the spool); sets uncommitted on
 * failure. */
int follow_commit(struct follow_set *f, struct strbuf *err);
/* Completes a failed commit (the rename if it was not made, the state directory's sync): 0
 * when nothing is outstanding any more. */
int follow_recommit(struct follow_set *f, struct strbuf *err);

#endif
