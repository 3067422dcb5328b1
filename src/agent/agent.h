/* agent: `mamori agent` on a ward's server: checks on a schedule, spooled and sent in order. */
#ifndef MAMORI_AGENT_AGENT_H
#define MAMORI_AGENT_AGENT_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/*
 * The agent is the same binary with the same base/ and fim/ code and no store (docs/fim.md,
 * "The agent"). Its state directory (--spool) holds its id, its baseline signing key, its
 * baselines and the deltas of its recent checks (fim/), and the spool of batches not yet
 * taken by the server (spool/). Every tick it checks, spools the result and sends the
 * spool oldest first; a batch leaves the spool only once the server answered 2xx for it, and
 * the server takes a batch id once, so nothing is lost or counted twice.
 */
struct agent_opts {
	const char *server; /* https://HOST:PORT */
	const char *pin;    /* SHA-256 of the server's certificate */
	const char *token_file;
	const char *fim_config; /* NULL: no file integrity checks (heartbeats only) */
	const char *state_dir;
	const char *host;          /* the name it reports; NULL: this machine's host name */
	const char *const *follow; /* log files to follow (--follow): POST /api/v1/logs */
	size_t n_follow;
	int64_t interval_s;
	int threads; /* hashing threads (-1: the configuration's, else 2) */
	size_t spool_max_bytes;
	size_t spool_max_files;
	bool once; /* one tick, then exit (cron, tests) */
	/* says a message (agent_say's format and arguments) in the reader's language: the CLI's
	 * cli_vsay; NULL: as written */
	void (*say)(struct strbuf *out, const char *fmt, va_list ap);
	volatile sig_atomic_t *stop;
};

#define AGENT_MAX_DELTAS 64 /* deltas of recent checks kept for acceptance */

/*
 * Runs until *stop (SIGTERM) or, with once, for one tick. Returns 0, or a negative code with
 * err when it cannot start (state directory, key, token, configuration) or, with once, when
 * its tick failed or was held (-EAGAIN: a check, heartbeat or log batch not taken or spooled,
 * a batch held from sending by the disk). Problems while running are printed and retried; the
 * server unreachable or answering an error is no failure (the batches wait in the spool).
 */
int agent_run(const struct agent_opts *o, struct strbuf *err);

#endif
