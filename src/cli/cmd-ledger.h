/* cmd-ledger: what `mamori ledger`'s files (cmd-ledger.c, cmd-ledger-verify.c) share. */
#ifndef MAMORI_CLI_CMD_LEDGER_H
#define MAMORI_CLI_CMD_LEDGER_H

#include "base/strbuf.h"
#include "cli/cli.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* An open data directory: the store and the ledger on it. */
struct lctx {
	struct store *st;
	struct ledger *lg;
};

/* Every ledger subcommand works on either store (docs/operations.md). */
int lctx_open(struct cli_ctx *ctx, struct lctx *l);
void lctx_close(struct lctx *l);
/* The ledger's machine formats (keys, notes, entry bytes, proofs) are printed exactly. */
int print_done(struct strbuf *out);

/* cmd-ledger-verify.c */
int ledger_verify_cmd(struct cli_ctx *ctx, int argc, const char **argv);
int ledger_export_cmd(struct cli_ctx *ctx, int argc, const char **argv);

#endif
