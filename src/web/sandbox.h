/* sandbox: after `mamori serve` started the signer process (ledger/signer.h), its own threads
 * cannot open the ledger's signing key: Landlock (the kernel's, where it has it) lets this
 * process read every file but DIR/ledger.key. Called before any thread starts, since Landlock
 * binds the calling thread and the threads it creates later. */
#ifndef MAMORI_WEB_SANDBOX_H
#define MAMORI_WEB_SANDBOX_H

#include "base/strbuf.h"

/*
 * Seals dir's ledger.key off from this process: 1 when done, 0 when the kernel has no
 * Landlock (nothing changed), -errno with err. Files created later are readable only beneath
 * directories that existed at the call (other than the key's and its ancestors): the caller
 * first makes what it will write into (a private TMPDIR, DIR/attachments) and keeps the
 * database open (its -wal and -shm exist).
 */
int web_sandbox_seal_key(const char *dir, struct strbuf *err);
/*
 * When $TMPDIR (default /tmp) holds the data directory, files the server makes there later
 * would not be readable after the seal: a private directory is made in it (mkdtemp, into ret)
 * for the caller to use as TMPDIR. Otherwise (a TMPDIR beside it, or none usable) ret stays
 * empty.
 */
int web_sandbox_tmpdir(const char *dir, struct strbuf *ret, struct strbuf *err);

/*
 * `mamori serve`'s privilege separation, started before any thread of the server: the signer
 * process (ledger/signer.h), then what the server later writes and reads back (a connection
 * kept open so the database's -wal and -shm stay, DIR/attachments, a private TMPDIR when
 * needed), then the seal. Without ledger.key nothing is done. Prints what it did.
 */
struct store;
struct web_privsep {
	struct store *keep_st;
	struct strbuf tmpdir;
};
int web_privsep_start(const char *dir, struct web_privsep *ps, struct strbuf *err);
/* Stops the signer, closes the connection, removes the private TMPDIR (when empty). */
void web_privsep_stop(struct web_privsep *ps);

#endif
