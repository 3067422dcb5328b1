/* batch: entries prepared for the group-commit writer, and a submitter's ledger_prep. */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"

struct batch *batch_new(void)
{
	struct batch *b = xcalloc(1, sizeof(*b));

	strbuf_init(&b->bytes, 0);
	strbuf_init_secret(&b->sealed, 0);
	return b;
}

void batch_reset(struct batch *b)
{
	strbuf_reset(&b->bytes);
	/* Sealed payloads are personal data: do not leave them in freed memory. */
	if (b->sealed.len)
		explicit_bzero(b->sealed.buf, b->sealed.len);
	strbuf_reset(&b->sealed);
	b->nr = 0;
}

size_t batch_kept(const struct batch *b)
{
	return b->bytes.alloc + b->sealed.alloc + b->alloc * sizeof(*b->items);
}

void batch_shrink(struct batch *b)
{
	strbuf_release(&b->bytes);
	strbuf_release(&b->sealed); /* (secret: wiped) */
	free(b->items);
	b->items = NULL;
	b->nr = b->alloc = 0;
}

void batch_free(struct batch *b)
{
	if (!b)
		return;
	strbuf_release(&b->bytes);
	strbuf_release_secret(&b->sealed);
	free(b->items);
	free(b);
}

void batch_add_prepared(struct batch *b, const struct prepared_entry *p)
{
	struct item *it;
	uint8_t *d;

	ALLOC_GROW(b->items, b->nr + 1, b->alloc);
	it = &b->items[b->nr++];
	/* in a bundle's form: its length first (ledger_item.framed) */
	strbuf_grow(&b->bytes, 2 + p->bytes.len);
	d = (uint8_t *)b->bytes.buf + b->bytes.len;
	d[0] = (uint8_t)((p->bytes.len >> 8) & 0xff);
	d[1] = (uint8_t)(p->bytes.len & 0xff);
	memcpy(d + 2, p->bytes.buf, p->bytes.len);
	it->off = b->bytes.len + 2;
	it->len = p->bytes.len;
	strbuf_setlen(&b->bytes, it->off + it->len);
	memcpy(it->leaf, p->leaf, MERKLE_HASH_SIZE);
	if (p->sealed) {
		it->seal_off = b->sealed.len;
		it->payload_len = p->head_len + p->payload_len;
		/* as stored (ledger_item.rec): the writer's append sets the slot */
		strbuf_grow(&b->sealed, SEALED_HEAD + it->payload_len);
		d = (uint8_t *)b->sealed.buf + it->seal_off;
		sealed_head(d, 0, p->salt, it->payload_len);
		d += SEALED_HEAD;
		if (p->head_len)
			memcpy(d, p->head, p->head_len);
		if (p->payload_len)
			memcpy(d + p->head_len, p->payload, p->payload_len);
		strbuf_setlen(&b->sealed, it->seal_off + SEALED_HEAD + it->payload_len);
	} else {
		it->seal_off = SIZE_MAX;
		it->payload_len = 0;
	}
}

void batch_append(struct batch *dst, const struct batch *src)
{
	size_t off = dst->bytes.len, seal_off = dst->sealed.len;

	ALLOC_GROW(dst->items, dst->nr + src->nr, dst->alloc);
	for (size_t i = 0; i < src->nr; i++) {
		struct item *it = &dst->items[dst->nr + i];
		*it = src->items[i];
		it->off += off;
		if (it->seal_off != SIZE_MAX)
			it->seal_off += seal_off;
	}
	dst->nr += src->nr;
	strbuf_add(&dst->bytes, src->bytes.buf, src->bytes.len);
	strbuf_add(&dst->sealed, src->sealed.buf, src->sealed.len);
}

void batch_move_tail(struct batch *src, size_t keep, struct batch *dst)
{
	size_t off, seal_off = SIZE_MAX;

	if (keep >= src->nr)
		return;
	off = src->items[keep].off - 2; /* (its length before it) */
	for (size_t i = keep; i < src->nr && seal_off == SIZE_MAX; i++)
		seal_off = src->items[i].seal_off;
	ALLOC_GROW(dst->items, src->nr - keep, dst->alloc);
	for (size_t i = keep; i < src->nr; i++) {
		struct item *it = &dst->items[i - keep];
		*it = src->items[i];
		it->off -= off;
		if (it->seal_off != SIZE_MAX)
			it->seal_off -= seal_off;
	}
	dst->nr = src->nr - keep;
	dst->first_ticket = src->first_ticket + keep;
	dst->first_ns = src->first_ns;
	/* entries and payloads are appended in order: the moved ones are each buffer's end */
	strbuf_add(&dst->bytes, src->bytes.buf + off, src->bytes.len - off);
	strbuf_setlen(&src->bytes, off);
	if (seal_off != SIZE_MAX) {
		strbuf_add(&dst->sealed, src->sealed.buf + seal_off, src->sealed.len - seal_off);
		explicit_bzero(src->sealed.buf + seal_off, src->sealed.len - seal_off);
		strbuf_setlen(&src->sealed, seal_off);
	}
	src->nr = keep;
}

struct ledger_prep *ledger_prep_new(void)
{
	struct ledger_prep *lp = xcalloc(1, sizeof(*lp));

	lp->hasher = merkle_hasher_new();
	strbuf_init(&lp->scratch.bytes, 0);
	for (unsigned i = 0; i < SHA256X16_LANES; i++)
		strbuf_init(&lp->many[i].bytes, 0);
	lp->b = batch_new();
	return lp;
}

void ledger_prep_free(struct ledger_prep *lp)
{
	if (!lp)
		return;
	merkle_hasher_free(lp->hasher);
	prepared_release(&lp->scratch);
	for (unsigned i = 0; i < SHA256X16_LANES; i++)
		prepared_release(&lp->many[i]);
	batch_free(lp->b);
	free(lp);
}

int ledger_prep_add(struct ledger_prep *lp, const struct ledger_entry *e, struct strbuf *err)
{
	return ledger_prep_add_head(lp, e, NULL, 0, err);
}

int ledger_prep_add_head(struct ledger_prep *lp, const struct ledger_entry *e, const void *head,
                         size_t head_len, struct strbuf *err)
{
	int r = ledger_prepare_head(lp->hasher, e, head, head_len, &lp->scratch, err);

	if (r < 0)
		return r;
	batch_add_prepared(lp->b, &lp->scratch);
	explicit_bzero(lp->scratch.salt, sizeof(lp->scratch.salt));
	return 0;
}

int ledger_prep_add_many(struct ledger_prep *lp, const struct ledger_entry *e,
                         const void *const *heads, const size_t *head_lens, size_t n,
                         size_t *ret_added, struct strbuf *err)
{
	size_t added = 0;
	int r = 0;

	while (added < n && r == 0) {
		unsigned k = n - added < SHA256X16_LANES ? (unsigned)(n - added) : SHA256X16_LANES,
		         ok;

		r = ledger_prepare_many(lp->hasher, e + added, heads + added, head_lens + added, k,
		                        lp->many, &ok, err);
		for (unsigned i = 0; i < ok; i++) {
			batch_add_prepared(lp->b, &lp->many[i]);
			explicit_bzero(lp->many[i].salt, sizeof(lp->many[i].salt));
		}
		added += ok;
	}
	*ret_added = added;
	return r;
}

size_t ledger_prep_count(const struct ledger_prep *lp)
{
	return lp->b->nr;
}

const char *ledger_prep_payload(const struct ledger_prep *lp, size_t i, size_t *ret_len)
{
	const struct item *it = &lp->b->items[i];

	if (it->seal_off == SIZE_MAX) {
		*ret_len = 0;
		return NULL;
	}
	*ret_len = it->payload_len;
	return lp->b->sealed.buf + it->seal_off + SEALED_HEAD;
}

void ledger_prep_reset(struct ledger_prep *lp)
{
	batch_reset(lp->b);
}
