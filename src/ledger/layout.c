/* ledger layouts: a tile's, a bundle's and its sealed records' stored forms, and an entry
 * prepared for the tree (its bytes, seal and leaf hash), apart from appending them (ledger.c). */
#include <errno.h>
#include <string.h>

#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "ledger/sha256x16.h"

/* Layouts */

void tile_encode(const struct tile *t, struct strbuf *out)
{
	for (unsigned j = 0; j < LEDGER_TILE_HEIGHT; j++)
		strbuf_add(out, t->hashes[tile_layer_offset(j)],
		           (size_t)(t->width >> j) * MERKLE_HASH_SIZE);
}

int tile_decode(const void *blob, size_t len, unsigned width, struct tile *t)
{
	const uint8_t *p = blob;

	if (width < 1 || width > LEDGER_TILE_WIDTH ||
	    len != tile_stored_count(width) * MERKLE_HASH_SIZE)
		return -EINVAL;
	for (unsigned j = 0; j < LEDGER_TILE_HEIGHT; j++) {
		size_t n = (size_t)(width >> j) * MERKLE_HASH_SIZE;
		memcpy(t->hashes[tile_layer_offset(j)], p, n);
		p += n;
	}
	t->width = width;
	return 0;
}

int bundle_next(const uint8_t *data, size_t size, size_t *pos, const uint8_t **entry, size_t *len)
{
	size_t n;

	if (*pos == size)
		return 0;
	if (size - *pos < 2)
		return -EINVAL;
	n = (size_t)data[*pos] << 8 | data[*pos + 1];
	if (n > size - *pos - 2)
		return -EINVAL;
	*entry = data + *pos + 2;
	*len = n;
	*pos += 2 + n;
	return 1;
}

int sealed_next(const uint8_t *data, size_t size, size_t *pos, struct sealed_rec *rec)
{
	size_t p = *pos, n;

	if (p == size)
		return 0;
	if (size - p < 2)
		return -EINVAL;
	rec->slot = data[p];
	rec->state = data[p + 1];
	p += 2;
	if (rec->state == SEALED_ERASED) {
		rec->salt = NULL;
		rec->payload = NULL;
		rec->len = 0;
	} else if (rec->state == SEALED_PRESENT) {
		if (size - p < ENTRY_SALT_SIZE + 4)
			return -EINVAL;
		rec->salt = data + p;
		p += ENTRY_SALT_SIZE;
		n = (size_t)data[p] << 24 | (size_t)data[p + 1] << 16 | (size_t)data[p + 2] << 8 |
		    data[p + 3];
		p += 4;
		if (n > size - p || n > ENTRY_MAX_PAYLOAD)
			return -EINVAL;
		rec->payload = data + p;
		rec->len = n;
		p += n;
	} else {
		return -EINVAL;
	}
	*pos = p;
	return 1;
}

void sealed_add(struct strbuf *out, unsigned slot, const uint8_t salt[ENTRY_SALT_SIZE],
                const void *payload, size_t len)
{
	uint8_t *d;

	strbuf_grow(out, SEALED_HEAD + len);
	d = (uint8_t *)out->buf + out->len;
	sealed_head(d, slot, salt, len);
	memcpy(d + SEALED_HEAD, payload, len);
	strbuf_setlen(out, out->len + SEALED_HEAD + len);
}

/* Preparing entries */

void prepared_release(struct prepared_entry *p)
{
	strbuf_release(&p->bytes);
	explicit_bzero(p->salt, sizeof(p->salt));
}

/* ledger_prepare_head's checks, salt and p's fields, before the seal and the encoding. */
static int prepare_begin(const struct ledger_entry *e, const void *head, size_t head_len,
                         struct prepared_entry *p, struct strbuf *err)
{
	size_t len = e->payload ? e->payload_len : 0;

	strbuf_reset(&p->bytes);
	p->sealed = false;
	p->head = NULL;
	p->head_len = 0;
	p->payload = NULL;
	p->payload_len = 0;
	if (e->payload || head_len) {
		if (len > ENTRY_MAX_PAYLOAD || head_len > ENTRY_MAX_PAYLOAD - len) {
			error_set(err, "sealed payload is %zu bytes; at most %d are allowed",
			          head_len + len, ENTRY_MAX_PAYLOAD);
			return -EINVAL;
		}
		if (entry_new_salt(p->salt) < 0) {
			error_set(err, "cannot draw a salt: the OpenSSL random generator failed");
			return -EIO;
		}
		p->sealed = true;
		p->head = head_len ? head : NULL;
		p->head_len = head_len;
		p->payload = e->payload;
		p->payload_len = len;
	} else if (e->sealed) {
		error_set(err, "an entry's seal is made by the ledger: give the payload instead");
		return -EINVAL;
	}
	return 0;
}

int ledger_prepare_head(struct merkle_hasher *h, const struct ledger_entry *e, const void *head,
                        size_t head_len, struct prepared_entry *p, struct strbuf *err)
{
	uint8_t commitment[MERKLE_HASH_SIZE];
	int r = prepare_begin(e, head, head_len, p, err);

	if (r < 0)
		return r;
	if (p->sealed)
		entry_seal_commitment_head(h, p->salt, p->head, p->head_len, p->payload,
		                           p->payload_len, commitment);
	r = entry_encode_sealed(e, p->sealed ? commitment : NULL, &p->bytes, err);
	if (r < 0) {
		explicit_bzero(p->salt, sizeof(p->salt));
		return r;
	}
	merkle_hash_leaf(h, p->bytes.buf, p->bytes.len, p->leaf);
	return 0;
}

/*
 * The seals of p[0..n) (sealed ones), 16 at once: each SHA-256(start || head || payload) as
 * entry_seal_commitment_head makes it; one too long for a lane, or all when fewer
 * than SHA256X16_MIN fit, are made by h.
 */
static void seals_many(struct merkle_hasher *h, const struct prepared_entry *p, unsigned n,
                       uint8_t seals[][MERKLE_HASH_SIZE])
{
	uint8_t start[SHA256X16_LANES][ENTRY_SEAL_START_MAX];
	struct sha256x16_msg m[SHA256X16_LANES];
	unsigned at[SHA256X16_LANES], k = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct prepared_entry *q = &p[i];
		bool apart = q->head_len > ENTRY_SEAL_HEAD_JOIN; /* (the head not in start) */
		size_t s;

		if (!q->sealed)
			continue;
		s = entry_seal_start(start[k], q->salt, q->head, q->head_len);
		if (s + (apart ? q->head_len : 0) + q->payload_len > SHA256X16_MAX) {
			entry_seal_commitment_head(h, q->salt, q->head, q->head_len, q->payload,
			                           q->payload_len, seals[i]);
			explicit_bzero(start[k], s);
			continue;
		}
		m[k] = (struct sha256x16_msg){
			.part = { start[k], apart ? q->head : q->payload,
			          apart ? q->payload : NULL },
			.len = { s, apart ? q->head_len : q->payload_len,
			         apart ? q->payload_len : 0 },
		};
		at[k++] = i;
	}
	if (k >= SHA256X16_MIN) {
		uint8_t out[SHA256X16_LANES][MERKLE_HASH_SIZE];
		sha256x16(m, k, out);
		for (unsigned j = 0; j < k; j++)
			memcpy(seals[at[j]], out[j], MERKLE_HASH_SIZE);
	} else {
		for (unsigned j = 0; j < k; j++) {
			const struct prepared_entry *q = &p[at[j]];
			entry_seal_commitment_head(h, q->salt, q->head, q->head_len, q->payload,
			                           q->payload_len, seals[at[j]]);
		}
	}
	explicit_bzero(start, sizeof(start[0]) * k); /* (salts) */
}

/* The leaves of p[0..n): SHA-256(0x00 || entry), 16 at once (by h: one too long for a lane, or all
 * when fewer than SHA256X16_MIN fit). */
static void leaves_many(struct merkle_hasher *h, struct prepared_entry *p, unsigned n)
{
	static const uint8_t prefix = 0x00;
	struct sha256x16_msg m[SHA256X16_LANES];
	uint8_t out[SHA256X16_LANES][MERKLE_HASH_SIZE];
	unsigned at[SHA256X16_LANES], k = 0;

	for (unsigned i = 0; i < n; i++) {
		if (1 + p[i].bytes.len > SHA256X16_MAX) {
			merkle_hash_leaf(h, p[i].bytes.buf, p[i].bytes.len, p[i].leaf);
			continue;
		}
		m[k] = (struct sha256x16_msg){ .part = { &prefix, p[i].bytes.buf },
			                       .len = { 1, p[i].bytes.len } };
		at[k++] = i;
	}
	if (k < SHA256X16_MIN) {
		for (unsigned j = 0; j < k; j++)
			merkle_hash_leaf(h, p[at[j]].bytes.buf, p[at[j]].bytes.len, p[at[j]].leaf);
		return;
	}
	sha256x16(m, k, out);
	for (unsigned j = 0; j < k; j++)
		memcpy(p[at[j]].leaf, out[j], MERKLE_HASH_SIZE);
}

int ledger_prepare_many(struct merkle_hasher *h, const struct ledger_entry *e,
                        const void *const *heads, const size_t *head_lens, unsigned n,
                        struct prepared_entry *p, unsigned *ret_done, struct strbuf *err)
{
	uint8_t seals[SHA256X16_LANES][MERKLE_HASH_SIZE];
	unsigned i, ok;
	int r = 0;

	if (n < SHA256X16_MIN || n > SHA256X16_LANES || !merkle_hasher_x16(h)) {
		for (i = 0; i < n && r == 0; i++)
			r = ledger_prepare_head(h, &e[i], heads[i], head_lens[i], &p[i], err);
		*ret_done = r < 0 ? i - 1 : n;
		return r;
	}
	/* checks and salts, up to the first refused; then the seals of those, 16 at once */
	for (ok = 0; ok < n; ok++) {
		r = prepare_begin(&e[ok], heads[ok], head_lens[ok], &p[ok], err);
		if (r < 0)
			break;
	}
	seals_many(h, p, ok, seals);
	for (i = 0; i < ok; i++) {
		/* (an error here comes before the one that stopped the checks: it is the one told)
		 */
		int q = entry_encode_sealed(&e[i], p[i].sealed ? seals[i] : NULL, &p[i].bytes, err);
		if (q < 0) {
			r = q;
			break;
		}
	}
	/* what is not prepared keeps no salt */
	for (unsigned j = i; j < ok; j++)
		explicit_bzero(p[j].salt, sizeof(p[j].salt));
	leaves_many(h, p, i);
	*ret_done = i;
	return r;
}

int ledger_prepare(struct merkle_hasher *h, const struct ledger_entry *e, struct prepared_entry *p,
                   struct strbuf *err)
{
	return ledger_prepare_head(h, e, NULL, 0, p, err);
}
