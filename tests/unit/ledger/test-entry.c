/* test-entry: the canonical entry encoding: round trips, every non-canonical form rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/strbuf.h"
#include "ledger/entry.h"

static const uint8_t d1[32] = { 1, 2, 3 }, d2[32] = { 4, 5, 6 }, d3[32] = { 7, 8, 9 };

static struct ledger_entry full_change(void)
{
	struct ledger_entry e = {
		.kind = ENTRY_CHANGE,
		.time_ms = 1763779604123,
		.actor = "tanaka",
		.action = "media.transport",
		.subject = "media/42",
		.before = d1,
		.after = d2,
		.decision = "allow",
		.clauses = "MIN-3-5-3 MIN-3-3-3",
		.profile = d3,
	};
	return e;
}

static void test_roundtrip_all_kinds(void **state)
{
	const uint8_t raw[] = "192.0.2.1 - tanaka [22/Nov/2026:02:46:44 +0900] \"GET /\" 200";
	struct ledger_entry cases[8];
	struct strbuf err = STRBUF_INIT;

	cases[0] = full_change();
	cases[1] = (struct ledger_entry){ .kind = ENTRY_DECISION,
		                          .time_ms = 1,
		                          .actor = "a",
		                          .action = "asset.copy",
		                          .decision = "deny",
		                          .clauses = "SHJ-2-4-2-i" };
	cases[2] = (struct ledger_entry){
		.kind = ENTRY_LOGIN, .time_ms = 2, .actor = "佐藤", .action = "login.fail"
	};
	cases[3] = (struct ledger_entry){ .kind = ENTRY_INGEST,
		                          .time_ms = 3,
		                          .source = "proxy",
		                          .has_line = true,
		                          .line = UINT64_MAX,
		                          .data = raw,
		                          .data_len = sizeof(raw) - 1 };
	cases[4] = (struct ledger_entry){
		.kind = ENTRY_RETENTION, .time_ms = 4, .actor = "system", .has_ref = true, .ref = 17
	};
	cases[5] = (struct ledger_entry){ .kind = ENTRY_KEY_ROTATION,
		                          .time_ms = 5,
		                          .key = "w/mamori/x+01020304+AQ==" };
	cases[6] = (struct ledger_entry){ .kind = ENTRY_NOTE, .time_ms = INT64_MAX, .sealed = d1 };
	cases[7] = (struct ledger_entry){ .kind = ENTRY_INTEGRITY,
		                          .time_ms = 7,
		                          .actor = "system",
		                          .action = "fim.check",
		                          .subject = "fim/1",
		                          .before = d1,
		                          .after = d1,
		                          .data = (const uint8_t *)"{}",
		                          .data_len = 2 };
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf b = STRBUF_INIT, b2 = STRBUF_INIT;
		struct ledger_entry got;

		if (entry_encode(&cases[i], &b, &err) != 0)
			fail_msg("case %zu: %s", i, err.buf);
		assert_true(b.len <= ENTRY_MAX_SIZE);
		assert_int_equal(entry_validate(b.buf, b.len, NULL, &err), 0);
		assert_int_equal(entry_decode(b.buf, b.len, &got, &err), 0);
		assert_int_equal(got.kind, cases[i].kind);
		assert_true(got.time_ms == cases[i].time_ms);
		/* canonical: re-encoding the decoded entry gives the same bytes */
		assert_int_equal(entry_encode(&got, &b2, &err), 0);
		assert_int_equal(b.len, b2.len);
		assert_memory_equal(b.buf, b2.buf, b.len);
		entry_release(&got);
		strbuf_release(&b);
		strbuf_release(&b2);
	}
	strbuf_release(&err);
}

static void test_exact_bytes(void **state)
{
	/* The documented example of docs/ledger.md: a note with the text "hi" at time 1000. */
	static const uint8_t want[] = { 1, 7, 0, 0, 0, 0, 0, 0, 0x03, 0xe8, 11, 0, 2, 'h', 'i' };
	struct ledger_entry e = {
		.kind = ENTRY_NOTE, .time_ms = 1000, .data = (const uint8_t *)"hi", .data_len = 2
	};
	struct strbuf b = STRBUF_INIT, err = STRBUF_INIT;

	assert_int_equal(entry_encode(&e, &b, &err), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.buf, want, sizeof(want));
	strbuf_release(&b);
	strbuf_release(&err);
}

/*
 * A collected message's entry, byte for byte, appended to what the buffer already holds
 * (entry_encode writes into room made once: src/ledger/entry.c); an invalid entry leaves the
 * buffer as it was.
 */
static void test_exact_bytes_ingest(void **state)
{
	static const uint8_t want[] = {
		'x', 'y',  1,    4,    0x00, 0x00, 0x01, 0x9a, 0xa9, 0x74, 0xf1, 0x1b, 9,   0,  13,
		't', 'c',  'p',  ':',  '1',  '2',  '7',  '.',  '0',  '.',  '0',  '.',  '1', 10, 0,
		8,   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 12,   0,    32,   1,   2,  3,
		0,   0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,   0,  0,
		0,   0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,   0
	};
	struct ledger_entry e = { .kind = ENTRY_INGEST,
		                  .time_ms = 1763779604763,
		                  .source = "tcp:127.0.0.1",
		                  .has_line = true,
		                  .line = 258,
		                  .sealed = d1 };
	struct strbuf b = STRBUF_INIT, err = STRBUF_INIT, note = STRBUF_INIT;

	strbuf_addstr(&b, "xy");
	assert_int_equal(entry_encode(&e, &b, &err), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.buf, want, sizeof(want));
	e.source = "bad\ttab";
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.buf, want, sizeof(want));
	/* the ledger's way: a submitted entry (payload, no seal) encoded with the seal it made */
	e.source = "tcp:127.0.0.1";
	e.sealed = d2; /* replaced by the seal given */
	e.payload = "a message";
	e.payload_len = 9;
	strbuf_reset(&b);
	strbuf_addstr(&b, "xy");
	assert_int_equal(entry_encode_sealed(&e, d1, &b, &err), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.buf, want, sizeof(want));
	assert_int_equal(entry_encode_sealed(&e, NULL, &b, &err), -EINVAL); /* payload, no seal */
	e.payload = NULL;
	assert_int_equal(entry_encode_sealed(&e, NULL, &b, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "data or sealed"));
	assert_int_equal(b.len, sizeof(want));
	/* a note: the same bytes as with its seal in the entry */
	e = (struct ledger_entry){ .kind = ENTRY_NOTE, .time_ms = 5, .sealed = d1 };
	strbuf_reset(&b);
	assert_int_equal(entry_encode(&e, &b, &err), 0);
	e.sealed = NULL;
	e.payload = "a note";
	e.payload_len = 6;
	assert_int_equal(entry_encode_sealed(&e, d1, &note, &err), 0);
	assert_int_equal(note.len, b.len);
	assert_memory_equal(note.buf, b.buf, b.len);
	strbuf_release(&note);
	strbuf_release(&b);
	strbuf_release(&err);
}

static void test_kind_requirements(void **state)
{
	struct strbuf b = STRBUF_INIT, err = STRBUF_INIT;
	struct ledger_entry e = full_change();

	e.subject = NULL;
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "subject"));
	e = (struct ledger_entry){ .kind = ENTRY_INGEST, .source = "s", .data = d1, .data_len = 1 };
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL); /* no line */
	e = (struct ledger_entry){ .kind = 99, .data = d1, .data_len = 1 };
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL);
	e = (struct ledger_entry){ .kind = ENTRY_NOTE, .time_ms = -1, .data = d1, .data_len = 1 };
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL);
	e = full_change();
	e.actor = "";
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL);
	e.actor = "a\nb";
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL);
	e.actor = "\xff";
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL);
	e = full_change();
	e.clauses = "A  B";
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL);
	e.clauses = " A";
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL);
	assert_int_equal(b.len, 0);
	strbuf_release(&b);
	strbuf_release(&err);
}

static void test_size_limits(void **state)
{
	struct strbuf b = STRBUF_INIT, err = STRBUF_INIT;
	static uint8_t big[ENTRY_MAX_SIZE];
	struct ledger_entry e = { .kind = ENTRY_NOTE,
		                  .data = big,
		                  .data_len = ENTRY_MAX_SIZE - ENTRY_HEADER_SIZE - 3 };

	assert_int_equal(entry_encode(&e, &b, &err), 0);
	assert_int_equal(b.len, ENTRY_MAX_SIZE);
	strbuf_reset(&b);
	e.data_len++;
	assert_int_equal(entry_encode(&e, &b, &err), -EINVAL);
	strbuf_release(&b);
	strbuf_release(&err);
}

/* Every single-byte change of a canonical entry either fails or decodes to different values. */
static void test_mutations_rejected_or_different(void **state)
{
	struct ledger_entry e = full_change(), got;
	struct strbuf b = STRBUF_INIT, m = STRBUF_INIT, re = STRBUF_INIT, err = STRBUF_INIT;
	unsigned rejected = 0;

	assert_int_equal(entry_encode(&e, &b, &err), 0);
	for (size_t i = 0; i < b.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			strbuf_reset(&m);
			strbuf_add(&m, b.buf, b.len);
			m.buf[i] ^= (char)(1 << bit);
			if (entry_decode(m.buf, m.len, &got, &err) != 0) {
				rejected++;
				continue;
			}
			strbuf_reset(&re);
			assert_int_equal(entry_encode(&got, &re, &err), 0);
			/* accepted only if canonical: re-encoding gives the mutated bytes */
			assert_int_equal(re.len, m.len);
			assert_memory_equal(re.buf, m.buf, m.len);
			entry_release(&got);
		}
	}
	assert_true(rejected > 0);
	/*
	 * Truncations: a cut at a field boundary is a shorter valid entry (the
	 * tree, not the encoding, protects completeness); any other cut fails.
	 */
	size_t valid = 0;
	for (size_t n = 0; n < b.len; n++) {
		if (entry_decode(b.buf, n, &got, &err) != 0)
			continue;
		strbuf_reset(&re);
		assert_int_equal(entry_encode(&got, &re, &err), 0);
		assert_int_equal(re.len, n);
		entry_release(&got);
		valid++;
	}
	/* the optional fields after the required subject: before, after, decision, clauses, profile
	 */
	assert_int_equal(valid, 5);
	strbuf_addch(&b, 0);
	assert_int_equal(entry_validate(b.buf, b.len, NULL, &err), -EINVAL);
	strbuf_release(&b);
	strbuf_release(&m);
	strbuf_release(&re);
	strbuf_release(&err);
}

static void test_noncanonical(void **state)
{
	/* fields out of order, repeated, unknown tag, wrong digest length, bad version */
	static const uint8_t hdr[] = { 1, 7, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const struct {
		uint8_t bytes[40];
		size_t len;
	} bad[] = {
		{ { 1, 7, 0, 0, 0, 0, 0, 0, 0, 1, 11, 0, 1, 'x', 1, 0, 1, 'a' }, 18 },
		{ { 1, 7, 0, 0, 0, 0, 0, 0, 0, 1, 11, 0, 1, 'x', 11, 0, 1, 'y' }, 18 },
		{ { 1, 7, 0, 0, 0, 0, 0, 0, 0, 1, 11, 0, 1, 'x', 15, 0, 1, 'y' }, 18 },
		{ { 1, 7, 0, 0, 0, 0, 0, 0, 0, 1, 11, 0, 1, 'x', 12, 0, 1, 'y' }, 18 },
		{ { 2, 7, 0, 0, 0, 0, 0, 0, 0, 1, 11, 0, 1, 'x' }, 14 },
		{ { 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 11, 0, 1, 'x' }, 14 },
		{ { 1, 7, 0x80, 0, 0, 0, 0, 0, 0, 1, 11, 0, 1, 'x' }, 14 },
		{ { 1, 7, 0, 0, 0, 0, 0, 0, 0, 1, 11, 0, 2, 'x' }, 14 },
		{ { 1, 7, 0, 0, 0, 0, 0, 0, 0, 1 }, 10 }, /* a note without data */
	};
	struct strbuf err = STRBUF_INIT;
	struct ledger_entry got;

	(void)hdr;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (entry_decode(bad[i].bytes, bad[i].len, &got, &err) == 0)
			fail_msg("case %zu decoded", i);
		assert_true(err.len > 0);
	}
	strbuf_release(&err);
}

static void test_json(void **state)
{
	struct ledger_entry e = full_change();
	struct strbuf out = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &out);
	jw_object_begin(&w);
	entry_to_json(&e, &w);
	jw_object_end(&w);
	assert_non_null(strstr(out.buf, "\"kind\":\"change\""));
	assert_non_null(strstr(out.buf, "\"time\":\"2025-11-22T02:46:44.123Z\""));
	assert_non_null(strstr(out.buf, "\"clauses\":[\"MIN-3-5-3\",\"MIN-3-3-3\"]"));
	assert_non_null(strstr(out.buf, "\"before\":\"010203"));
	strbuf_release(&out);
}

static void test_seal_commitment(void **state)
{
	struct merkle_hasher *h = merkle_hasher_new();
	uint8_t salt[ENTRY_SALT_SIZE] = { 0 }, c1[32], c2[32];

	/* SHA-256("mamori-seal-v1" 0x00 || 32 zero bytes || "abc"), computed with Python's hashlib
	 */
	static const uint8_t want[32] = {
		0x74, 0x15, 0x5d, 0x74, 0x91, 0x4c, 0x43, 0xa7, 0x02, 0x03, 0xe4,
		0x20, 0x53, 0xef, 0x35, 0xaf, 0x50, 0xb5, 0x53, 0x6b, 0x89, 0x60,
		0x9f, 0x4e, 0x4b, 0x40, 0x86, 0x22, 0xbb, 0x1b, 0x88, 0x8a,
	};

	entry_seal_commitment(h, salt, "abc", 3, c1);
	assert_memory_equal(c1, want, 32);
	salt[0] = 1;
	entry_seal_commitment(h, salt, "abc", 3, c2);
	assert_memory_not_equal(c1, c2, 32);
	assert_int_equal(entry_new_salt(salt), 0);
	merkle_hasher_free(h);
}

/* Salts are drawn from a pool: never repeated, and a forked child never gets its parent's. */
static void test_salts_distinct(void **state)
{
	enum { N = 1000 };
	static uint8_t salts[N][ENTRY_SALT_SIZE];
	static const uint8_t zero[ENTRY_SALT_SIZE];
	uint8_t parent[ENTRY_SALT_SIZE], child[ENTRY_SALT_SIZE];
	int fd[2], status = 0;
	pid_t pid;

	for (int i = 0; i < N; i++) {
		assert_int_equal(entry_new_salt(salts[i]), 0);
		assert_memory_not_equal(salts[i], zero, ENTRY_SALT_SIZE);
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(salts[i], salts[j], ENTRY_SALT_SIZE);
	}
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t s[ENTRY_SALT_SIZE];
		close(fd[0]);
		_exit(entry_new_salt(s) == 0 && write(fd[1], s, sizeof(s)) == (ssize_t)sizeof(s)
		          ? 0
		          : 1);
	}
	close(fd[1]);
	assert_int_equal(read(fd[0], child, sizeof(child)), (ssize_t)sizeof(child));
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	assert_int_equal(entry_new_salt(parent), 0);
	assert_memory_not_equal(parent, child, ENTRY_SALT_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_kinds),
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_exact_bytes_ingest),
		cmocka_unit_test(test_kind_requirements),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_mutations_rejected_or_different),
		cmocka_unit_test(test_noncanonical),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_seal_commitment),
		cmocka_unit_test(test_salts_distinct),
	};
	return cmocka_run_group_tests_name("ledger-entry", tests, NULL, NULL);
}
