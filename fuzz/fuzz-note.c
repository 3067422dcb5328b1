/* fuzz-note: the signed-note, checkpoint and key parsers never crash, refuse what is not
 * canonical, and verify nothing that was not signed. */
#include <stdint.h>
#include <string.h>

#include "base/strbuf.h"
#include "ledger/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

/* The example key of golang.org/x/mod/sumdb/note: a fuzzer cannot forge its signatures. */
static const char vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct strbuf err = STRBUF_INIT, again = STRBUF_INIT;
	struct note_verifier v, v2;
	struct note_signer sk;
	struct checkpoint c;
	struct note n;

	if (note_verifier_parse(vkey, strlen(vkey), &v, &err) < 0)
		__builtin_trap();

	/* A signed note: parsed parts are well formed; verification never succeeds by accident. */
	if (note_parse(s, size, &n, &err) == 0) {
		CHECK(n.text.len > 0 && n.text.buf[n.text.len - 1] == '\n');
		CHECK(n.nr >= 1 && n.nr <= NOTE_MAX_SIGS);
		for (size_t i = 0; i < n.nr; i++)
			CHECK(note_name_valid(n.sigs[i].name, strlen(n.sigs[i].name)));
		if (note_verify(&n, &v, 1, &err) == 0) {
			/* Only Go's documented example note is signed by that key. */
			CHECK(strstr(n.text.buf, "cryptography") != NULL);
		}
		if (checkpoint_parse(n.text.buf, n.text.len, &c, &err) == 0)
			CHECK(c.origin[0] != '\0');
		note_release(&n);
	}

	/* A checkpoint body: when it has exactly three lines, formatting gives the same bytes. */
	if (checkpoint_parse(s, size, &c, &err) == 0) {
		size_t lines = 0;
		for (size_t i = 0; i < size; i++)
			lines += s[i] == '\n';
		checkpoint_format(&c, &again);
		if (lines == 3)
			CHECK(again.len == size && memcmp(again.buf, s, size) == 0);
		else
			CHECK(again.len < size && memcmp(again.buf, s, again.len) == 0);
	}

	/* Keys: a parsed verifier key formats to text that parses to the same key. */
	if (note_verifier_parse(s, size, &v2, &err) == 0) {
		struct note_verifier v3;
		strbuf_reset(&again);
		note_verifier_format(&v2, &again);
		CHECK(note_key_id(v2.name, v2.pub) == v2.id);
		CHECK(note_verifier_parse(again.buf, again.len, &v3, &err) == 0);
		CHECK(!strcmp(v2.name, v3.name) && v2.id == v3.id && !memcmp(v2.pub, v3.pub, 32));
	}
	if (note_signer_parse(s, size, &sk, &err) == 0) {
		CHECK(note_key_id(sk.v.name, sk.v.pub) == sk.v.id);
		note_signer_wipe(&sk);
	}
	strbuf_release(&err);
	strbuf_release(&again);
	return 0;
}
