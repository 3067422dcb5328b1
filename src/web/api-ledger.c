/* api-ledger: the ledger over HTTP: checkpoint, inclusion and consistency proofs, entries. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/parse.h"
#include "ledger/ledger.h"
#include "web/api.h"
#include "web/route.h"
#include "web/ui.h"

json_t *api_body(struct web_req *r)
{
	json_error_t jerr;
	json_t *j;
	struct strbuf msg = STRBUF_INIT;

	if (!r->content_type || strncasecmp(r->content_type, "application/json", 16)) {
		web_api_error(r, 415, "send the body as Content-Type: application/json");
		return NULL;
	}
	j = json_loadb(r->body.buf, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		strbuf_addf(&msg, "the body is not valid JSON (line %d, column %d): %s", jerr.line,
		            jerr.column, jerr.text);
		web_api_error(r, 400, msg.buf);
		strbuf_release(&msg);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		web_api_error(r, 400, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

const char *api_str(json_t *obj, const char *key, int *bad)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		if (bad)
			*bad = -1;
		return NULL;
	}
	return json_string_value(v);
}

void api_begin(struct web_req *r, struct json_writer *w, int status)
{
	web_json_begin(r);
	r->status = status;
	jw_init(w, &r->out);
}

static int ledger_or_error(struct web_req *r, struct ledger **lg)
{
	struct strbuf err = STRBUF_INIT;
	int ret = web_thread_ledger(r, lg, &err);

	if (ret < 0)
		web_error(r, 503, err.buf);
	strbuf_release(&err);
	return ret;
}

/* The size of the latest checkpoint (proofs default to it, as `mamori ledger proof`). */
static int latest_size(struct web_req *r, struct ledger *lg, uint64_t *ret)
{
	struct strbuf note = STRBUF_INIT, err = STRBUF_INIT;
	struct checkpoint cp;
	struct note n = { .text = STRBUF_INIT };
	int rc = ledger_checkpoint_get(lg, UINT64_MAX, &note, &err);

	/* The body of the signed note is the checkpoint. */
	if (rc == 0)
		rc = note_parse(note.buf, note.len, &n, &err);
	if (rc == 0)
		rc = checkpoint_parse(n.text.buf, n.text.len, &cp, &err);
	if (rc == 0)
		*ret = cp.size;
	else
		web_api_error(r, 404, "no checkpoint yet; give size=N");
	note_release(&n);
	strbuf_release(&note);
	strbuf_release(&err);
	return rc;
}

static int query_u64(struct web_req *r, const char *name, bool required, uint64_t *ret)
{
	const char *v = web_query(r, name);
	struct strbuf msg = STRBUF_INIT;

	if (!v && !required)
		return 1;
	if (!v || parse_uint64(v, UINT64_MAX - 1, ret) < 0) {
		strbuf_addf(&msg, "query parameter '%s' must be a non-negative integer", name);
		web_api_error(r, 400, msg.buf);
		strbuf_release(&msg);
		return -EINVAL;
	}
	return 0;
}

static void proof_array(struct json_writer *w, uint8_t proof[][MERKLE_HASH_SIZE], size_t n)
{
	struct strbuf b = STRBUF_INIT;

	jw_key(w, "proof");
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&b);
		b64_encode(&b, proof[i], MERKLE_HASH_SIZE);
		jw_string(w, b.buf);
	}
	jw_array_end(w);
	strbuf_release(&b);
}

void api_ledger_checkpoint(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT;
	struct ledger *lg;
	uint64_t size = UINT64_MAX;
	int rc;

	if (ledger_or_error(r, &lg) < 0 || query_u64(r, "size", false, &size) < 0)
		goto out;
	strbuf_reset(&r->out);
	rc = ledger_checkpoint_get(lg, size, &r->out, &err);
	if (rc == -ENOENT) {
		web_api_error(r, 404, "no checkpoint of that size");
	} else if (rc < 0) {
		web_error(r, 503, err.buf);
	} else {
		r->status = 200;
		r->content_type_out = "text/plain; charset=utf-8";
	}
out:
	strbuf_release(&err);
}

void api_ledger_proof(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, b = STRBUF_INIT;
	struct json_writer w;
	struct ledger *lg;
	uint64_t index, size;
	uint8_t leaf[MERKLE_HASH_SIZE], proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	size_t n;
	int rc;

	if (ledger_or_error(r, &lg) < 0 || query_u64(r, "index", true, &index) < 0)
		goto out;
	rc = query_u64(r, "size", false, &size);
	if (rc < 0 || (rc == 1 && latest_size(r, lg, &size) < 0))
		goto out;
	if (index >= size) {
		web_api_error(r, 400, "index must be below the tree size");
		goto out;
	}
	if (ledger_leaf_hash(lg, index, leaf, &err) < 0 ||
	    ledger_inclusion_proof(lg, index, size, proof, &n, &err) < 0) {
		web_api_error(r, 404, err.buf);
		goto out;
	}
	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_kv_int(&w, "index", (int64_t)index);
	jw_kv_int(&w, "tree_size", (int64_t)size);
	b64_encode(&b, leaf, MERKLE_HASH_SIZE);
	jw_kv_str(&w, "leaf_hash", b.buf);
	proof_array(&w, proof, n);
	jw_object_end(&w);
out:
	strbuf_release(&b);
	strbuf_release(&err);
}

void api_ledger_consistency(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT;
	struct json_writer w;
	struct ledger *lg;
	uint64_t m, n;
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	size_t nr;
	int rc;

	if (ledger_or_error(r, &lg) < 0 || query_u64(r, "old", true, &m) < 0)
		goto out;
	rc = query_u64(r, "new", false, &n);
	if (rc < 0 || (rc == 1 && latest_size(r, lg, &n) < 0))
		goto out;
	if (m == 0 || m > n) {
		web_api_error(r, 400, "need 0 < old <= new");
		goto out;
	}
	if (ledger_consistency_proof(lg, m, n, proof, &nr, &err) < 0) {
		web_api_error(r, 404, err.buf);
		goto out;
	}
	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_kv_int(&w, "old_size", (int64_t)m);
	jw_kv_int(&w, "new_size", (int64_t)n);
	proof_array(&w, proof, nr);
	jw_object_end(&w);
out:
	strbuf_release(&err);
}

void api_ledger_entry(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, bytes = STRBUF_INIT, b = STRBUF_INIT;
	struct ledger_entry e = { 0 };
	struct json_writer w;
	struct ledger *lg;
	uint8_t leaf[MERKLE_HASH_SIZE];
	uint64_t index;
	int rc;

	if (!ui_ledger_reader(r)) {
		web_audit(r, r->user->login, "access.refused", "ledger");
		web_api_error(r, 403, "ledger entries are for administrators and ward-wide roles");
		goto out;
	}
	if (parse_uint64(r->args[0], UINT64_MAX - 1, &index) < 0) {
		web_api_error(r, 400, "the entry index must be a non-negative integer");
		goto out;
	}
	if (ledger_or_error(r, &lg) < 0)
		goto out;
	rc = ledger_entry_bytes(lg, index, &bytes, &err);
	if (rc == 0)
		rc = ledger_leaf_hash(lg, index, leaf, &err);
	if (rc == 0)
		rc = entry_decode(bytes.buf, bytes.len, &e, &err);
	if (rc == -ENOENT) {
		web_api_error(r, 404, "no such entry");
		goto out;
	} else if (rc < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_kv_int(&w, "index", (int64_t)index);
	b64_encode(&b, leaf, MERKLE_HASH_SIZE);
	jw_kv_str(&w, "leaf_hash", b.buf);
	strbuf_reset(&b);
	b64_encode(&b, bytes.buf, bytes.len);
	jw_kv_str(&w, "bytes_base64", b.buf);
	jw_key(&w, "entry");
	jw_object_begin(&w);
	entry_to_json(&e, &w);
	jw_object_end(&w);
	jw_object_end(&w);
out:
	entry_release(&e);
	strbuf_release(&b);
	strbuf_release(&bytes);
	strbuf_release(&err);
}
