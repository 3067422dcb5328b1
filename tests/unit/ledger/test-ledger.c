/* test-ledger: appends in SQLite across tile boundaries, proofs from storage, sealed payloads,
 * checkpoints and their key (the writer: test-writer.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ledger/ledger.h"
#include "ledger/writer-internal.h"
#include "store/store.h"
#include "fixture.h"

static void test_empty(void **state)
{
	struct fixture *f = *state;
	uint8_t root[32], empty[32];
	uint64_t size = 1;
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(ledger_head(f->lg, &size, root, &f->err), 0);
	assert_int_equal(size, 0);
	merkle_empty_root(empty);
	assert_memory_equal(root, empty, 32);
	assert_int_equal(ledger_entry_bytes(f->lg, 0, &out, &f->err), -ENOENT);
	assert_int_equal(ledger_checkpoint_get(f->lg, UINT64_MAX, &out, &f->err), -ENOENT);
	strbuf_release(&out);
}

/* Batches of awkward sizes across bundle and tile boundaries, up to level-2 tiles. */
static void test_append_across_tiles(void **state)
{
	struct fixture *f = *state;
	static const size_t batches[] = { 1,   1,    254,          1, 1,   255, 256,
		                          257, 3000, 65536 - 4032, 1, 1000 };

	for (size_t i = 0; i < ARRAY_SIZE(batches); i++) {
		append_n(f, batches[i], i % 2);
		check_head(f);
	}
	assert_true(f->nr > 65536);
	check_proofs(f, 200);
	/* every entry reads back exactly */
	for (uint64_t i = 0; i < f->nr; i += 97) {
		struct strbuf b = STRBUF_INIT;
		uint8_t leaf[32];
		assert_int_equal(ledger_entry_bytes(f->lg, i, &b, &f->err), 0);
		merkle_hash_leaf(f->h, b.buf, b.len, leaf);
		assert_memory_equal(leaf, f->leaves[i], 32);
		strbuf_release(&b);
	}
}

static void test_rollback_is_noticed(void **state)
{
	struct fixture *f = *state;
	char buf[40];
	struct ledger_entry e;
	uint64_t first;

	append_n(f, 300, false);
	/* an append inside a transaction the caller then rolls back */
	note_entry(&e, buf, sizeof(buf), 999999);
	assert_int_equal(store_begin(f->st, &f->err), 0);
	assert_int_equal(ledger_append_txn(f->lg, &e, 1, &first, &f->err), 0);
	assert_int_equal(first, 300);
	store_rollback(f->st);
	/* the next append builds on the database, not on the rolled-back cache */
	append_n(f, 5, true);
	check_head(f);
	check_proofs(f, 20);
}

static void test_two_connections(void **state)
{
	struct fixture *f = *state;
	struct store *st2;
	struct ledger *lg2, *saved = f->lg;
	struct store *saved_st = f->st;

	assert_int_equal(store_open(f->dir, 0, &st2, &f->err), 0);
	assert_int_equal(ledger_open(st2, &lg2, &f->err), 0);
	for (int round = 0; round < 6; round++) {
		f->lg = round % 2 ? lg2 : saved;
		f->st = round % 2 ? st2 : saved_st;
		append_n(f, 100 + (size_t)round * 50, round % 3 == 0);
	}
	f->lg = saved;
	f->st = saved_st;
	check_head(f);
	check_proofs(f, 30);
	ledger_close(lg2);
	store_close(st2);
}

static void test_sealed_payloads(void **state)
{
	struct fixture *f = *state;
	const char *secret = "192.0.2.7 tanaka GET /kokuho/records/1234";
	struct ledger_entry e = { .kind = ENTRY_INGEST,
		                  .time_ms = 5,
		                  .source = "proxy",
		                  .has_line = true,
		                  .line = 1,
		                  .payload = secret,
		                  .payload_len = strlen(secret) };
	struct strbuf bytes = STRBUF_INIT, payload = STRBUF_INIT;
	struct ledger_entry got;
	uint8_t salt[ENTRY_SALT_SIZE], c[32];
	bool erased;
	uint64_t first;

	append_n(f, 10, false);
	assert_int_equal(ledger_append(f->lg, &e, 1, &first, &f->err), 0);
	assert_int_equal(first, 10);
	assert_int_equal(ledger_entry_bytes(f->lg, 10, &bytes, &f->err), 0);
	assert_null(memmem(bytes.buf, bytes.len, "tanaka", 6)); /* not in the entry itself */
	assert_int_equal(entry_decode(bytes.buf, bytes.len, &got, &f->err), 0);
	assert_non_null(got.sealed);
	assert_int_equal(ledger_sealed_payload(f->lg, 10, salt, &payload, &erased, &f->err), 1);
	assert_false(erased);
	assert_int_equal(payload.len, strlen(secret));
	assert_memory_equal(payload.buf, secret, payload.len);
	entry_seal_commitment(f->h, salt, payload.buf, payload.len, c);
	assert_memory_equal(c, got.sealed, 32);
	/* an entry without one */
	strbuf_reset(&payload);
	assert_int_equal(ledger_sealed_payload(f->lg, 3, salt, &payload, &erased, &f->err), 0);
	/* the caller may not forge a seal */
	e.payload = NULL;
	e.sealed = c;
	assert_int_equal(ledger_append(f->lg, &e, 1, &first, &f->err), -EINVAL);
	entry_release(&got);
	strbuf_release(&bytes);
	strbuf_release_secret(&payload);
}

static void test_checkpoints(void **state)
{
	struct fixture *f = *state;
	struct strbuf note = STRBUF_INIT, note2 = STRBUF_INIT;
	struct note_verifier v;
	struct checkpoint cp;
	struct stat sb;
	char path[128];
	uint8_t root[32];

	/* no key yet */
	assert_int_equal(ledger_checkpoint_sign(f->lg, f->dir, &note, &f->err), -ENOENT);
	assert_int_equal(ledger_init_keys(f->dir, "minato", &f->err), 0);
	assert_int_equal(ledger_init_keys(f->dir, "minato", &f->err), -EEXIST);
	assert_int_equal(ledger_init_keys(f->dir, "bad/ward", &f->err), -EINVAL);
	snprintf(path, sizeof(path), "%s/%s", f->dir, LEDGER_KEY_FILE);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(ledger_load_verifier(f->dir, &v, &f->err), 0);
	assert_int_equal(strncmp(v.name, "minato/mamori/", 14), 0);
	assert_int_equal(strlen(v.name), 14 + 36);

	/* the empty tree can be checkpointed, then a grown one */
	assert_int_equal(ledger_checkpoint_sign(f->lg, f->dir, &note, &f->err), 0);
	assert_int_equal(checkpoint_open(note.buf, note.len, &v, 1, &cp, &f->err), 0);
	assert_int_equal(cp.size, 0);
	append_n(f, 1000, false);
	strbuf_reset(&note);
	assert_int_equal(ledger_checkpoint_sign(f->lg, f->dir, &note, &f->err), 0);
	assert_int_equal(checkpoint_open(note.buf, note.len, &v, 1, &cp, &f->err), 0);
	assert_int_equal(cp.size, 1000);
	expected_root(f, 1000, root);
	assert_memory_equal(cp.root, root, 32);
	/* signing again without growth returns the same checkpoint */
	assert_int_equal(ledger_checkpoint_sign(f->lg, f->dir, &note2, &f->err), 0);
	assert_string_equal(note.buf, note2.buf);
	strbuf_reset(&note2);
	assert_int_equal(ledger_checkpoint_get(f->lg, 0, &note2, &f->err), 0);
	assert_int_equal(checkpoint_open(note2.buf, note2.len, &v, 1, &cp, &f->err), 0);
	assert_int_equal(cp.size, 0);

	/* a rolled-back copy: the head says 500 entries: never signed */
	assert_int_equal(store_exec(f->st, "UPDATE ledger_head SET size = 500", &f->err), 0);
	strbuf_reset(&note2);
	assert_int_equal(ledger_checkpoint_sign(f->lg, f->dir, &note2, &f->err), -EBADMSG);
	strbuf_release(&note);
	strbuf_release(&note2);
}

static void test_key_file_mode_refused(void **state)
{
	struct fixture *f = *state;
	struct note_signer s;
	char path[128];

	assert_int_equal(ledger_init_keys(f->dir, "ward", &f->err), 0);
	snprintf(path, sizeof(path), "%s/%s", f->dir, LEDGER_KEY_FILE);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(ledger_load_signer(f->dir, &s, &f->err), -EPERM);
	assert_non_null(strstr(f->err.buf, "chmod 600"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_across_tiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_is_noticed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_mode_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("ledger-ledger", tests, NULL, NULL);
}
