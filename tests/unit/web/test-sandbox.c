/* test-sandbox: privilege separation of `mamori serve` (issue 11): the ledger's signing key in
 * the signer process, which signs checkpoint bodies of its own log and nothing else, over
 * fixed-size messages; after the seal, neither this thread nor a worker thread started later
 * can open ledger.key (Landlock), while every other file stays readable. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "ledger/note.h"
#include "ledger/signer.h"
#include "web/sandbox.h"

static char dir[64], key[128], other[128];

static int try_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void *worker(void *arg)
{
	int *ret = arg;

	ret[0] = try_open(key);
	ret[1] = try_open(other);
	return NULL;
}

static void body_for(const char *origin, struct strbuf *body)
{
	struct checkpoint cp = { .size = 3 };

	snprintf(cp.origin, sizeof(cp.origin), "%s", origin);
	memset(cp.root, 7, sizeof(cp.root));
	checkpoint_format(&cp, body);
}

static void test_signer_and_seal(void **state)
{
	struct strbuf err = STRBUF_INIT, body = STRBUF_INIT, note = STRBUF_INIT;
	struct note_verifier v;
	struct checkpoint got;
	pthread_t t;
	int res[2] = { 1, 1 }, sealed;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", "/tmp/mamori-sandbox.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ledger_init_keys(dir, "minato", &err), 0);
	snprintf(key, sizeof(key), "%s/%s", dir, LEDGER_KEY_FILE);
	snprintf(other, sizeof(other), "%s/other", dir);
	f = fopen(other, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(ledger_load_verifier(dir, &v, &err), 0);

	assert_int_equal(ledger_signer_start(dir, &err), 0);
	assert_true(ledger_signer_pid() > 0);
	sealed = web_sandbox_seal_key(dir, &err);
	assert_true(sealed >= 0);
	if (sealed == 0) {
		ledger_signer_stop();
		skip(); /* a kernel without Landlock */
	}
	assert_int_equal(try_open(key), -EACCES);
	assert_int_equal(pthread_create(&t, NULL, worker, res), 0);
	pthread_join(t, NULL);
	assert_int_equal(res[0], -EACCES); /* a worker cannot open the key */
	assert_int_equal(res[1], 0);       /* nor is anything else in the directory sealed */
	assert_true(ledger_can_sign(dir));

	/* the signer signs this log's checkpoint bodies */
	body_for(v.name, &body);
	assert_int_equal(ledger_sign_body(dir, body.buf, body.len, &note, &err), 0);
	assert_int_equal(checkpoint_open(note.buf, note.len, &v, 1, &got, &err), 0);
	assert_int_equal(got.size, 3);
	/* and nothing else */
	strbuf_reset(&body);
	strbuf_reset(&note);
	body_for("another/log/x", &body);
	assert_int_equal(ledger_sign_body(dir, body.buf, body.len, &note, &err), -EPERM);
	assert_int_equal(ledger_sign_body(dir, "hello\n", 6, &note, &err), -EPERM);
	strbuf_reset(&body);
	for (int i = 0; i < SIGNER_MAX_BODY + 1; i++)
		strbuf_addch(&body, 'a');
	assert_int_equal(ledger_sign_body(dir, body.buf, body.len, &note, &err), -EINVAL);
	assert_int_equal(note.len, 0);

	ledger_signer_stop();
	assert_int_equal(ledger_signer_pid(), 0);
	assert_false(ledger_can_sign(dir) && try_open(key) == 0);
	unlink(key);
	unlink(other);
	strbuf_reset(&body);
	strbuf_addf(&body, "%s/%s", dir, LEDGER_PUB_FILE);
	unlink(body.buf);
	rmdir(dir);
	strbuf_release(&err);
	strbuf_release(&body);
	strbuf_release(&note);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signer_and_seal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
