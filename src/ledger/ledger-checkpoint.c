/* ledger-checkpoint: the ledger's signed checkpoints: read one, sign a new one. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"
#include "store/query.h"

int ledger_checkpoint_get(struct ledger *lg, uint64_t size, struct strbuf *ret_note,
                          struct strbuf *err)
{
	struct query *q;
	int r;

	if (size == UINT64_MAX)
		r = query_prepare(lg->st,
		                  "SELECT note FROM ledger_checkpoint ORDER BY size DESC LIMIT 1",
		                  &q, err);
	else
		r = query_prepare(lg->st, "SELECT note FROM ledger_checkpoint WHERE size = ?", &q,
		                  err);
	if (r < 0)
		return r;
	if (size != UINT64_MAX)
		query_bind_int(q, 1, (int64_t)size);
	r = query_step(q, err);
	if (r > 0) {
		const char *note = query_text(q, 0);
		strbuf_addstr(ret_note, note ? note : "");
		query_done(q);
		return 0;
	}
	if (r < 0)
		return r;
	if (size == UINT64_MAX)
		error_set(err, "no checkpoint has been signed yet");
	else
		error_set(err, "no checkpoint of size %" PRIu64 " is stored", size);
	return -ENOENT;
}

static int checkpoint_body(const struct strbuf *note, struct checkpoint *c, struct strbuf *err)
{
	struct note n;
	int r = note_parse(note->buf, note->len, &n, err);

	if (r < 0)
		return r;
	r = checkpoint_parse(n.text.buf, n.text.len, c, err);
	note_release(&n);
	return r;
}

static int sign_locked(struct ledger *lg, const char *dir, struct strbuf *ret_note,
                       struct strbuf *err)
{
	struct strbuf last = STRBUF_INIT, body = STRBUF_INIT, note = STRBUF_INIT,
	              vkey = STRBUF_INIT;
	struct checkpoint prev, cp;
	struct note_verifier key;
	uint8_t root[MERKLE_HASH_SIZE], check[MERKLE_HASH_SIZE];
	uint64_t size;
	struct query *q;
	int r;

	r = ledger_head(lg, &size, root, err);
	if (r < 0)
		goto out;
	/* The head must be the root of the stored tree, not just a row someone wrote. */
	r = ledger_root_at(lg, size, check, err);
	if (r < 0)
		goto out;
	if (memcmp(root, check, MERKLE_HASH_SIZE) != 0) {
		error_set(err, "the ledger head does not match its tiles; refusing to sign (run "
		               "'mamori ledger verify')");
		r = -EBADMSG;
		goto out;
	}
	r = ledger_checkpoint_get(lg, UINT64_MAX, &last, err);
	if (r == 0) {
		r = checkpoint_body(&last, &prev, err);
		if (r < 0)
			goto out;
		if (prev.size > size) {
			error_set(err,
			          "checkpoint %" PRIu64
			          " was signed but the ledger has only %" PRIu64
			          " entries: it was truncated or rolled back; refusing to sign",
			          prev.size, size);
			r = -EBADMSG;
			goto out;
		}
		r = ledger_root_at(lg, prev.size, check, err);
		if (r < 0)
			goto out;
		if (memcmp(check, prev.root, MERKLE_HASH_SIZE) != 0) {
			error_set(err,
			          "the ledger's first %" PRIu64
			          " entries no longer match checkpoint %" PRIu64
			          "; refusing to sign",
			          prev.size, prev.size);
			r = -EBADMSG;
			goto out;
		}
		if (prev.size == size) {
			if (ret_note)
				strbuf_add(ret_note, last.buf, last.len);
			r = 0;
			goto out;
		}
	} else if (r != -ENOENT) {
		goto out;
	}
	/* the public half names the log; the key itself may be in the signer process */
	r = ledger_load_verifier(dir, &key, err);
	if (r < 0)
		goto out;
	memset(&cp, 0, sizeof(cp));
	memcpy(cp.origin, key.name, sizeof(cp.origin));
	cp.size = size;
	memcpy(cp.root, root, MERKLE_HASH_SIZE);
	checkpoint_format(&cp, &body);
	r = ledger_sign_body(dir, body.buf, body.len, &note, err);
	if (r < 0)
		goto out;
	note_verifier_format(&key, &vkey);
	r = query_prepare(lg->st,
	                  "INSERT INTO ledger_checkpoint(size, note, signed_ms) VALUES (?, ?, ?)",
	                  &q, err);
	if (r < 0)
		goto out;
	query_bind_int(q, 1, (int64_t)size);
	query_bind_textn(q, 2, note.buf, note.len);
	query_bind_int(q, 3, time_now_ms());
	r = query_run(q, err);
	if (r < 0)
		goto out;
	r = query_prepare(lg->st,
	                  "INSERT INTO ledger_key(vkey, added_ms) VALUES (?, ?) "
	                  "ON CONFLICT (vkey) DO NOTHING",
	                  &q, err);
	if (r < 0)
		goto out;
	query_bind_textn(q, 1, vkey.buf, vkey.len);
	query_bind_int(q, 2, time_now_ms());
	r = query_run(q, err);
	if (r < 0)
		goto out;
	if (ret_note)
		strbuf_add(ret_note, note.buf, note.len);
	r = 0;
out:
	strbuf_release(&last);
	strbuf_release(&body);
	strbuf_release(&note);
	strbuf_release(&vkey);
	return r;
}

int ledger_checkpoint_sign(struct ledger *lg, const char *dir, struct strbuf *ret_note,
                           struct strbuf *err)
{
	int r;

	if (store_txn_depth(lg->st) > 0) {
		/* Inside a transaction the tree may not be committed yet: never sign it. */
		error_set(err, "a checkpoint is signed only outside a transaction (a bug in the "
		               "caller)");
		return -EINVAL;
	}
	r = store_begin(lg->st, err);
	if (r < 0)
		return r;
	r = sign_locked(lg, dir, ret_note, err);
	if (r == 0)
		r = store_commit(lg->st, err);
	if (r < 0)
		store_rollback(lg->st);
	return r;
}
