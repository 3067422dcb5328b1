/* ledger layouts: a tile's, a bundle's and its sealed records' stored forms, and an entry
 * prepared for the tree (its bytes, seal and leaf hash), apart from appending them (ledger.c). */
#include <errno.h>
#include <string.h>

#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"

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

int ledger_prepare_head(struct merkle_hasher *h, const struct ledger_entry *e, const void *head,
                        size_t head_len, struct prepared_entry *p, struct strbuf *err)
{
	uint8_t commitment[MERKLE_HASH_SIZE];
	const uint8_t *sealed = NULL;
	size_t len = e->payload ? e->payload_len : 0;
	int r;

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
		entry_seal_commitment_head(h, p->salt, head, head_len, e->payload, len, commitment);
		sealed = commitment;
		p->sealed = true;
		p->head = head_len ? head : NULL;
		p->head_len = head_len;
		p->payload = e->payload;
		p->payload_len = len;
	} else if (e->sealed) {
		error_set(err, "an entry's seal is made by the ledger: give the payload instead");
		return -EINVAL;
	}
	r = entry_encode_sealed(e, sealed, &p->bytes, err);
	if (r < 0) {
		explicit_bzero(p->salt, sizeof(p->salt));
		return r;
	}
	merkle_hash_leaf(h, p->bytes.buf, p->bytes.len, p->leaf);
	return 0;
}

int ledger_prepare(struct merkle_hasher *h, const struct ledger_entry *e, struct prepared_entry *p,
                   struct strbuf *err)
{
	return ledger_prepare_head(h, e, NULL, 0, p, err);
}
