/* signer: the ledger's signing key in a process of its own (issue 11, privilege separation).
 * `mamori serve` forks it at start: it reads ledger.key, and answers over a socketpair with
 * fixed-size, length-checked messages: "sign this checkpoint body" (origin, size, root and
 * extension lines whose origin is the key's name), nothing else. The serving process keeps no
 * copy of the key, and its workers cannot open the file (web/sandbox.c, Landlock). */
#ifndef MAMORI_LEDGER_SIGNER_H
#define MAMORI_LEDGER_SIGNER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

#define SIGNER_MAX_BODY 1024 /* a checkpoint body with a few extension lines */
#define SIGNER_MAX_NOTE 2048 /* the signed note */

/*
 * Starts the signer for dir. 0 when it runs; -ENOENT when dir has no ledger.key (nothing to
 * sign with: checkpoints are then not signed by this process); -errno otherwise.
 */
int ledger_signer_start(const char *dir, struct strbuf *err);
/* Stops it (closing the socket ends it) and waits for it. */
void ledger_signer_stop(void);
/* The signer process's id, or 0 when none runs. */
int ledger_signer_pid(void);

/*
 * Signs a checkpoint body: through the signer process when it runs, else with dir's key read
 * here (the command line). The signed note is appended to note.
 */
int ledger_sign_body(const char *dir, const char *body, size_t len, struct strbuf *note,
                     struct strbuf *err);
/* Whether this process can sign for dir: the signer runs, or the key file is readable. */
bool ledger_can_sign(const char *dir);

#endif
