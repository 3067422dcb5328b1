/* fixture: what the ledger's storage and writer tests share (test-ledger.c, test-writer.c): a
 * fresh SQLite data directory with its ledger open, and the tree the ledger should hold, kept in
 * memory beside it. */
#ifndef MAMORI_TEST_LEDGER_FIXTURE_H
#define MAMORI_TEST_LEDGER_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ledger/ledger.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	struct store *st;
	struct ledger *lg;
	struct strbuf err;
	/* the expected tree, kept in memory */
	struct merkle_hasher *h;
	uint8_t (*leaves)[MERKLE_HASH_SIZE];
	size_t nr, alloc;
};

/* cmocka setup and teardown: the data directory, its store and ledger, made and removed. */
int setup(void **state);
int teardown(void **state);
/* A note entry e numbered i, its text in buf. */
void note_entry(struct ledger_entry *e, char *buf, size_t cap, uint64_t i);
/* Remembers the leaf hash the ledger should have for entry e. */
void expect(struct fixture *f, const struct ledger_entry *e);
/* Appends n note entries (in a transaction of the caller's if in_txn), expected. */
void append_n(struct fixture *f, size_t n, bool in_txn);
/* The expected tree's root at size. */
void expected_root(struct fixture *f, uint64_t size, uint8_t out[32]);
/* The ledger's head is the expected tree. */
void check_head(struct fixture *f);
/* Inclusion and consistency proofs of samples random sizes verify against the expected tree. */
void check_proofs(struct fixture *f, unsigned samples);

#endif
