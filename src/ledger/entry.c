/* entry: the versioned canonical byte encoding of one ledger entry (docs/ledger.md). */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "base/cleanup.h"
#include "base/msgid.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "ledger/entry.h"
#include "ledger/note.h"

/* Field tags: part of the format (docs/ledger.md). */
enum {
	TAG_ACTOR = 1,
	TAG_ACTION = 2,
	TAG_SUBJECT = 3,
	TAG_BEFORE = 4,
	TAG_AFTER = 5,
	TAG_DECISION = 6,
	TAG_CLAUSES = 7,
	TAG_PROFILE = 8,
	TAG_SOURCE = 9,
	TAG_LINE = 10,
	TAG_DATA = 11,
	TAG_SEALED = 12,
	TAG_REF = 13,
	TAG_KEY = 14,
	TAG_MAX = 14,
};

/* Field names, by tag, for messages and JSON. */
static const char *const tag_names[TAG_MAX + 1] = {
	[TAG_ACTOR] = "actor",     [TAG_ACTION] = "action",   [TAG_SUBJECT] = "subject",
	[TAG_BEFORE] = "before",   [TAG_AFTER] = "after",     [TAG_DECISION] = "decision",
	[TAG_CLAUSES] = "clauses", [TAG_PROFILE] = "profile", [TAG_SOURCE] = "source",
	[TAG_LINE] = "line",       [TAG_DATA] = "data",       [TAG_SEALED] = "sealed",
	[TAG_REF] = "ref",         [TAG_KEY] = "key",
};

/* Kind names, by kind, for JSON and (as message ids: the front ends translate them) people. */
static const char *const kind_names[] = {
	[ENTRY_CHANGE] = N_("change"),       [ENTRY_DECISION] = N_("decision"),
	[ENTRY_LOGIN] = N_("login"),         [ENTRY_INGEST] = N_("ingest"),
	[ENTRY_RETENTION] = N_("retention"), [ENTRY_KEY_ROTATION] = N_("key_rotation"),
	[ENTRY_NOTE] = N_("note"),           [ENTRY_INTEGRITY] = N_("integrity"),
};

const char *entry_kind_name(int kind)
{
	if (kind < 1 || (size_t)kind >= ARRAY_SIZE(kind_names))
		return NULL;
	return kind_names[kind];
}

/* Text fields: non-empty UTF-8 without control characters, at most ENTRY_MAX_TEXT bytes. */
static bool text_valid(const char *s, size_t len)
{
	if (len == 0 || len > ENTRY_MAX_TEXT || !utf8_valid(s, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* Clause ids separated by single spaces: no empty ids, no leading or trailing space. */
static bool clauses_valid(const char *s, size_t len)
{
	if (!text_valid(s, len) || s[0] == ' ' || s[len - 1] == ' ')
		return false;
	for (size_t i = 1; i < len; i++)
		if (s[i] == ' ' && s[i - 1] == ' ')
			return false;
	return true;
}

/* What each kind must carry (docs/ledger.md, "Kinds"); sealed is the entry's seal (e->sealed, or
 * the one entry_encode_sealed was given). */
static int check_kind(const struct ledger_entry *e, const uint8_t *sealed, struct strbuf *err)
{
	const char *missing = NULL;

	switch (e->kind) {
	case ENTRY_CHANGE:
		missing = !e->actor     ? "actor"
		          : !e->action  ? "action"
		          : !e->subject ? "subject"
		                        : NULL;
		break;
	case ENTRY_DECISION:
		missing = !e->actor      ? "actor"
		          : !e->action   ? "action"
		          : !e->decision ? "decision"
		                         : NULL;
		break;
	case ENTRY_LOGIN:
		missing = !e->actor ? "actor" : !e->action ? "action" : NULL;
		break;
	case ENTRY_INGEST:
		missing = !e->source              ? "source"
		          : !e->has_line          ? "line"
		          : (!e->data && !sealed) ? "data or sealed"
		                                  : NULL;
		break;
	case ENTRY_RETENTION:
		missing = !e->actor ? "actor" : !e->has_ref ? "ref" : NULL;
		break;
	case ENTRY_KEY_ROTATION:
		missing = !e->key ? "key" : NULL;
		break;
	case ENTRY_NOTE:
		missing = (!e->data && !sealed) ? "data or sealed" : NULL;
		break;
	case ENTRY_INTEGRITY:
		missing = !e->action    ? "action"
		          : !e->subject ? "subject"
		          : !e->after   ? "after"
		                        : NULL;
		break;
	default:
		error_set(err, "unknown entry kind %d", (int)e->kind);
		return -EINVAL;
	}
	if (missing) {
		error_set(err, "a %s entry needs %s", entry_kind_name((int)e->kind), missing);
		return -EINVAL;
	}
	return 0;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Encoding writes straight into room made once for the whole entry: a strbuf_add or addch
 * for each byte run cost 92 ns for a collected message's entry of 72 bytes, in each receiving
 * thread (perf: a third of it strbuf_addch), against 0.7 us for sealing and hashing it.
 */
static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
	return p + 8;
}

static uint8_t *put_field(uint8_t *p, int tag, const void *data, size_t len)
{
	p[0] = (uint8_t)tag;
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)(len & 0xff);
	memcpy(p + 3, data, len);
	return p + 3 + len;
}

/* The text fields in the order they are encoded. */
static const int text_tags[] = { TAG_ACTOR,   TAG_ACTION, TAG_SUBJECT, TAG_DECISION,
	                         TAG_CLAUSES, TAG_SOURCE, TAG_KEY };

static const char *text_of(const struct ledger_entry *e, int tag)
{
	switch (tag) {
	case TAG_ACTOR:
		return e->actor;
	case TAG_ACTION:
		return e->action;
	case TAG_SUBJECT:
		return e->subject;
	case TAG_DECISION:
		return e->decision;
	case TAG_CLAUSES:
		return e->clauses;
	case TAG_SOURCE:
		return e->source;
	default:
		return e->key;
	}
}

/* Checks a text field (NULL: absent) and gives its length. */
static int text_check(int tag, const char *s, size_t *ret_len, struct strbuf *err)
{
	size_t len;

	*ret_len = 0;
	if (!s)
		return 0;
	len = strlen(s);
	if (tag == TAG_CLAUSES ? !clauses_valid(s, len) : !text_valid(s, len)) {
		error_set(err,
		          "entry field '%s' must be non-empty UTF-8 text of at most %d bytes "
		          "without control characters%s",
		          tag_names[tag], ENTRY_MAX_TEXT,
		          tag == TAG_CLAUSES ? N_(", ids separated by single spaces") : "");
		return -EINVAL;
	}
	*ret_len = len;
	return 0;
}

int entry_encode(const struct ledger_entry *e, struct strbuf *out, struct strbuf *err)
{
	return entry_encode_sealed(e, e->sealed, out, err);
}

int entry_encode_sealed(const struct ledger_entry *e, const uint8_t *sealed, struct strbuf *out,
                        struct strbuf *err)
{
	size_t tlen[ARRAY_SIZE(text_tags)], size = 2 + 8;
	uint8_t *p, be[8];
	int r;

	r = check_kind(e, sealed, err);
	if (r < 0)
		return r;
	if (e->time_ms < 0) {
		error_set(err, "entry time must not be before 1970");
		return -EINVAL;
	}
	if (e->payload && !sealed) {
		error_set(err, "entry has a payload but no seal (the ledger seals payloads)");
		return -EINVAL;
	}
	if (e->data && e->data_len > ENTRY_MAX_SIZE) {
		error_set(err, "entry data is %zu bytes; at most %d fit in an entry", e->data_len,
		          ENTRY_MAX_SIZE);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(text_tags); i++) {
		const char *s = text_of(e, text_tags[i]);

		r = text_check(text_tags[i], s, &tlen[i], err);
		if (r < 0)
			return r;
		size += s ? 3 + tlen[i] : 0;
	}
	size += (e->before ? 3 + MERKLE_HASH_SIZE : 0) + (e->after ? 3 + MERKLE_HASH_SIZE : 0) +
	        (e->profile ? 3 + MERKLE_HASH_SIZE : 0) + (e->has_line ? 3 + 8 : 0) +
	        (e->data ? 3 + e->data_len : 0) + (sealed ? 3 + MERKLE_HASH_SIZE : 0) +
	        (e->has_ref ? 3 + 8 : 0);
	if (size > ENTRY_MAX_SIZE) {
		error_set(err, "entry is %zu bytes encoded; at most %d are allowed", size,
		          ENTRY_MAX_SIZE);
		return -EINVAL;
	}

	strbuf_grow(out, size);
	p = (uint8_t *)out->buf + out->len;
	*p++ = ENTRY_VERSION;
	*p++ = (uint8_t)e->kind;
	p = put_u64(p, (uint64_t)e->time_ms);
	if (e->actor)
		p = put_field(p, TAG_ACTOR, e->actor, tlen[0]);
	if (e->action)
		p = put_field(p, TAG_ACTION, e->action, tlen[1]);
	if (e->subject)
		p = put_field(p, TAG_SUBJECT, e->subject, tlen[2]);
	if (e->before)
		p = put_field(p, TAG_BEFORE, e->before, MERKLE_HASH_SIZE);
	if (e->after)
		p = put_field(p, TAG_AFTER, e->after, MERKLE_HASH_SIZE);
	if (e->decision)
		p = put_field(p, TAG_DECISION, e->decision, tlen[3]);
	if (e->clauses)
		p = put_field(p, TAG_CLAUSES, e->clauses, tlen[4]);
	if (e->profile)
		p = put_field(p, TAG_PROFILE, e->profile, MERKLE_HASH_SIZE);
	if (e->source)
		p = put_field(p, TAG_SOURCE, e->source, tlen[5]);
	if (e->has_line)
		p = put_field(p, TAG_LINE, be, (size_t)(put_u64(be, e->line) - be));
	if (e->data)
		p = put_field(p, TAG_DATA, e->data, e->data_len);
	if (sealed)
		p = put_field(p, TAG_SEALED, sealed, MERKLE_HASH_SIZE);
	if (e->has_ref)
		p = put_field(p, TAG_REF, be, (size_t)(put_u64(be, e->ref) - be));
	if (e->key)
		p = put_field(p, TAG_KEY, e->key, tlen[6]);
	/* (assert: what was counted is what was written) */
	assert((size_t)(p - (uint8_t *)out->buf) == out->len + size);
	strbuf_setlen(out, out->len + size);
	return 0;
}

void entry_release(struct ledger_entry *e)
{
	free(e->owned_);
	memset(e, 0, sizeof(*e));
}

/* The fields of an entry as found in its bytes: pointers into the input. */
struct parsed {
	int kind;
	int64_t time_ms;
	const uint8_t *val[TAG_MAX + 1];
	size_t len[TAG_MAX + 1];
};

/* Parses and checks canonical bytes without copying. Returns 0 or -EINVAL. */
static int parse(const uint8_t *p, size_t len, struct parsed *f, struct strbuf *err)
{
	size_t pos = ENTRY_HEADER_SIZE;
	int last_tag = 0;
	uint64_t t;

	memset(f, 0, sizeof(*f));
	if (len < ENTRY_HEADER_SIZE || len > ENTRY_MAX_SIZE) {
		error_set(err, "entry is %zu bytes: too %s", len,
		          len < ENTRY_HEADER_SIZE ? N_("short") : N_("long"));
		return -EINVAL;
	}
	if (p[0] != ENTRY_VERSION) {
		error_set(err,
		          "entry format version %u is not known (this Mamori reads version %d)",
		          p[0], ENTRY_VERSION);
		return -EINVAL;
	}
	if (!entry_kind_name(p[1])) {
		error_set(err, "entry kind %u is not known", p[1]);
		return -EINVAL;
	}
	f->kind = p[1];
	t = get_u64(p + 2);
	if (t > INT64_MAX) {
		error_set(err, "entry time is out of range");
		return -EINVAL;
	}
	f->time_ms = (int64_t)t;
	while (pos < len) {
		int tag;
		size_t flen;
		const uint8_t *v;

		if (len - pos < 3) {
			error_set(err, "entry field header at byte %zu is truncated", pos);
			return -EINVAL;
		}
		tag = p[pos];
		flen = (size_t)p[pos + 1] << 8 | p[pos + 2];
		pos += 3;
		if (tag < 1 || tag > TAG_MAX) {
			error_set(err, "entry field tag %d is not known", tag);
			return -EINVAL;
		}
		if (tag <= last_tag) {
			error_set(err, "entry field '%s' is out of order or repeated",
			          tag_names[tag]);
			return -EINVAL;
		}
		last_tag = tag;
		if (flen > len - pos) {
			error_set(err, "entry field '%s' runs past the end", tag_names[tag]);
			return -EINVAL;
		}
		v = p + pos;
		pos += flen;
		switch (tag) {
		case TAG_BEFORE:
		case TAG_AFTER:
		case TAG_PROFILE:
		case TAG_SEALED:
			if (flen != MERKLE_HASH_SIZE) {
				error_set(err, "entry field '%s' must be a 32-byte digest",
				          tag_names[tag]);
				return -EINVAL;
			}
			break;
		case TAG_LINE:
		case TAG_REF:
			if (flen != 8) {
				error_set(err, "entry field '%s' must be a 64-bit number",
				          tag_names[tag]);
				return -EINVAL;
			}
			break;
		case TAG_DATA:
			break;
		default:
			if (tag == TAG_CLAUSES ? !clauses_valid((const char *)v, flen)
			                       : !text_valid((const char *)v, flen)) {
				error_set(err, "entry field '%s' is not valid text",
				          tag_names[tag]);
				return -EINVAL;
			}
		}
		f->val[tag] = v;
		f->len[tag] = flen;
	}
	return 0;
}

/* Copies a field into the owned arena, NUL-terminated, and returns its address. */
static const char *arena_str(char *arena, size_t *used, const uint8_t *p, size_t len)
{
	char *s = arena + *used;

	memcpy(s, p, len);
	s[len] = '\0';
	*used += len + 1;
	return s;
}

/* The entry of parsed fields; with an arena, strings and bytes are copied into it. */
static void fill(const struct parsed *f, struct ledger_entry *e, char *arena)
{
	size_t used = 0;
	const uint8_t *v[TAG_MAX + 1];

	memset(e, 0, sizeof(*e));
	e->kind = (enum entry_kind)f->kind;
	e->time_ms = f->time_ms;
	for (int t = 1; t <= TAG_MAX; t++)
		v[t] = f->val[t] && arena
		           ? (const uint8_t *)arena_str(arena, &used, f->val[t], f->len[t])
		           : f->val[t];
	e->actor = (const char *)v[TAG_ACTOR];
	e->action = (const char *)v[TAG_ACTION];
	e->subject = (const char *)v[TAG_SUBJECT];
	e->before = v[TAG_BEFORE];
	e->after = v[TAG_AFTER];
	e->decision = (const char *)v[TAG_DECISION];
	e->clauses = (const char *)v[TAG_CLAUSES];
	e->profile = v[TAG_PROFILE];
	e->source = (const char *)v[TAG_SOURCE];
	if (f->val[TAG_LINE]) {
		e->has_line = true;
		e->line = get_u64(f->val[TAG_LINE]);
	}
	e->data = v[TAG_DATA];
	e->data_len = f->len[TAG_DATA];
	e->sealed = v[TAG_SEALED];
	if (f->val[TAG_REF]) {
		e->has_ref = true;
		e->ref = get_u64(f->val[TAG_REF]);
	}
	e->key = (const char *)v[TAG_KEY];
	e->owned_ = arena;
}

int entry_validate(const void *buf, size_t len, const uint8_t **ret_sealed, struct strbuf *err)
{
	struct parsed f;
	struct ledger_entry e;
	int r = parse(buf, len, &f, err);

	if (r < 0)
		return r;
	/* Presence is all check_kind looks at: the uncopied view is enough. */
	fill(&f, &e, NULL);
	r = check_kind(&e, e.sealed, err);
	if (r == 0 && ret_sealed)
		*ret_sealed = f.val[TAG_SEALED];
	return r;
}

int entry_decode(const void *buf, size_t len, struct ledger_entry *ret, struct strbuf *err)
{
	struct parsed f;
	struct ledger_entry e;
	int r = entry_validate(buf, len, NULL, err);

	if (r < 0)
		return r;
	parse(buf, len, &f, err);
	/* Each field gains one NUL and loses its 3-byte header: the input size is enough. */
	fill(&f, &e, xmalloc(len + 1));
	*ret = e;
	return 0;
}

/* Sealed payloads */

size_t entry_seal_start(uint8_t start[ENTRY_SEAL_START_MAX], const uint8_t salt[ENTRY_SALT_SIZE],
                        const void *head, size_t head_len)
{
	static const char domain[] = "mamori-seal-v1"; /* and its NUL: part of the format */
	size_t n = sizeof(domain) + ENTRY_SALT_SIZE;

	_Static_assert(sizeof(domain) + ENTRY_SALT_SIZE + ENTRY_SEAL_HEAD_JOIN <=
	                   ENTRY_SEAL_START_MAX,
	               "the start holds domain, salt and a short head");
	memcpy(start, domain, sizeof(domain));
	memcpy(start + sizeof(domain), salt, ENTRY_SALT_SIZE);
	if (head_len && head_len <= ENTRY_SEAL_HEAD_JOIN) {
		memcpy(start + n, head, head_len);
		n += head_len;
	}
	return n;
}

void entry_seal_commitment_head(struct merkle_hasher *h, const uint8_t salt[ENTRY_SALT_SIZE],
                                const void *head, size_t head_len, const void *payload, size_t len,
                                uint8_t out[MERKLE_HASH_SIZE])
{
	uint8_t start[ENTRY_SEAL_START_MAX];
	size_t n = entry_seal_start(start, salt, head, head_len);

	/*
	 * SHA-256(domain || salt || head || payload), the payload hashed where it is (no copy).
	 * A short head joins domain and salt: each part given to SHA-256 that does not end on its
	 * 64-byte block is copied into its buffer, so fewer parts, fewer copies.
	 */
	if (head_len <= ENTRY_SEAL_HEAD_JOIN)
		merkle_sha256_2(h, start, n, payload, len, out);
	else
		merkle_sha256_3(h, start, n, head, head_len, payload, len, out);
	explicit_bzero(start, n);
}

void entry_seal_commitment(struct merkle_hasher *h, const uint8_t salt[ENTRY_SALT_SIZE],
                           const void *payload, size_t len, uint8_t out[MERKLE_HASH_SIZE])
{
	entry_seal_commitment_head(h, salt, NULL, 0, payload, len, out);
}

/*
 * Salts come from a small per-thread pool of OpenSSL's CSPRNG output, refilled by one
 * RAND_bytes call every SALT_POOL / ENTRY_SALT_SIZE salts: one call per salt cost more than
 * the rest of a collected message's path (the DRBG's parameter lookups on every call). Each
 * salt is wiped from the pool as it is handed out; a child after fork() starts with an empty
 * pool, so parent and child never share a salt.
 */
#define SALT_POOL (128 * ENTRY_SALT_SIZE)
static _Thread_local uint8_t salt_pool[SALT_POOL];
static _Thread_local size_t salt_left;
static pthread_once_t salt_once = PTHREAD_ONCE_INIT;

static void salt_after_fork(void)
{
	explicit_bzero(salt_pool, sizeof(salt_pool));
	salt_left = 0;
}

static void salt_init(void)
{
	pthread_atfork(NULL, NULL, salt_after_fork);
}

int entry_new_salt(uint8_t salt[ENTRY_SALT_SIZE])
{
	uint8_t *p;

	pthread_once(&salt_once, salt_init);
	if (salt_left < ENTRY_SALT_SIZE) {
		if (RAND_bytes(salt_pool, sizeof(salt_pool)) != 1)
			return -EIO;
		salt_left = sizeof(salt_pool);
	}
	p = salt_pool + sizeof(salt_pool) - salt_left;
	memcpy(salt, p, ENTRY_SALT_SIZE);
	explicit_bzero(p, ENTRY_SALT_SIZE);
	salt_left -= ENTRY_SALT_SIZE;
	return 0;
}

/* JSON */

static void json_hex(struct json_writer *w, const char *key, const uint8_t *d)
{
	struct strbuf hex = STRBUF_INIT;

	strbuf_addhex(&hex, d, MERKLE_HASH_SIZE);
	jw_kv_str(w, key, hex.buf);
	strbuf_release(&hex);
}

void entry_to_json(const struct ledger_entry *e, struct json_writer *w)
{
	struct strbuf sb = STRBUF_INIT;

	jw_kv_int(w, "version", ENTRY_VERSION);
	jw_kv_str(w, "kind", entry_kind_name((int)e->kind));
	time_format_rfc3339(&sb, e->time_ms);
	jw_kv_str(w, "time", sb.buf);
	jw_kv_int(w, "time_ms", e->time_ms);
	if (e->actor)
		jw_kv_str(w, "actor", e->actor);
	if (e->action)
		jw_kv_str(w, "action", e->action);
	if (e->subject)
		jw_kv_str(w, "subject", e->subject);
	if (e->before)
		json_hex(w, "before", e->before);
	if (e->after)
		json_hex(w, "after", e->after);
	if (e->decision)
		jw_kv_str(w, "decision", e->decision);
	if (e->clauses) {
		const char *p = e->clauses;
		jw_key(w, "clauses");
		jw_array_begin(w);
		while (*p) {
			size_t n = strcspn(p, " ");
			jw_string_len(w, p, n);
			p += n;
			if (*p == ' ')
				p++;
		}
		jw_array_end(w);
	}
	if (e->profile)
		json_hex(w, "profile", e->profile);
	if (e->source)
		jw_kv_str(w, "source", e->source);
	if (e->has_line) {
		jw_key(w, "line");
		jw_uint(w, e->line);
	}
	if (e->data) {
		if (utf8_valid((const char *)e->data, e->data_len) &&
		    !memchr(e->data, '\0', e->data_len)) {
			jw_key(w, "data");
			jw_string_len(w, (const char *)e->data, e->data_len);
		} else {
			strbuf_reset(&sb);
			b64_encode(&sb, e->data, e->data_len);
			jw_kv_str(w, "data_base64", sb.buf);
		}
	}
	if (e->sealed)
		json_hex(w, "sealed", e->sealed);
	if (e->has_ref) {
		jw_key(w, "ref");
		jw_uint(w, e->ref);
	}
	if (e->key)
		jw_kv_str(w, "key", e->key);
	strbuf_release(&sb);
}
