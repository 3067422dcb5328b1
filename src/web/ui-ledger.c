/* ui-ledger: the ledger for people: checkpoint, verifier key, verification, entries with
 * their inclusion proofs, and the export for auditors. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "ledger/ledger.h"
#include "web/route.h"
#include "web/tar.h"
#include "web/ui.h"

/* The latest signed checkpoint, opened with the data directory's verifier key. */
struct cp_view {
	struct strbuf note;
	struct checkpoint cp;
	struct note_verifier key;
	bool have_cp, have_key, sig_ok;
};

static int load_checkpoint(struct web_req *r, struct ledger *lg, struct cp_view *v,
                           struct strbuf *err)
{
	int ret;

	ret = ledger_load_verifier(r->cfg->dir, &v->key, err);
	v->have_key = ret == 0;
	ret = ledger_checkpoint_get(lg, UINT64_MAX, &v->note, err);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	v->have_cp = true;
	if (v->have_key && checkpoint_open(v->note.buf, v->note.len, &v->key, 1, &v->cp, err) == 0)
		v->sig_ok = true;
	else {
		struct note n = { .text = STRBUF_INIT };
		if (note_parse(v->note.buf, v->note.len, &n, NULL) == 0)
			checkpoint_parse(n.text.buf, n.text.len, &v->cp, NULL);
		note_release(&n);
	}
	return 0;
}

static void hex_hash(struct strbuf *o, const uint8_t h[MERKLE_HASH_SIZE])
{
	struct strbuf t = STRBUF_INIT;

	b64_encode(&t, h, MERKLE_HASH_SIZE);
	html_elem(o, "code", t.buf, HTML_END);
	strbuf_release(&t);
}

/* The page's two cards: the number of entries and the tree's root; the verification, run with
 * ?verify. */
static void ledger_cards(struct web_req *r, struct ledger *lg, uint64_t size,
                         const uint8_t root[MERKLE_HASH_SIZE], bool verify)
{
	struct strbuf *o = &r->out;

	html_open(o, "div", "class", "grid", HTML_END);
	html_open(o, "section", "class", "card", HTML_END);
	html_elem(o, "h2", _("Entries"), HTML_END);
	html_open(o, "p", "class", "stat", HTML_END);
	html_textf(o, "%" PRIu64, size);
	html_close(o, "p");
	html_open(o, "p", HTML_END);
	html_text(o, _("Tree root:"));
	strbuf_addch(o, ' ');
	hex_hash(o, root);
	html_close(o, "p");
	html_close(o, "section");

	html_open(o, "section", "class", "card", HTML_END);
	html_elem(o, "h2", _("Verification"), HTML_END);
	if (verify) {
		struct ledger_verify_result res = { 0 };
		struct strbuf verr = STRBUF_INIT;
		if (ledger_verify(lg, r->cfg->dir, NULL, 0, &res, &verr) == 0) {
			struct strbuf msg = STRBUF_INIT;
			strbuf_addf(
			    &msg,
			    _("The ledger verifies: %llu entries re-hashed, %llu checkpoints "
			      "checked."),
			    (unsigned long long)res.entries, (unsigned long long)res.checkpoints);
			page_notice(r, "ok", msg.buf);
			strbuf_release(&msg);
		} else {
			page_notice(r, "error", _("The ledger does NOT verify:"));
			html_elem(o, "pre", verr.buf, HTML_END);
		}
		strbuf_release(&verr);
	} else {
		html_elem(o, "p",
		          _("Re-hash every entry, rebuild the tree and check every checkpoint's "
		            "signature and consistency."),
		          HTML_END);
	}
	html_open(o, "form", "method", "get", "action", "/ledger", HTML_END);
	html_void(o, "input", "type", "hidden", "name", "verify", "value", "1", HTML_END);
	page_submit(r, _("Verify the whole ledger"), NULL);
	html_close(o, "form");
	html_close(o, "section");
	html_close(o, "div");
}

/* The latest checkpoint: whether its signature verifies, its note, the entries it does not
 * cover yet. */
static void checkpoint_html(struct web_req *r, const struct cp_view *v, uint64_t size)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h2", _("Latest checkpoint"), HTML_END);
	if (v->have_cp) {
		if (v->sig_ok) {
			page_notice(r, "ok",
			            _("The signature is valid for this data directory's key."));
		} else {
			page_notice(
			    r, "error",
			    _("The signature does not verify with this data directory's key."));
		}
		html_elem(o, "pre", v->note.buf, "class", "mono", HTML_END);
		if (v->cp.size < size) {
			struct strbuf m = STRBUF_INIT;
			strbuf_addf(&m,
			            _("%llu newer entries are not yet covered by a checkpoint; the "
			              "server signs one within seconds."),
			            (unsigned long long)(size - v->cp.size));
			html_elem(o, "p", m.buf, "class", "cite", HTML_END);
			strbuf_release(&m);
		}
	} else {
		html_elem(o, "p", _("No checkpoint has been signed yet."), HTML_END);
	}
}

void ui_ledger(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, key = STRBUF_INIT;
	struct cp_view v = { .note = STRBUF_INIT };
	struct ledger *lg;
	uint64_t size = 0;
	uint8_t root[MERKLE_HASH_SIZE];
	bool verify = web_query(r, "verify") != NULL;

	if (web_thread_ledger(r, &lg, &err) < 0 || ledger_head(lg, &size, root, &err) < 0 ||
	    load_checkpoint(r, lg, &v, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	page_begin(r, _("Ledger"), NAV_LEDGER);
	html_elem(o, "p",
	          _("Every change, decision and login is an entry of this tamper-evident log (RFC "
	            "6962 Merkle tree). Signed checkpoints commit to the whole history; anyone "
	            "can check them with the verifier key and standard tools."),
	          HTML_END);

	ledger_cards(r, lg, size, root, verify);
	checkpoint_html(r, &v, size);

	html_elem(o, "h2", _("Verifier key"), HTML_END);
	if (v.have_key) {
		note_verifier_format(&v.key, &key);
		html_elem(o, "pre", key.buf, "class", "mono", HTML_END);
	} else {
		html_elem(o, "p", _("This data directory has no verifier key."), HTML_END);
	}

	html_elem(o, "h2", _("Look up an entry"), HTML_END);
	html_open(o, "form", "method", "get", "action", "/ledger/entry", "class", "filters",
	          HTML_END);
	page_input(r, "number", "index", _("Entry number"), NULL, true, "off");
	page_submit(r, _("Show entry and proof"), NULL);
	html_close(o, "form");

	if (ui_ledger_reader(r)) {
		html_elem(o, "h2", _("Export for auditors"), HTML_END);
		html_elem(
		    o, "p",
		    _("A self-contained archive (entries, tiles, checkpoints, verifier key and "
		      "a README) that 'mamori ledger verify --offline' checks without the "
		      "database."),
		    HTML_END);
		html_elem(o, "a", _("Download the export (tar)"), "href", "/ledger/export", "class",
		          "button", HTML_END);
	}
	page_end(r);
out:
	strbuf_release(&v.note);
	strbuf_release(&key);
	strbuf_release(&err);
}

/* Shows one decoded entry's fields as a definition list. */
static void entry_props(struct web_req *r, const struct ledger_entry *e)
{
	struct strbuf *o = &r->out;

	html_open(o, "dl", "class", "props", HTML_END);
	html_elem(o, "dt", _("Kind"), HTML_END);
	html_elem(o, "dd", _(entry_kind_name(e->kind)), HTML_END);
	html_elem(o, "dt", _("Time"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_time(o, e->time_ms);
	html_close(o, "dd");
#define PROP(label, value)                                                                         \
	do {                                                                                       \
		if (value) {                                                                       \
			html_elem(o, "dt", label, HTML_END);                                       \
			html_open(o, "dd", HTML_END);                                              \
			html_elem(o, "code", value, HTML_END);                                     \
			html_close(o, "dd");                                                       \
		}                                                                                  \
	} while (0)
	PROP(_("Who"), e->actor);
	PROP(_("Action"), e->action);
	PROP(_("Record"), e->subject);
	PROP(_("Decision"), e->decision);
	PROP(_("Source"), e->source);
#undef PROP
	if (e->clauses) {
		char *cl = xstrdup(e->clauses);
		html_elem(o, "dt", _("Clauses"), HTML_END);
		html_open(o, "dd", HTML_END);
		for (char *save = NULL, *c = strtok_r(cl, " ", &save); c;
		     c = strtok_r(NULL, " ", &save)) {
			ui_clause(r, c);
			strbuf_addch(o, ' ');
		}
		html_close(o, "dd");
		free(cl);
	}
	if (e->data && e->data_len) {
		html_elem(o, "dt", _("Data"), HTML_END);
		html_open(o, "dd", HTML_END);
		html_open(o, "code", HTML_END);
		html_text_len(o, (const char *)e->data, e->data_len);
		html_close(o, "code");
		html_close(o, "dd");
	}
	if (e->sealed) {
		html_elem(o, "dt", _("Sealed payload"), HTML_END);
		html_elem(o, "dd", _("kept beside the tree; erasable without breaking it"),
		          HTML_END);
	}
	html_close(o, "dl");
}

/*
 * The entry's leaf hash and its inclusion proof to the latest checkpoint, checked against the
 * checkpoint's root (not shown for an entry the checkpoint does not cover yet).
 */
static void proof_html(struct web_req *r, struct ledger *lg, const struct cp_view *v,
                       uint64_t index, const uint8_t leaf[MERKLE_HASH_SIZE], struct strbuf *err)
{
	struct strbuf *o = &r->out;
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	size_t nproof = 0;
	int ret;

	html_elem(o, "h2", _("Inclusion proof"), HTML_END);
	html_open(o, "p", HTML_END);
	html_text(o, _("Leaf hash:"));
	strbuf_addch(o, ' ');
	hex_hash(o, leaf);
	html_close(o, "p");
	if (!v->have_cp || v->cp.size <= index) {
		html_elem(
		    o, "p",
		    _("This entry is newer than the latest checkpoint; its proof is shown once "
		      "a checkpoint covers it."),
		    HTML_END);
	} else if (ledger_inclusion_proof(lg, index, v->cp.size, proof, &nproof, err) < 0) {
		page_notice(r, "error", err->buf);
	} else {
		struct merkle_span spans[MERKLE_MAX_PROOF];
		struct merkle_hasher *h = merkle_hasher_new();
		struct strbuf m = STRBUF_INIT;
		for (size_t i = 0; i < nproof; i++)
			spans[i] = merkle_span_hash(proof[i]);
		ret = merkle_verify_inclusion(h, index, v->cp.size, merkle_span_hash(leaf), spans,
		                              nproof, merkle_span_hash(v->cp.root));
		merkle_hasher_free(h);
		strbuf_addf(&m,
		            ret == 0 && v->sig_ok
		                ? _("The proof leads from this entry to the root of the signed "
		                    "checkpoint of size %llu: the entry is in the ledger.")
		                : _("The proof does NOT lead to the root of the checkpoint of size "
		                    "%llu."),
		            (unsigned long long)v->cp.size);
		page_notice(r, ret == 0 && v->sig_ok ? "ok" : "error", m.buf);
		strbuf_release(&m);
		html_open(o, "ol", "class", "mono", "start", "0", HTML_END);
		for (size_t i = 0; i < nproof; i++) {
			html_open(o, "li", HTML_END);
			hex_hash(o, proof[i]);
			html_close(o, "li");
		}
		html_close(o, "ol");
	}
}

void ui_ledger_entry(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, bytes = STRBUF_INIT, title = STRBUF_INIT;
	struct cp_view v = { .note = STRBUF_INIT };
	struct ledger_entry e = { 0 };
	struct ledger *lg;
	uint8_t leaf[MERKLE_HASH_SIZE];
	uint64_t index, size = 0;
	uint8_t root[MERKLE_HASH_SIZE];
	int ret;

	if (parse_uint64(web_query(r, "index") ? web_query(r, "index") : "", UINT64_MAX - 1,
	                 &index) < 0) {
		web_error(r, 400, "index is not a number");
		goto out;
	}
	if (web_thread_ledger(r, &lg, &err) < 0 || ledger_head(lg, &size, root, &err) < 0 ||
	    load_checkpoint(r, lg, &v, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	if (index >= size) {
		web_error(r, 404, "no such entry");
		goto out;
	}
	ret = ledger_entry_bytes(lg, index, &bytes, &err);
	if (ret == 0)
		ret = ledger_leaf_hash(lg, index, leaf, &err);
	if (ret == 0)
		ret = entry_decode(bytes.buf, bytes.len, &e, &err);
	if (ret < 0) {
		web_error(r, ret == -ENOENT ? 404 : 503, err.buf);
		goto out;
	}
	strbuf_addf(&title, _("Ledger entry %llu"), (unsigned long long)index);
	page_begin(r, title.buf, NAV_LEDGER);
	if (ui_ledger_reader(r)) {
		html_open(o, "section", "class", "card", HTML_END);
		entry_props(r, &e);
		html_close(o, "section");
	} else {
		page_notice(
		    r, "warn",
		    _("Only administrators and holders of a ward-wide role see what an entry "
		      "says; its hash and proof are shown to everyone."));
	}

	proof_html(r, lg, &v, index, leaf, &err);
	html_open(o, "p", HTML_END);
	html_elem(o, "a", _("Back to the ledger"), "href", "/ledger", HTML_END);
	html_close(o, "p");
	page_end(r);
out:
	entry_release(&e);
	strbuf_release(&v.note);
	strbuf_release(&bytes);
	strbuf_release(&title);
	strbuf_release(&err);
}

/*
 * The export is written under $TMPDIR (default /tmp) as files, archived into a file there, and
 * that file is sent as it is read: the server never holds the ledger in memory, however long
 * it is. Nothing stays in $TMPDIR: the directory is removed before the body is sent (the open
 * archive outlives its name).
 */
void ui_ledger_export(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, tmpl = STRBUF_INIT, dir = STRBUF_INIT, tar = STRBUF_INIT;
	const char *tmp = getenv("TMPDIR");
	struct ledger *lg;
	struct stat sb;
	char disp[96];
	int fd = -1;

	if (!ui_ledger_reader(r)) {
		web_error(r, 403, "ledger export for administrators and ward-wide roles only");
		goto out;
	}
	strbuf_addf(&tmpl, "%s/mamori-export.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl.buf)) {
		strbuf_addf(&err, "cannot make a temporary directory in '%s' (%s); set TMPDIR",
		            tmp && *tmp ? tmp : "/tmp", strerror(errno));
		web_error(r, 503, err.buf);
		goto out;
	}
	strbuf_addf(&dir, "%s/mamori-ledger", tmpl.buf);
	strbuf_addf(&tar, "%s/mamori-ledger.tar", tmpl.buf);
	if (web_thread_ledger(r, &lg, &err) < 0 ||
	    ledger_export(lg, r->cfg->dir, dir.buf, &err) < 0)
		goto fail;
	fd = open(tar.buf, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_set(&err, "cannot create '%s': %s", tar.buf, strerror(errno));
		goto fail;
	}
	if (tar_directory(dir.buf, "mamori-ledger", fd, &err) < 0)
		goto fail;
	if (fstat(fd, &sb) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		error_set(&err, "cannot read back '%s': %s", tar.buf, strerror(errno));
		goto fail;
	}
	remove_tree(tmpl.buf);
	r->status = 200;
	r->content_type_out = "application/x-tar";
	snprintf(disp, sizeof(disp), "attachment; filename=\"mamori-ledger.tar\"");
	web_header_add(r, "Content-Disposition", disp);
	web_send_file(r, fd, (uint64_t)sb.st_size);
	web_audit(r, r->user->login, "ledger.export", NULL);
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	remove_tree(tmpl.buf);
	web_error(r, 503, err.buf);
out:
	strbuf_release(&tar);
	strbuf_release(&dir);
	strbuf_release(&tmpl);
	strbuf_release(&err);
}
