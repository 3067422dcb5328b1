/* cmd-ledger-verify: `mamori ledger verify` and `mamori ledger export` (cmd-ledger.c's table). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "cli/cli.h"
#include "cli/cmd-ledger.h"
#include "core/attach.h"
#include "ledger/ledger.h"

/* ---- verify / export ---------------------------------------------------------------------- */

/*
 * The --checkpoint files read into extra (one strbuf each, the rest zeroed), up to the first
 * that cannot be read or is too large to be a checkpoint: said, and its negative errno.
 */
static int read_checkpoint_files(const struct string_list *files, struct strbuf *extra)
{
	int r = 0;

	for (int i = 0; i < files->nr && r == 0; i++) {
		strbuf_init(&extra[i], 0);
		r = strbuf_read_file(&extra[i], files->items[i], NOTE_MAX_SIZE + 1);
		if (r < 0)
			cli_error("cannot read checkpoint '%s': %s", files->items[i], strerror(-r));
		else if (extra[i].len > NOTE_MAX_SIZE) {
			cli_error("'%s' is too large to be a checkpoint", files->items[i]);
			r = -EFBIG;
		}
	}
	return r;
}

/* The line of a ledger that verifies: entries, time, checkpoints, payloads, attachments, root. */
static void ok_line(struct strbuf *out, const struct ledger_verify_result *res,
                    const struct attach_verify_result *ares, int64_t dt)
{
	strbuf_addf(out,
	            T_("ok: %" PRIu64 " entries (%.1f MB) re-hashed in %.2f s, %" PRIu64
	               " checkpoints consistent"),
	            res->entries, (double)res->bytes / 1e6, (double)dt / 1e9, res->checkpoints);
	if (res->sealed || res->erased)
		strbuf_addf(out, T_(", %" PRIu64 " sealed payloads match, %" PRIu64 " erased"),
		            res->sealed, res->erased);
	if (ares->files)
		strbuf_addf(out, T_(", %" PRIu64 " attachments (%" PRIu64 " files) match"),
		            ares->files, ares->blobs);
	strbuf_addstr(out, T_("; root "));
	b64_encode(out, res->root, MERKLE_HASH_SIZE);
	strbuf_addch(out, '\n');
}

int ledger_verify_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori ledger verify [--checkpoint FILE]... [--offline DIR]",
		N_("re-hashes every entry, rebuilds the tree and checks every checkpoint; each "
		   "--checkpoint FILE (kept elsewhere) must be consistent with the log"),
		NULL
	};
	struct string_list files = { 0 };
	const char *offline = NULL;
	const struct option opts[] = {
		OPT_STRING_LIST(0, "checkpoint", &files, "FILE",
		                "a signed checkpoint kept elsewhere (repeatable)"),
		OPT_STRING(0, "offline", &offline, "DIR",
		           "verify an export directory instead of the database"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, *extra = NULL;
	struct ledger_verify_result res;
	struct attach_verify_result ares = { 0 };
	int64_t t0 = time_mono_ns(), dt;
	int ret, r = 0;

	if (parse_options_count(argc, argv, opts, usage, 0, 0, &ret) < 0) {
		string_list_clear(&files);
		return ret;
	}
	extra = xcalloc((size_t)files.nr + 1, sizeof(*extra));
	r = read_checkpoint_files(&files, extra);
	if (r == 0) {
		if (offline) {
			r = ledger_verify_offline(offline, extra, (size_t)files.nr, &res, &err);
		} else {
			struct lctx l;
			r = lctx_open(ctx, &l);
			if (r == 0) {
				r = ledger_verify(l.lg, ctx->dir, extra, (size_t)files.nr, &res,
				                  &err);
				/* The files attachments name, against their rows and entries. */
				if (r == 0)
					r = attach_verify(l.st, l.lg, ctx->dir, &ares, &err);
				lctx_close(&l);
			} else {
				r = -EIO;
				strbuf_reset(&err);
			}
		}
		if (r < 0 && err.len)
			cli_error("verification failed: %s", err.buf);
	}
	dt = time_mono_ns() - t0;
	if (r == 0)
		ok_line(&out, &res, &ares, dt);
	for (int i = 0; i < files.nr; i++)
		strbuf_release(&extra[i]);
	free(extra);
	string_list_clear(&files);
	strbuf_release(&err);
	if (r < 0) {
		strbuf_release(&out);
		return EXIT_FAILED;
	}
	return print_done(&out);
}

int ledger_export_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori ledger export DIR",
		N_("writes a self-contained copy (C2SP tlog-tiles, checkpoints, verifier key, "
		   "README, "
		   "verify.py) that 'mamori ledger verify --offline DIR' or python3 checks"),
		NULL
	};
	const struct option opts[] = { OPT_END() };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct lctx l;
	int ret, r;

	if (parse_options_count(argc, argv, opts, usage, 1, 1, &ret) < 0)
		return ret;
	if (lctx_open(ctx, &l) < 0)
		return EXIT_FAILED;
	r = ledger_export(l.lg, ctx->dir, argv[0], &err);
	lctx_close(&l);
	if (r < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	strbuf_addf(&out,
	            T_("exported the ledger to '%s'; check it with 'python3 %s/verify.py %s'\n"),
	            argv[0], argv[0], argv[0]);
	strbuf_release(&err);
	return print_done(&out);
}
