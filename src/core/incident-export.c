/* incident-export: a case's evidence for a court or the police: the files, the ledger entries
 * that took them in and handed them over, their inclusion proofs, and a checkpoint signed by
 * the ward's log key that binds the manifest; and the check of such an export. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/attach.h"
#include "core/incident.h"
#include "ledger/entry.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

#define MANIFEST_FILE   "manifest.json"
#define CHECKPOINT_FILE "checkpoint"
#define MANIFEST_FORMAT "mamori-incident-export/1"
/* The checkpoint's extension line that binds the manifest: "<this> <incident> <sha256>". */
#define EXPORT_EXTENSION "mamori-incident-export"

/* ---- writing ----------------------------------------------------------------------------- */

static int write_file(const char *dir, const char *name, const void *data, size_t len,
                      struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	const char *p = data;
	int fd, r = 0;

	strbuf_addf(&path, "%s/%s", dir, name);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		error_set(err, "cannot create '%s': %s", path.buf, strerror(errno));
		goto out;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			error_set(err, "cannot write '%s': %s", path.buf, strerror(errno));
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (r == 0 && fsync(fd) < 0) {
		r = -errno;
		error_set(err, "cannot write '%s': %s", path.buf, strerror(errno));
	}
	close(fd);
out:
	strbuf_release(&path);
	return r;
}

static int make_dir(const char *path, struct strbuf *err)
{
	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST) {
		struct stat st;
		/* an empty directory will do: only then does rmdir succeed */
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && rmdir(path) == 0 &&
		    mkdir(path, 0700) == 0)
			return 0;
		error_set(err, "'%s' exists and is not an empty directory; give a new one", path);
		return -EEXIST;
	}
	error_set(err, "cannot create '%s': %s", path, strerror(errno));
	return -errno;
}

/* A file name that stays in evidence/: the stored name, or a safe stand-in. */
static char *evidence_name(const struct incident_evidence *e, size_t i, struct strv *used)
{
	const char *base = NULL;
	char *name;

	if (!attach_valid_name(e->name, &base) || !strcmp(base, ".") || !strcmp(base, ".."))
		base = NULL;
	name = base ? xstrfmt("evidence/%s", base) : xstrfmt("evidence/file-%zu", i + 1);
	if (strv_has(used, name)) {
		char *n2 = base ? xstrfmt("evidence/%zu-%s", i + 1, base)
		                : xstrfmt("evidence/file-%zu-%zu", i + 1, i + 1);
		free(name);
		name = n2;
	}
	strv_push(used, name);
	return name;
}

/* One entry: its bytes under entries/, its proof into the manifest. */
static int export_entry(struct door *d, const char *dir, uint64_t index, uint64_t size,
                        struct json_writer *w, struct strbuf *err)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
	struct strbuf bytes = STRBUF_INIT, b64 = STRBUF_INIT;
	char name[64];
	size_t n = 0;
	int r;

	snprintf(name, sizeof(name), "entries/%" PRIu64 ".entry", index);
	r = ledger_entry_bytes(d->lg, index, &bytes, err);
	if (r == 0)
		r = ledger_inclusion_proof(d->lg, index, size, proof, &n, err);
	if (r == 0)
		r = write_file(dir, name, bytes.buf, bytes.len, err);
	if (r == 0) {
		jw_object_begin(w);
		jw_kv_str(w, "file", name);
		jw_key(w, "index");
		jw_uint(w, index);
		jw_key(w, "proof");
		jw_array_begin(w);
		for (size_t i = 0; i < n; i++) {
			strbuf_reset(&b64);
			b64_encode(&b64, proof[i], MERKLE_HASH_SIZE);
			jw_string(w, b64.buf);
		}
		jw_array_end(w);
		jw_object_end(w);
	}
	strbuf_release(&bytes);
	strbuf_release(&b64);
	return r;
}

/*
 * The latest checkpoint after signing one for what is committed: its size and root. The
 * export needs the ward's log key to bind its manifest, so it signs in the data directory.
 */
static int current_checkpoint(struct door *d, struct checkpoint *ret, struct strbuf *err)
{
	struct strbuf note = STRBUF_INIT;
	struct note n = { 0 };
	int r = ledger_checkpoint_sign(d->lg, d->dir, &note, err);

	if (r == 0)
		r = note_parse(note.buf, note.len, &n, err);
	if (r == 0)
		r = checkpoint_parse(n.text.buf, n.text.len, ret, err);
	note_release(&n);
	strbuf_release(&note);
	return r;
}

/* A checkpoint for the same tree with the extension line that names the manifest. */
static int sign_export(struct door *d, const struct checkpoint *cp, int64_t id,
                       const char *manifest_sha, struct strbuf *out, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	int r;

	checkpoint_format(cp, &text);
	strbuf_addf(&text, "%s %" PRId64 " %s\n", EXPORT_EXTENSION, id, manifest_sha);
	r = ledger_sign_body(d->dir, text.buf, text.len, out, err);
	strbuf_release(&text);
	return r;
}

static int export_files(struct door *d, const char *dir, const struct incident *inc,
                        struct json_writer *w, struct strbuf *err)
{
	struct strv used = STRV_INIT;
	struct strbuf data = STRBUF_INIT;
	int r = 0;

	jw_key(w, "files");
	jw_array_begin(w);
	for (size_t i = 0; i < inc->n_evidence && r == 0; i++) {
		const struct incident_evidence *e = &inc->evidence[i];
		char *name = evidence_name(e, i, &used);
		char entry[64];

		strbuf_reset(&data);
		r = attach_read(d->st, d->dir, e->sha256, e->size, &data, err);
		if (r == 0)
			r = write_file(dir, name, data.buf, data.len, err);
		snprintf(entry, sizeof(entry), "entries/%" PRIu64 ".entry", e->ledger_index);
		if (r == 0) {
			jw_object_begin(w);
			jw_kv_str(w, "name", name);
			jw_kv_str(w, "sha256", e->sha256);
			jw_kv_int(w, "size", e->size);
			jw_key(w, "ledger_index");
			jw_uint(w, e->ledger_index);
			jw_kv_str(w, "entry", entry);
			jw_kv_str(w, "holder", e->holder);
			jw_object_end(w);
		}
		free(name);
	}
	jw_array_end(w);
	strv_release(&used);
	strbuf_release(&data);
	return r;
}

static int export_locked(struct door *d, int64_t id, const char *dir, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	struct incident inc;
	struct checkpoint cp;
	struct strbuf manifest = STRBUF_INIT, sub = STRBUF_INIT, note = STRBUF_INIT;
	struct strbuf when = STRBUF_INIT;
	struct json_writer w;
	char sha[65];
	int r;

	memset(&inc, 0, sizeof(inc));
	r = current_checkpoint(d, &cp, err);
	if (r == -ENOENT)
		error_set(err, "no ledger key in the data directory: an export is signed with it");
	if (r == 0)
		r = incident_get(d->st, d->lg, p, id, d->clock(), &inc, err);
	if (r == 0)
		r = make_dir(dir, err);
	for (const char *s = "evidence"; r == 0 && s;
	     s = strcmp(s, "evidence") ? NULL : "entries") {
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s/%s", dir, s);
		r = make_dir(sub.buf, err);
	}
	if (r < 0)
		goto out;
	time_format_rfc3339_offset(&when, d->clock(), TOKYO_OFFSET_MS);
	jw_init(&w, &manifest);
	jw_object_begin(&w);
	jw_kv_str(&w, "format", MANIFEST_FORMAT);
	jw_kv_int(&w, "incident", id);
	jw_kv_str(&w, "title", inc.title);
	jw_kv_str(&w, "status", inc.status);
	jw_kv_str(&w, "exported_at", when.buf);
	jw_kv_str(&w, "checkpoint", CHECKPOINT_FILE);
	jw_key(&w, "tree_size");
	jw_uint(&w, cp.size);
	r = export_files(d, dir, &inc, &w, err);
	jw_key(&w, "entries");
	jw_array_begin(&w);
	/* every act of the case the checkpoint covers: intake, hand-overs, steps, notes */
	for (size_t i = 0; r == 0 && i < inc.hist.nr; i++)
		if (inc.hist.items[i].ledger_index < cp.size &&
		    (i == 0 ||
		     inc.hist.items[i].ledger_index != inc.hist.items[i - 1].ledger_index))
			r = export_entry(d, dir, inc.hist.items[i].ledger_index, cp.size, &w, err);
	jw_array_end(&w);
	jw_object_end(&w);
	strbuf_addch(&manifest, '\n');
	if (r == 0)
		r = write_file(dir, MANIFEST_FILE, manifest.buf, manifest.len, err);
	core_sha256_hex(manifest.buf, manifest.len, sha);
	if (r == 0)
		r = sign_export(d, &cp, id, sha, &note, err);
	if (r == 0)
		r = write_file(dir, CHECKPOINT_FILE, note.buf, note.len, err);
out:
	incident_release(&inc);
	strbuf_release(&manifest);
	strbuf_release(&sub);
	strbuf_release(&note);
	strbuf_release(&when);
	return r;
}

int incident_export(struct door *d, int64_t id, const char *dir, struct strbuf *err)
{
	int r;

	door_lead(d);
	r = export_locked(d, id, dir, err);
	door_unlead(d);
	return r;
}

/* ---- the manifest ------------------------------------------------------------------------ */

static char *jdup(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v && json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static bool juint(json_t *o, const char *key, uint64_t *ret)
{
	json_t *v = json_object_get(o, key);

	if (!v || !json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*ret = (uint64_t)json_integer_value(v);
	return true;
}

/* A relative path inside the export: dir/name, no "..", no absolute path, no control bytes. */
static bool safe_path(const char *s, const char *dir)
{
	size_t dl = strlen(dir);

	if (!s || strncmp(s, dir, dl) || s[dl] != '/' || !s[dl + 1] || strlen(s) > 512)
		return false;
	for (const char *p = s + dl + 1; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return strcmp(s + dl + 1, ".") && strcmp(s + dl + 1, "..");
}

static int parse_files(json_t *arr, struct incident_manifest *m, struct strbuf *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) > INCIDENT_MANIFEST_MAX_N) {
		error_set(err, "'files' must be a list of at most %d", INCIDENT_MANIFEST_MAX_N);
		return -EINVAL;
	}
	m->files = xcalloc(json_array_size(arr) + 1, sizeof(*m->files));
	json_array_foreach(arr, i, v)
	{
		struct incident_manifest_file *f = &m->files[m->n_files++];
		uint64_t size = 0;

		f->name = jdup(v, "name");
		f->sha256 = jdup(v, "sha256");
		f->entry = jdup(v, "entry");
		if (!json_is_object(v) || !safe_path(f->name, "evidence") ||
		    !safe_path(f->entry, "entries") || !f->sha256 ||
		    !attach_valid_sha256(f->sha256) || !juint(v, "size", &size) ||
		    size > INT64_MAX || !juint(v, "ledger_index", &f->ledger_index)) {
			error_set(err,
			          "files[%zu] needs name (evidence/...), sha256, size, "
			          "ledger_index and entry (entries/...)",
			          i);
			return -EINVAL;
		}
		f->size = (int64_t)size;
	}
	return 0;
}

static int parse_entries(json_t *arr, struct incident_manifest *m, struct strbuf *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr) || json_array_size(arr) > INCIDENT_MANIFEST_MAX_N) {
		error_set(err, "'entries' must be a list of at most %d", INCIDENT_MANIFEST_MAX_N);
		return -EINVAL;
	}
	m->entries = xcalloc(json_array_size(arr) + 1, sizeof(*m->entries));
	json_array_foreach(arr, i, v)
	{
		struct incident_manifest_entry *e = &m->entries[m->n_entries++];
		json_t *proof = json_object_get(v, "proof"), *h;
		size_t k;

		e->file = jdup(v, "file");
		if (!json_is_object(v) || !safe_path(e->file, "entries") ||
		    !juint(v, "index", &e->index) || !json_is_array(proof) ||
		    json_array_size(proof) > MERKLE_MAX_PROOF) {
			error_set(err, "entries[%zu] needs file (entries/...), index and proof", i);
			return -EINVAL;
		}
		e->proof = xcalloc(json_array_size(proof) + 1, sizeof(*e->proof));
		json_array_foreach(proof, k, h)
		{
			size_t n = 0;
			const char *s = json_is_string(h) ? json_string_value(h) : "";
			if (b64_decode(s, strlen(s), e->proof[k], MERKLE_HASH_SIZE, &n) < 0 ||
			    n != MERKLE_HASH_SIZE) {
				error_set(err, "entries[%zu].proof[%zu] is not a base64 SHA-256", i,
				          k);
				return -EINVAL;
			}
			e->n_proof++;
		}
	}
	return 0;
}

int incident_manifest_parse(const char *buf, size_t len, struct incident_manifest *ret,
                            struct strbuf *err)
{
	struct incident_manifest m;
	json_error_t jerr;
	json_t *root, *v;
	int r = -EINVAL;

	memset(&m, 0, sizeof(m));
	memset(ret, 0, sizeof(*ret));
	if (len > INCIDENT_MANIFEST_MAX) {
		error_set(err, "the manifest is larger than %d MiB", INCIDENT_MANIFEST_MAX >> 20);
		return -EFBIG;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || !json_is_object(root)) {
		error_set(err, "the manifest is not a JSON object (line %d: %s)", jerr.line,
		          root ? "not an object" : jerr.text);
		goto out;
	}
	v = json_object_get(root, "format");
	if (!v || !json_is_string(v) || strcmp(json_string_value(v), MANIFEST_FORMAT)) {
		error_set(err, "the manifest is not '%s'", MANIFEST_FORMAT);
		goto out;
	}
	v = json_object_get(root, "incident");
	if (!v || !json_is_integer(v) || json_integer_value(v) <= 0) {
		error_set(err, "the manifest names no incident");
		goto out;
	}
	m.incident = json_integer_value(v);
	m.checkpoint = jdup(root, "checkpoint");
	if (!m.checkpoint || strchr(m.checkpoint, '/') || !*m.checkpoint ||
	    !strcmp(m.checkpoint, "..") || !strcmp(m.checkpoint, ".") ||
	    !juint(root, "tree_size", &m.tree_size) || m.tree_size == 0) {
		error_set(err, "the manifest needs 'checkpoint' (a file name) and 'tree_size'");
		goto out;
	}
	r = parse_files(json_object_get(root, "files"), &m, err);
	if (r == 0)
		r = parse_entries(json_object_get(root, "entries"), &m, err);
out:
	json_decref(root);
	if (r < 0)
		incident_manifest_release(&m);
	else
		*ret = m;
	return r;
}

void incident_manifest_release(struct incident_manifest *m)
{
	for (size_t i = 0; i < m->n_files; i++) {
		free(m->files[i].name);
		free(m->files[i].sha256);
		free(m->files[i].entry);
	}
	free(m->files);
	for (size_t i = 0; i < m->n_entries; i++) {
		free(m->entries[i].file);
		free(m->entries[i].proof);
	}
	free(m->entries);
	free(m->checkpoint);
	memset(m, 0, sizeof(*m));
}

/* ---- verifying --------------------------------------------------------------------------- */

static int changed(struct incident_verify_result *res, const char *name, struct strbuf *err,
                   const char *why)
{
	snprintf(res->changed, sizeof(res->changed), "%s", name);
	error_set(err, "%s", why);
	return -EBADMSG;
}

static int read_in(const char *dir, const char *name, size_t limit, struct strbuf *out)
{
	struct strbuf path = STRBUF_INIT;
	int r;

	strbuf_addf(&path, "%s/%s", dir, name);
	r = strbuf_read_file(out, path.buf, limit + 1);
	strbuf_release(&path);
	if (r >= 0 && out->len > limit)
		r = -EFBIG;
	return r < 0 ? r : 0;
}

/*
 * The checkpoint: signed by the ward's key, for tree_size, naming this incident and the
 * manifest's SHA-256 in its extension line. Fills root.
 */
static int check_checkpoint(const char *dir, const struct incident_manifest *m,
                            const char *manifest_sha, const struct note_verifier *key,
                            uint8_t root[MERKLE_HASH_SIZE], struct incident_verify_result *res,
                            struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT, want = STRBUF_INIT;
	struct checkpoint cp;
	struct note n = { 0 };
	int r = read_in(dir, m->checkpoint, 64 * 1024, &text);

	if (r < 0) {
		r = changed(res, m->checkpoint, err, "cannot be read");
		goto out;
	}
	if (checkpoint_open(text.buf, text.len, key, 1, &cp, err) < 0 ||
	    note_parse(text.buf, text.len, &n, err) < 0) {
		r = changed(res, m->checkpoint, err, "is not signed by the ward's log key");
		goto out;
	}
	strbuf_addf(&want, "\n%s %" PRId64 " %s\n", EXPORT_EXTENSION, m->incident, manifest_sha);
	if (!strstr(n.text.buf, want.buf)) {
		r = changed(res, MANIFEST_FILE, err, "is not the manifest the checkpoint signed");
		goto out;
	}
	if (cp.size != m->tree_size) {
		r = changed(res, MANIFEST_FILE, err, "names another tree size than the checkpoint");
		goto out;
	}
	memcpy(root, cp.root, MERKLE_HASH_SIZE);
	res->tree_size = cp.size;
out:
	note_release(&n);
	strbuf_release(&text);
	strbuf_release(&want);
	return r;
}

/* Each entry is in the tree the checkpoint signed, and is one of this case's acts. */
static int check_entries(const char *dir, const struct incident_manifest *m,
                         const uint8_t root[MERKLE_HASH_SIZE], struct strbuf *bytes_out,
                         struct incident_verify_result *res, struct strbuf *err)
{
	struct merkle_hasher *h = merkle_hasher_new();
	struct strbuf bytes = STRBUF_INIT, subject = STRBUF_INIT;
	int r = 0;

	for (size_t i = 0; i < m->n_entries && r == 0; i++) {
		const struct incident_manifest_entry *e = &m->entries[i];
		struct merkle_span proof[MERKLE_MAX_PROOF];
		struct ledger_entry le = { 0 };
		uint8_t leaf[MERKLE_HASH_SIZE];
		const char *slash;

		strbuf_reset(&bytes);
		if (read_in(dir, e->file, ENTRY_MAX_SIZE, &bytes) < 0) {
			r = changed(res, e->file, err, "is missing or cannot be read");
			break;
		}
		merkle_hash_leaf(h, bytes.buf, bytes.len, leaf);
		for (size_t k = 0; k < e->n_proof; k++)
			proof[k] = merkle_span_hash(e->proof[k]);
		if (merkle_verify_inclusion(h, e->index, m->tree_size, merkle_span_hash(leaf),
		                            proof, e->n_proof, merkle_span_hash(root)) < 0) {
			r = changed(res, e->file, err, "is not the entry the signed tree holds");
			break;
		}
		if (entry_decode(bytes.buf, bytes.len, &le, err) < 0 || !le.subject ||
		    !(slash = strrchr(le.subject, '/')) ||
		    strtoll(slash + 1, NULL, 10) != m->incident) {
			entry_release(&le);
			r = changed(res, e->file, err, "is not an act of this incident");
			break;
		}
		entry_release(&le);
		strbuf_addf(bytes_out, "%" PRIu64 " ", e->index);
		res->entries++;
	}
	merkle_hasher_free(h);
	strbuf_release(&bytes);
	strbuf_release(&subject);
	return r;
}

/* The entry that took a file in names its SHA-256 and size in its public data. */
static bool entry_names_file(const char *dir, const struct incident_manifest_file *f)
{
	struct strbuf bytes = STRBUF_INIT, err = STRBUF_INIT;
	struct ledger_entry le = { 0 };
	json_t *data = NULL, *att, *v;
	bool ok = false;
	size_t i;

	if (read_in(dir, f->entry, ENTRY_MAX_SIZE, &bytes) < 0 ||
	    entry_decode(bytes.buf, bytes.len, &le, &err) < 0 || !le.data)
		goto out;
	data = json_loadb((const char *)le.data, le.data_len, 0, NULL);
	att = json_object_get(json_object_get(data, "info"), "attachments");
	json_array_foreach(att, i, v)
	{
		json_t *s = json_object_get(v, "sha256"), *z = json_object_get(v, "size");
		if (json_is_string(s) && !strcmp(json_string_value(s), f->sha256) &&
		    json_is_integer(z) && json_integer_value(z) == f->size)
			ok = true;
	}
out:
	json_decref(data);
	entry_release(&le);
	strbuf_release(&bytes);
	strbuf_release(&err);
	return ok;
}

static int check_files(const char *dir, const struct incident_manifest *m, const char *proven,
                       struct incident_verify_result *res, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT, idx = STRBUF_INIT;
	int r = 0;

	for (size_t i = 0; i < m->n_files && r == 0; i++) {
		const struct incident_manifest_file *f = &m->files[i];
		char sha[65];

		strbuf_reset(&data);
		if (read_in(dir, f->name, ATTACH_MAX_LIMIT, &data) < 0) {
			r = changed(res, f->name, err, "is missing or cannot be read");
			break;
		}
		core_sha256_hex(data.buf, data.len, sha);
		if (strcmp(sha, f->sha256) || (int64_t)data.len != f->size) {
			r = changed(res, f->name, err, "its SHA-256 is not the one taken in");
			break;
		}
		strbuf_reset(&idx);
		strbuf_addf(&idx, " %" PRIu64 " ", f->ledger_index);
		/* its intake entry must be one the checkpoint proves, and name this very file */
		if (!strstr(proven, idx.buf) || !entry_names_file(dir, f)) {
			r = changed(res, f->name, err, "no entry of the signed tree took it in");
			break;
		}
		res->files++;
	}
	strbuf_release(&data);
	strbuf_release(&idx);
	return r;
}

int incident_verify_export(const char *dir, const char *pub, size_t pub_len,
                           struct incident_verify_result *res, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT, proven = STRBUF_INIT, key_text = STRBUF_INIT;
	struct incident_manifest m;
	struct note_verifier key;
	uint8_t root[MERKLE_HASH_SIZE];
	char sha[65];
	int r;

	memset(res, 0, sizeof(*res));
	memset(&m, 0, sizeof(m));
	while (pub_len && (*pub == ' ' || *pub == '\n' || *pub == '\r' || *pub == '\t')) {
		pub++;
		pub_len--;
	}
	strbuf_add(&key_text, pub, pub_len);
	strbuf_rtrim(&key_text);
	r = note_verifier_parse(key_text.buf, key_text.len, &key, err);
	if (r < 0)
		goto out;
	if (read_in(dir, MANIFEST_FILE, INCIDENT_MANIFEST_MAX, &text) < 0) {
		r = changed(res, MANIFEST_FILE, err, "is missing or cannot be read");
		goto out;
	}
	core_sha256_hex(text.buf, text.len, sha);
	r = incident_manifest_parse(text.buf, text.len, &m, err);
	if (r < 0) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addf(&why, "cannot be read: %s", err->buf);
		r = changed(res, MANIFEST_FILE, err, why.buf);
		strbuf_release(&why);
		goto out;
	}
	r = check_checkpoint(dir, &m, sha, &key, root, res, err);
	strbuf_addch(&proven, ' ');
	if (r == 0)
		r = check_entries(dir, &m, root, &proven, res, err);
	if (r == 0)
		r = check_files(dir, &m, proven.buf, res, err);
out:
	incident_manifest_release(&m);
	strbuf_release(&text);
	strbuf_release(&proven);
	strbuf_release(&key_text);
	return r;
}
