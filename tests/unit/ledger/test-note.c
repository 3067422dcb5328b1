/* test-note: signed notes, keys and checkpoints, against the golang.org/x/mod/sumdb/note example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ledger/note.h"

/* The example keys and note from the documentation of golang.org/x/mod/sumdb/note. */
static const char go_skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char go_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char go_text[] = "If you think cryptography is the answer to your problem,\n"
                              "then you don't know what your problem is.\n";
static const char go_msg[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

static void test_go_example_keys(void **state)
{
	struct note_signer s;
	struct note_verifier v;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;

	assert_int_equal(note_signer_parse(go_skey, strlen(go_skey), &s, &err), 0);
	assert_int_equal(note_verifier_parse(go_vkey, strlen(go_vkey), &v, &err), 0);
	assert_string_equal(s.v.name, "PeterNeumann");
	assert_int_equal(s.v.id, 0xc74f20a3);
	assert_memory_equal(s.v.pub, v.pub, 32);
	assert_int_equal(note_key_id(v.name, v.pub), 0xc74f20a3);
	note_verifier_format(&s.v, &out);
	assert_string_equal(out.buf, go_vkey);
	strbuf_reset(&out);
	note_signer_format(&s, &out);
	assert_string_equal(out.buf, go_skey);
	strbuf_reset(&out);
	/* Ed25519 is deterministic: we must produce Go's exact signed note. */
	assert_int_equal(note_sign(go_text, strlen(go_text), &s, &out, &err), 0);
	assert_string_equal(out.buf, go_msg);
	note_signer_wipe(&s);
	for (size_t i = 0; i < sizeof(s); i++)
		assert_int_equal(((uint8_t *)&s)[i], 0);
	strbuf_release_secret(&out);
	strbuf_release(&err);
}

static void test_go_example_open(void **state)
{
	struct note_verifier v;
	struct note n;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(note_verifier_parse(go_vkey, strlen(go_vkey), &v, &err), 0);
	assert_int_equal(note_parse(go_msg, strlen(go_msg), &n, &err), 0);
	assert_int_equal(n.nr, 1);
	assert_string_equal(n.text.buf, go_text);
	assert_int_equal(note_verify(&n, &v, 1, &err), 0);
	note_release(&n);
	strbuf_release(&err);
}

static void test_tampered_notes(void **state)
{
	struct note_verifier v, other;
	struct note_signer s2;
	struct note n;
	struct strbuf err = STRBUF_INIT, m = STRBUF_INIT;

	assert_int_equal(note_verifier_parse(go_vkey, strlen(go_vkey), &v, &err), 0);
	/* every single-bit change to the text or the signature fails */
	for (size_t i = 0; i < strlen(go_msg); i++) {
		for (int bit = 0; bit < 8; bit++) {
			int r;
			strbuf_reset(&m);
			strbuf_addstr(&m, go_msg);
			m.buf[i] ^= (char)(1 << bit);
			r = note_parse(m.buf, m.len, &n, &err);
			if (r == 0) {
				r = note_verify(&n, &v, 1, &err);
				note_release(&n);
			}
			if (r == 0)
				fail_msg("bit %d of byte %zu flipped, still verifies", bit, i);
		}
	}
	/* an unknown key is ignored; no trusted signature → -ENOKEY */
	assert_int_equal(note_signer_generate("Other", &s2, &err), 0);
	other = s2.v;
	assert_int_equal(note_parse(go_msg, strlen(go_msg), &n, &err), 0);
	assert_int_equal(note_verify(&n, &other, 1, &err), -ENOKEY);
	note_release(&n);
	/* a key with the same name and id but another public key: bad signature */
	other = v;
	other.pub[0] ^= 1;
	assert_int_equal(note_parse(go_msg, strlen(go_msg), &n, &err), 0);
	assert_int_equal(note_verify(&n, &other, 1, &err), -EBADMSG);
	note_release(&n);
	note_signer_wipe(&s2);
	strbuf_release(&m);
	strbuf_release(&err);
}

static void test_malformed_notes(void **state)
{
	static const char *const bad[] = {
		"",
		"text\n",
		"text\n\n",
		"text\n\n\xe2\x80\x94 Name AAAA\n",             /* signature too short */
		"text\n\n\xe2\x80\x94 Name\n",                  /* no signature */
		"text\n\n- Name AAAAAAAA\n",                    /* not an em dash */
		"text\n\n\xe2\x80\x94 Na+me AAAAAAAA\n",        /* '+' in name */
		"text\n\n\xe2\x80\x94 Name AAAAAAAA",           /* no final newline */
		"te\txt\n\n\xe2\x80\x94 Name AAAAAAAA\n",       /* control character */
		"te\xffxt\n\n\xe2\x80\x94 Name AAAAAAAA\n",     /* invalid UTF-8 */
		"text\n\n\xe2\x80\x94 Name AAAAAAB=\n",         /* non-canonical base64 */
		"text\n\n\xe2\x80\x94 Name  AAAAAAAA\n",        /* two spaces */
		"text\n\n\xe2\x80\x94 \xe3\x80\x80 AAAAAAAA\n", /* ideographic space as name */
	};
	struct note n;
	struct strbuf err = STRBUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (note_parse(bad[i], strlen(bad[i]), &n, &err) != -EINVAL)
			fail_msg("case %zu parsed", i);
		assert_true(err.len > 0);
	}
	/* a good minimal one (unverified) */
	assert_int_equal(note_parse("text\n\n\xe2\x80\x94 Name AAAAAAAA\n", 24, &n, &err), 0);
	assert_int_equal(n.nr, 1);
	note_release(&n);
	strbuf_release(&err);
}

static void test_too_many_signatures(void **state)
{
	struct strbuf m = STRBUF_INIT, err = STRBUF_INIT;
	struct note n;

	strbuf_addstr(&m, "text\n\n");
	for (int i = 0; i < NOTE_MAX_SIGS + 1; i++)
		strbuf_addf(&m, "\xe2\x80\x94 N%d AAAAAAAA\n", i);
	assert_int_equal(note_parse(m.buf, m.len, &n, &err), -EINVAL);
	strbuf_release(&m);
	strbuf_release(&err);
}

static void test_checkpoint_roundtrip(void **state)
{
	struct note_signer s;
	struct checkpoint c = { .size = 12345 }, got;
	struct strbuf body = STRBUF_INIT, msg = STRBUF_INIT, err = STRBUF_INIT;
	const char *name = "ward/mamori/0f8b8c4e-6c7b-4b5a-9a49-5d4a2f7f8d11";

	for (int i = 0; i < 32; i++)
		c.root[i] = (uint8_t)i;
	strcpy(c.origin, name);
	assert_int_equal(note_signer_generate(name, &s, &err), 0);
	checkpoint_format(&c, &body);
	assert_string_equal(body.buf, "ward/mamori/0f8b8c4e-6c7b-4b5a-9a49-5d4a2f7f8d11\n12345\n"
	                              "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
	assert_int_equal(note_sign(body.buf, body.len, &s, &msg, &err), 0);
	assert_int_equal(checkpoint_open(msg.buf, msg.len, &s.v, 1, &got, &err), 0);
	assert_string_equal(got.origin, name);
	assert_int_equal(got.size, 12345);
	assert_memory_equal(got.root, c.root, 32);

	/* origin that is not the key's name */
	{
		struct note_signer other;
		struct strbuf m2 = STRBUF_INIT;
		assert_int_equal(note_signer_generate("someone-else", &other, &err), 0);
		assert_int_equal(note_sign(body.buf, body.len, &other, &m2, &err), 0);
		assert_int_equal(checkpoint_open(m2.buf, m2.len, &other.v, 1, &got, &err),
		                 -EBADMSG);
		note_signer_wipe(&other);
		strbuf_release(&m2);
	}
	note_signer_wipe(&s);
	strbuf_release(&body);
	strbuf_release(&msg);
	strbuf_release(&err);
}

static void test_checkpoint_bodies(void **state)
{
	static const struct {
		const char *text;
		int ret;
		uint64_t size;
	} cases[] = {
		{ "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", 0, 0 },
		{ "o\n18446744073709551615\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", 0,
		  UINT64_MAX },
		{ "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n", 0, 1 },
		{ "o\n18446744073709551616\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		  -EINVAL, 0 },
		{ "o\n01\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", -EINVAL, 0 },
		{ "o\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", -EINVAL, 0 },
		{ "o\n1 \n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", -EINVAL, 0 },
		{ "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n", -EINVAL, 0 },
		{ "o\n1\nZG9uJ3QgY2FyZSAy\n", -EINVAL, 0 },
		{ "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", -EINVAL, 0 },
		{ "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n", -EINVAL, 0 },
		{ "\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", -EINVAL, 0 },
		{ "o\n\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", -EINVAL, 0 },
		/* libsodium alone would take these high bytes for "////" (found by fuzz-note) */
		{ "o\n1\n47DEQpj8HB\xa7\x9e\xd4\xd0TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", -EINVAL, 0 },
		{ "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRk=5NMpJWZG3hSuFU=\n", -EINVAL, 0 },
	};
	struct strbuf err = STRBUF_INIT;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct checkpoint c;
		int r = checkpoint_parse(cases[i].text, strlen(cases[i].text), &c, &err);
		if (r != cases[i].ret)
			fail_msg("case %zu: got %d want %d (%s)", i, r, cases[i].ret, err.buf);
		if (r == 0)
			assert_true(c.size == cases[i].size);
	}
	strbuf_release(&err);
}

static void test_key_names_and_forms(void **state)
{
	struct note_verifier v;
	struct note_signer s;
	struct strbuf err = STRBUF_INIT;

	assert_true(note_name_valid("minato/mamori/x", 15));
	assert_true(note_name_valid("港区", strlen("港区")));
	assert_false(note_name_valid("", 0));
	assert_false(note_name_valid("a b", 3));
	assert_false(note_name_valid("a+b", 3));
	assert_false(note_name_valid("a\xc2\xa0"
	                             "b",
	                             4)); /* no-break space */
	assert_int_equal(note_signer_generate("bad name", &s, &err), -EINVAL);
	/* verifier key with a wrong id, wrong algorithm, truncated */
	assert_int_equal(note_verifier_parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmq"
	                                     "q/LDE4izWy10TW",
	                                     64, &v, &err),
	                 -EINVAL);
	assert_int_equal(note_verifier_parse("PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmq"
	                                     "q/LDE4izWy10TW",
	                                     63, &v, &err),
	                 -EINVAL);
	assert_int_equal(note_verifier_parse("PeterNeumann+c74f20a3", 21, &v, &err), -EINVAL);
	assert_int_equal(note_signer_parse(go_vkey, strlen(go_vkey), &s, &err), -EINVAL);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_example_keys),
		cmocka_unit_test(test_go_example_open),
		cmocka_unit_test(test_tampered_notes),
		cmocka_unit_test(test_malformed_notes),
		cmocka_unit_test(test_too_many_signatures),
		cmocka_unit_test(test_checkpoint_roundtrip),
		cmocka_unit_test(test_checkpoint_bodies),
		cmocka_unit_test(test_key_names_and_forms),
	};
	return cmocka_run_group_tests_name("ledger-note", tests, NULL, NULL);
}
