/* cmd-ledger: `mamori ledger key|checkpoint|entry|proof|consistency|verify|export|show|tail|note`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "cli/cmd-ledger.h"
#include "ingest/event.h"
#include "ledger/ledger.h"

/* Every ledger subcommand works on either store (docs/operations.md). */
int lctx_open(struct cli_ctx *ctx, struct lctx *l)
{
	struct strbuf err = STRBUF_INIT;
	int r;

	memset(l, 0, sizeof(*l));
	r = store_open(ctx->dir, STORE_ANY_BACKEND, &l->st, &err);
	if (r == 0)
		r = ledger_open(l->st, &l->lg, &err);
	if (r < 0) {
		cli_error("%s", err.buf);
		store_close(l->st);
		l->st = NULL;
	}
	strbuf_release(&err);
	return r;
}

void lctx_close(struct lctx *l)
{
	ledger_close(l->lg);
	store_close(l->st);
}

/* Parses the options and exactly `want` positionals; prints usage on error. */
static int parse_index(const char *s, const char *what, uint64_t *ret)
{
	if (parse_uint64(s, UINT64_MAX - 1, ret) < 0) {
		cli_error("%s '%s' is not a number (a decimal count from 0)", what, s);
		return -EINVAL;
	}
	return 0;
}

/* The ledger's machine formats (keys, notes, entry bytes, proofs) are printed exactly. */
int print_done(struct strbuf *out)
{
	int ret = cli_print_bytes(out);

	strbuf_release(out);
	return ret;
}

/* ---- key ---------------------------------------------------------------------------------- */

static int ledger_key(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori ledger key",
		N_("prints the verifier key: <name>+<key id>+<base64(0x01 || Ed25519 public key)>"),
		NULL
	};
	const struct option opts[] = { OPT_END() };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct note_verifier v;
	int ret;

	if (parse_options_count(argc, argv, opts, usage, 0, 0, &ret) < 0)
		return ret;
	if (ledger_load_verifier(ctx->dir, &v, &err) < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	note_verifier_format(&v, &out);
	strbuf_addch(&out, '\n');
	strbuf_release(&err);
	return print_done(&out);
}

/* ---- checkpoint --------------------------------------------------------------------------- */

static int ledger_checkpoint(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori ledger checkpoint [--size N]",
		N_("prints the latest signed checkpoint, signing one for the whole log first if it "
		   "has "
		   "grown; with --size, the stored checkpoint of that size"),
		NULL
	};
	int64_t size = -1;
	const struct option opts[] = {
		OPT_INT(0, "size", &size, "N", "the stored checkpoint of tree size N", 0,
		        INT64_MAX),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct lctx l;
	int ret, r;

	if (parse_options_count(argc, argv, opts, usage, 0, 0, &ret) < 0)
		return ret;
	if (lctx_open(ctx, &l) < 0)
		return EXIT_FAILED;
	if (size >= 0) {
		r = ledger_checkpoint_get(l.lg, (uint64_t)size, &out, &err);
	} else {
		r = ledger_checkpoint_sign(l.lg, ctx->dir, &out, &err);
		if (r == -ENOENT || r == -EPERM) {
			/* No key here (a copy): the latest stored one is still worth printing. */
			struct strbuf e2 = STRBUF_INIT;
			if (ledger_checkpoint_get(l.lg, UINT64_MAX, &out, &e2) == 0) {
				cli_warn("%s; printing the latest stored checkpoint", err.buf);
				r = 0;
			}
			strbuf_release(&e2);
		}
	}
	lctx_close(&l);
	if (r < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		strbuf_release(&out);
		return EXIT_FAILED;
	}
	strbuf_release(&err);
	return print_done(&out);
}

/* The size of the latest stored checkpoint. */
static int latest_checkpoint_size(struct ledger *lg, uint64_t *ret, struct strbuf *err)
{
	struct strbuf note = STRBUF_INIT;
	struct note n;
	struct checkpoint c;
	int r = ledger_checkpoint_get(lg, UINT64_MAX, &note, err);

	if (r == -ENOENT)
		error_set(err,
		          "no checkpoint has been signed yet: run 'mamori ledger checkpoint' or "
		          "give --size");
	if (r == 0 && (r = note_parse(note.buf, note.len, &n, err)) == 0) {
		r = checkpoint_parse(n.text.buf, n.text.len, &c, err);
		note_release(&n);
		if (r == 0)
			*ret = c.size;
	}
	strbuf_release(&note);
	return r;
}

/* ---- entry / show ------------------------------------------------------------------------- */

static void add_b64(struct json_writer *w, const char *key, const uint8_t *h)
{
	struct strbuf b = STRBUF_INIT;

	b64_encode(&b, h, MERKLE_HASH_SIZE);
	jw_kv_str(w, key, b.buf);
	strbuf_release(&b);
}

static void entry_json(struct ledger *lg, uint64_t index, const struct strbuf *bytes,
                       const struct ledger_entry *e, struct strbuf *out)
{
	struct json_writer w;
	uint8_t leaf[MERKLE_HASH_SIZE];
	struct merkle_hasher *h = merkle_hasher_new();

	merkle_hash_leaf(h, bytes->buf, bytes->len, leaf);
	merkle_hasher_free(h);
	jw_init(&w, out);
	jw_object_begin(&w);
	jw_key(&w, "index");
	jw_uint(&w, index);
	entry_to_json(e, &w);
	add_b64(&w, "leaf_hash", leaf);
	if (e->sealed) {
		uint8_t salt[ENTRY_SALT_SIZE];
		struct strbuf payload = STRBUF_INIT_SECRET, err = STRBUF_INIT;
		bool erased = false;
		int r = ledger_sealed_payload(lg, index, salt, &payload, &erased, &err);
		jw_kv_str(&w, "payload", r > 0 ? "present" : erased ? "erased" : "missing");
		explicit_bzero(salt, sizeof(salt));
		strbuf_release_secret(&payload);
		strbuf_release(&err);
	}
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

static int read_entry(struct ledger *lg, uint64_t index, struct strbuf *bytes,
                      struct ledger_entry *e)
{
	struct strbuf err = STRBUF_INIT;
	int r = ledger_entry_bytes(lg, index, bytes, &err);

	if (r == 0 && e && (r = entry_decode(bytes->buf, bytes->len, e, &err)) < 0)
		cli_error("%s; run 'mamori ledger verify'", err.buf);
	else if (r < 0)
		cli_error("%s", err.buf);
	strbuf_release(&err);
	return r;
}

static int ledger_entry_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori ledger entry I [--json]",
		N_("prints entry I's exact bytes (what its leaf hash is "
		   "computed over); --json decodes "
		   "it"),
		NULL
	};
	bool json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "decode the entry as JSON"),
		OPT_END(),
	};
	struct strbuf bytes = STRBUF_INIT, out = STRBUF_INIT;
	struct ledger_entry e;
	uint64_t index;
	struct lctx l;
	int ret, r;

	if (parse_options_count(argc, argv, opts, usage, 1, 1, &ret) < 0)
		return ret;
	if (parse_index(argv[0], "entry index", &index) < 0)
		return EXIT_USAGE;
	if (lctx_open(ctx, &l) < 0)
		return EXIT_FAILED;
	r = read_entry(l.lg, index, &bytes, json ? &e : NULL);
	if (r == 0 && json) {
		entry_json(l.lg, index, &bytes, &e, &out);
		entry_release(&e);
	} else if (r == 0) {
		strbuf_add(&out, bytes.buf, bytes.len);
	}
	lctx_close(&l);
	strbuf_release(&bytes);
	if (r < 0) {
		strbuf_release(&out);
		return EXIT_FAILED;
	}
	return print_done(&out);
}

/* Appends text for a terminal: control characters and invalid UTF-8 as \xNN, at most max bytes. */
static void add_safe(struct strbuf *sb, const uint8_t *s, size_t len, size_t max)
{
	size_t i = 0, start = sb->len;

	while (i < len) {
		uint32_t cp;
		int n = utf8_decode((const char *)s + i, len - i, &cp);

		if (sb->len - start >= max) {
			strbuf_addstr(sb, "…");
			return;
		}
		if (n < 1 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			strbuf_addf(sb, "\\x%02x", s[i]);
			i++;
		} else {
			strbuf_add(sb, s + i, (size_t)n);
			i += (size_t)n;
		}
	}
}

static void add_field(struct strbuf *out, const char *name, const char *value)
{
	if (!value)
		return;
	strbuf_addf(out, "  %-9s ", name);
	add_safe(out, (const uint8_t *)value, strlen(value), 4096);
	strbuf_addch(out, '\n');
}

static void add_digest(struct strbuf *out, const char *name, const uint8_t *d)
{
	if (!d)
		return;
	strbuf_addf(out, "  %-9s ", name);
	strbuf_addhex(out, d, MERKLE_HASH_SIZE);
	strbuf_addch(out, '\n');
}

/*
 * ledger show's lines for a sealed payload: its digest, then the payload itself with --payload
 * (a collected message's header as text first), its size without, or that it was erased or is
 * missing.
 */
/*
 * The sealed payload's lines: its digest, and the payload with --payload, its size, or that it
 * was erased or is missing. < 0 when it cannot be read (err says why): nothing is shown then,
 * so a damaged or unreadable payload is never reported as missing.
 */
static int sealed_text(struct strbuf *out, struct ledger *lg, uint64_t index,
                       const struct ledger_entry *e, bool payload, struct strbuf *err)
{
	uint8_t salt[ENTRY_SALT_SIZE];
	struct strbuf p = STRBUF_INIT_SECRET;
	bool erased = false;
	int r = ledger_sealed_payload(lg, index, salt, &p, &erased, err);

	add_digest(out, "sealed", e->sealed);
	if (r > 0 && payload) {
		/* a collected message: its header as text (docs/logs.md), then itself */
		struct strbuf head = STRBUF_INIT_SECRET;
		size_t off = e->kind == ENTRY_INGEST
		                 ? log_payload_header_text(&head, p.buf, p.len, e->source)
		                 : 0;
		add_field(out, "header", off ? head.buf : NULL);
		strbuf_release_secret(&head);
		strbuf_addf(out, "  %-9s ", "payload");
		add_safe(out, (const uint8_t *)p.buf + off, p.len - off, SIZE_MAX);
		strbuf_addch(out, '\n');
	} else if (r > 0) {
		strbuf_addf(out,
		            T_("  %-9s %zu bytes kept beside the tree (--payload shows them)\n"),
		            "payload", p.len);
	} else if (r == 0) {
		strbuf_addf(out, "  %-9s %s\n", "payload", erased ? T_("erased") : T_("missing"));
	}
	explicit_bzero(salt, sizeof(salt));
	strbuf_release_secret(&p);
	return r < 0 ? r : 0;
}

static int ledger_show(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori ledger show I [--payload]",
		N_("shows entry I for people; --payload also prints its "
		   "sealed payload (personal data)"),
		NULL
	};
	bool payload = false;
	const struct option opts[] = {
		OPT_BOOL(0, "payload", &payload, "print the sealed payload too"),
		OPT_END(),
	};
	struct strbuf bytes = STRBUF_INIT, out = STRBUF_INIT_SECRET, err = STRBUF_INIT;
	struct ledger_entry e;
	uint8_t leaf[MERKLE_HASH_SIZE];
	struct merkle_hasher *h;
	uint64_t index;
	struct lctx l;
	int ret;

	if (parse_options_count(argc, argv, opts, usage, 1, 1, &ret) < 0)
		return ret;
	if (parse_index(argv[0], "entry index", &index) < 0)
		return EXIT_USAGE;
	if (lctx_open(ctx, &l) < 0)
		return EXIT_FAILED;
	if (read_entry(l.lg, index, &bytes, &e) < 0) {
		lctx_close(&l);
		strbuf_release(&bytes);
		return EXIT_FAILED;
	}
	h = merkle_hasher_new();
	merkle_hash_leaf(h, bytes.buf, bytes.len, leaf);
	merkle_hasher_free(h);
	strbuf_addf(&out, T_("entry %" PRIu64 " (%zu bytes, leaf hash "), index, bytes.len);
	b64_encode(&out, leaf, sizeof(leaf));
	strbuf_addstr(&out, ")\n  time      ");
	time_format_local(&out, e.time_ms, TOKYO_OFFSET_MS);
	strbuf_addstr(&out, " JST (");
	time_format_rfc3339(&out, e.time_ms);
	strbuf_addstr(&out, ")\n");
	add_field(&out, "kind", T_(entry_kind_name((int)e.kind)));
	add_field(&out, "actor", e.actor);
	add_field(&out, "action", e.action);
	add_field(&out, "subject", e.subject);
	add_digest(&out, "before", e.before);
	add_digest(&out, "after", e.after);
	add_field(&out, "decision", cli_state_name(e.decision));
	add_field(&out, "clauses", e.clauses);
	add_digest(&out, "profile", e.profile);
	add_field(&out, "source", e.source);
	if (e.has_line)
		strbuf_addf(&out, "  %-9s %" PRIu64 "\n", "line", e.line);
	if (e.data) {
		strbuf_addf(&out, "  %-9s ", "data");
		add_safe(&out, e.data, e.data_len, 4096);
		strbuf_addch(&out, '\n');
	}
	if (e.has_ref)
		strbuf_addf(&out, T_("  %-9s entry %" PRIu64 "\n"), "ref", e.ref);
	add_field(&out, "key", e.key);
	ret = e.sealed ? sealed_text(&out, l.lg, index, &e, payload, &err) : 0;
	if (ret < 0)
		cli_error("%s; run 'mamori ledger verify'", err.buf);
	entry_release(&e);
	lctx_close(&l);
	strbuf_release(&bytes);
	strbuf_release(&err);
	ret = ret < 0 ? EXIT_FAILED : cli_print(&out);
	strbuf_release_secret(&out);
	return ret;
}

/* ---- proof / consistency ------------------------------------------------------------------ */

static void add_proof(struct json_writer *w, uint8_t proof[][MERKLE_HASH_SIZE], size_t nr)
{
	struct strbuf b = STRBUF_INIT;

	jw_key(w, "proof");
	jw_array_begin(w);
	for (size_t i = 0; i < nr; i++) {
		strbuf_reset(&b);
		b64_encode(&b, proof[i], MERKLE_HASH_SIZE);
		jw_string(w, b.buf);
	}
	jw_array_end(w);
	strbuf_release(&b);
}

static int ledger_proof(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori ledger proof I [--size N]",
		                             N_("prints the RFC 6962 inclusion proof of entry I in "
		                                "the tree of size N (default: the "
		                                "latest checkpoint's)"),
		                             NULL };
	int64_t size = -1;
	const struct option opts[] = {
		OPT_INT(0, "size", &size, "N", "tree size (default: latest checkpoint)", 1,
		        INT64_MAX),
		OPT_END(),
	};
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE], leaf[MERKLE_HASH_SIZE];
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct json_writer w;
	uint64_t index, n = 0;
	size_t nr = 0;
	struct lctx l;
	int ret, r;

	if (parse_options_count(argc, argv, opts, usage, 1, 1, &ret) < 0)
		return ret;
	if (parse_index(argv[0], "entry index", &index) < 0)
		return EXIT_USAGE;
	if (lctx_open(ctx, &l) < 0)
		return EXIT_FAILED;
	r = size >= 0 ? (n = (uint64_t)size, 0) : latest_checkpoint_size(l.lg, &n, &err);
	if (r == 0)
		r = ledger_inclusion_proof(l.lg, index, n, proof, &nr, &err);
	if (r == 0)
		r = ledger_leaf_hash(l.lg, index, leaf, &err);
	lctx_close(&l);
	if (r < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	jw_init(&w, &out);
	jw_object_begin(&w);
	jw_key(&w, "index");
	jw_uint(&w, index);
	jw_key(&w, "tree_size");
	jw_uint(&w, n);
	add_b64(&w, "leaf_hash", leaf);
	add_proof(&w, proof, nr);
	jw_object_end(&w);
	strbuf_addch(&out, '\n');
	strbuf_release(&err);
	return print_done(&out);
}

static int ledger_consistency(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori ledger consistency M N",
		N_("prints the RFC 6962 consistency proof from the tree "
		   "of size M to the tree of size N"),
		NULL
	};
	const struct option opts[] = { OPT_END() };
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct json_writer w;
	uint64_t m, n;
	size_t nr = 0;
	struct lctx l;
	int ret, r;

	if (parse_options_count(argc, argv, opts, usage, 2, 2, &ret) < 0)
		return ret;
	if (parse_index(argv[0], "old size", &m) < 0 || parse_index(argv[1], "new size", &n) < 0)
		return EXIT_USAGE;
	if (lctx_open(ctx, &l) < 0)
		return EXIT_FAILED;
	r = ledger_consistency_proof(l.lg, m, n, proof, &nr, &err);
	lctx_close(&l);
	if (r < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return r == -EINVAL ? EXIT_USAGE : EXIT_FAILED;
	}
	jw_init(&w, &out);
	jw_object_begin(&w);
	jw_key(&w, "old_size");
	jw_uint(&w, m);
	jw_key(&w, "new_size");
	jw_uint(&w, n);
	add_proof(&w, proof, nr);
	jw_object_end(&w);
	strbuf_addch(&out, '\n');
	strbuf_release(&err);
	return print_done(&out);
}

/* ---- tail / note -------------------------------------------------------------------------- */

/* One line per entry for people. */
static void add_summary(struct strbuf *out, uint64_t index, const struct ledger_entry *e)
{
	struct strbuf s = STRBUF_INIT;

	strbuf_addf(out, "%8" PRIu64 "  ", index);
	cli_time(out, e->time_ms);
	strbuf_addstr(out, "  ");
	strbuf_add_padded(out, T_(entry_kind_name((int)e->kind)), 12);
	strbuf_addch(out, ' ');
	if (e->actor)
		strbuf_addf(&s, "%s ", e->actor);
	if (e->action)
		strbuf_addf(&s, "%s ", e->action);
	if (e->subject)
		strbuf_addf(&s, "%s ", e->subject);
	if (e->decision)
		strbuf_addf(&s, "→ %s ", cli_state_name(e->decision));
	if (e->source)
		strbuf_addf(&s, "%s:%" PRIu64 " ", e->source, e->line);
	if (e->has_ref)
		strbuf_addf(&s, T_("entry %" PRIu64 " "), e->ref);
	if (e->data)
		strbuf_add(&s, e->data, e->data_len);
	else if (e->sealed)
		strbuf_addstr(&s, T_("(sealed)"));
	strbuf_rtrim(&s);
	add_safe(out, (const uint8_t *)s.buf, s.len, 200);
	strbuf_addch(out, '\n');
	strbuf_release(&s);
}

static int print_range(struct ledger *lg, uint64_t from, uint64_t to)
{
	struct strbuf out = STRBUF_INIT;
	int ret = EXIT_DONE;

	for (uint64_t i = from; i < to && ret == EXIT_DONE; i++) {
		struct strbuf bytes = STRBUF_INIT;
		struct ledger_entry e;

		if (read_entry(lg, i, &bytes, &e) < 0) {
			ret = EXIT_FAILED;
		} else {
			add_summary(&out, i, &e);
			entry_release(&e);
		}
		strbuf_release(&bytes);
		if (out.len > 65536 || i + 1 == to || ret != EXIT_DONE) {
			if (cli_print(&out) != EXIT_DONE)
				ret = EXIT_FAILED;
			strbuf_reset(&out);
		}
	}
	strbuf_release(&out);
	return ret;
}

static int ledger_tail(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori ledger tail [-n N] [-f]",
		N_("shows the last N entries (10), one a line; -f keeps "
		   "showing new ones"),
		NULL
	};
	int64_t count = 10;
	bool follow = false;
	const struct option opts[] = {
		OPT_INT('n', "lines", &count, "N", "how many entries (10)", 0, 1000000),
		OPT_BOOL('f', "follow", &follow, "keep showing entries as they are appended"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT;
	uint8_t root[MERKLE_HASH_SIZE];
	uint64_t size, from;
	struct lctx l;
	int ret, r;

	if (parse_options_count(argc, argv, opts, usage, 0, 0, &ret) < 0)
		return ret;
	if (lctx_open(ctx, &l) < 0)
		return EXIT_FAILED;
	r = ledger_head(l.lg, &size, root, &err);
	from = size > (uint64_t)count ? size - (uint64_t)count : 0;
	ret = r < 0 ? EXIT_FAILED : print_range(l.lg, from, size);
	while (ret == EXIT_DONE && follow) {
		uint64_t now;
		usleep(500 * 1000);
		if (ledger_head(l.lg, &now, root, &err) < 0) {
			ret = EXIT_FAILED;
			break;
		}
		if (now > size)
			ret = print_range(l.lg, size, now);
		size = now;
	}
	if (r < 0 || (ret != EXIT_DONE && err.len))
		cli_error("%s", err.buf);
	lctx_close(&l);
	strbuf_release(&err);
	return ret;
}

static int ledger_note(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori ledger note TEXT",
		                             N_("appends a note entry (an operator's remark) and "
		                                "prints its index"),
		                             NULL };
	const struct option opts[] = { OPT_END() };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	const char *user = getenv("USER");
	struct ledger_entry e;
	uint64_t index;
	struct lctx l;
	int ret, r;

	if (parse_options_count(argc, argv, opts, usage, 1, 1, &ret) < 0)
		return ret;
	e = (struct ledger_entry){ .kind = ENTRY_NOTE,
		                   .time_ms = time_now_ms(),
		                   .actor = user && *user ? user : NULL,
		                   .action = "ledger.note",
		                   .data = (const uint8_t *)argv[0],
		                   .data_len = strlen(argv[0]) };
	if (lctx_open(ctx, &l) < 0)
		return EXIT_FAILED;
	r = ledger_append(l.lg, &e, 1, &index, &err);
	lctx_close(&l);
	if (r < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	strbuf_addf(&out, "%" PRIu64 "\n", index);
	strbuf_release(&err);
	return print_done(&out);
}

int cmd_ledger(struct cli_ctx *ctx, int argc, const char **argv)
{
	/*
	 * The subcommands. Columns: name as typed after `mamori ledger`, handler,
	 * summary for `mamori ledger help`.
	 */
	static const struct command table[] = {
		{ "key", ledger_key, N_("print the verifier key (name+key id+base64 key)") },
		{ "checkpoint", ledger_checkpoint,
		  N_("print the latest (or a stored) signed checkpoint") },
		{ "entry", ledger_entry_cmd, N_("print entry I's exact bytes (--json: decoded)") },
		{ "proof", ledger_proof, N_("print the inclusion proof of entry I") },
		{ "consistency", ledger_consistency,
		  N_("print the consistency proof from size M to N") },
		{ "verify", ledger_verify_cmd,
		  N_("re-hash and check everything (--offline DIR: an export)") },
		{ "export", ledger_export_cmd, N_("write a self-contained copy for auditors") },
		{ "show", ledger_show, N_("show entry I for people") },
		{ "tail", ledger_tail, N_("show the last entries (-f to follow)") },
		{ "note", ledger_note, N_("append an operator's note") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "ledger", table, argc, argv);
}
