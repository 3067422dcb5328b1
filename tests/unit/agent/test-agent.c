/* test-agent: the agent's spool (order, bounds, drops counted, numbers never reused) and its
 * server address and pin parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/http.h"
#include "agent/spool.h"

static char dir[] = "/tmp/test-agent.XXXXXX";

static int setup(void **state)
{
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_spool(void **state)
{
	struct agent_spool s;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	uint64_t seq, got;

	assert_int_equal(spool_open(dir, 1 << 20, 3, &s, &err), 0);
	for (int i = 0; i < 5; i++) {
		char body[32];
		assert_int_equal(spool_reserve(&s, &seq, &err), 0);
		assert_int_equal(seq, (uint64_t)i + 1);
		snprintf(body, sizeof(body), "{\"n\":%d}", i + 1);
		int r = spool_put(&s, seq, body, strlen(body), &err);
		/* three fit; the newest two are dropped, the oldest kept */
		assert_int_equal(r, i < 3 ? 0 : -ENOSPC);
	}
	assert_int_equal(spool_take_dropped(&s), 2);
	assert_int_equal(spool_take_dropped(&s), 0);
	spool_untake_dropped(&s, 2);
	spool_close(&s);

	/* reopened: the numbers go on, the drop count is kept, the oldest comes first */
	assert_int_equal(spool_open(dir, 1 << 20, 3, &s, &err), 0);
	assert_int_equal(s.dropped, 2);
	assert_int_equal(spool_reserve(&s, &seq, &err), 0);
	assert_int_equal(seq, 6);
	assert_int_equal(spool_oldest(&s, &got, &out, &err), 1);
	assert_int_equal(got, 1);
	assert_string_equal(out.buf, "{\"n\":1}");
	assert_int_equal(spool_remove(&s, 1, &err), 0);
	strbuf_reset(&out);
	assert_int_equal(spool_oldest(&s, &got, &out, &err), 1);
	assert_int_equal(got, 2);
	assert_int_equal(spool_remove(&s, 2, &err), 0);
	assert_int_equal(spool_remove(&s, 3, &err), 0);
	strbuf_reset(&out);
	assert_int_equal(spool_oldest(&s, &got, &out, &err), 0);
	spool_close(&s);
	strbuf_release(&err);
	strbuf_release(&out);
}

static void test_server_and_pin(void **state)
{
	static const char pin[] = "EF:9F:66:9C:48:89:DE:17:D3:CE:A9:91:E8:03:80:9F:8F:62:05:F6:3A:"
	                          "E2:FD:AE:AD:8A:01:76:F3:0B:78:8F";
	struct agent_http h;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(agent_http_init(&h, "https://mamori.example.lg.jp:8443/m", pin, &err), 0);
	assert_string_equal(h.host, "mamori.example.lg.jp");
	assert_string_equal(h.port, "8443");
	assert_string_equal(h.prefix, "/m");
	assert_true(h.tls && h.has_pin && h.pin[0] == 0xef && h.pin[31] == 0x8f);
	assert_int_equal(agent_http_init(&h, "https://[::1]:9/", pin, &err), 0);
	assert_string_equal(h.host, "::1");
	/* https without a pin, plain http elsewhere than this machine, bad pins, bad URLs */
	assert_int_equal(agent_http_init(&h, "https://a.example", NULL, &err), -EINVAL);
	assert_non_null(strstr(err.buf, "--pin"));
	assert_int_equal(agent_http_init(&h, "http://192.0.2.1:80", NULL, &err), -EINVAL);
	assert_int_equal(agent_http_init(&h, "http://127.0.0.1:80", NULL, &err), 0);
	assert_int_equal(agent_http_init(&h, "http://localhost", NULL, &err), 0);
	assert_int_equal(agent_http_init(&h, "https://a.example", "EF:9F", &err), -EINVAL);
	assert_int_equal(agent_http_init(&h, "https://a.example", "zz", &err), -EINVAL);
	assert_int_equal(agent_http_init(&h, "ftp://a.example", pin, &err), -EINVAL);
	assert_int_equal(agent_http_init(&h, "https://a.example:99999999", pin, &err), -EINVAL);
	assert_int_equal(agent_http_init(&h, "https://a.example/x y", pin, &err), -EINVAL);
	strbuf_release(&err);
}

static void test_token_file(void **state)
{
	char path[256];
	struct agent_http h = { 0 };
	struct strbuf err = STRBUF_INIT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/token", dir);
	f = fopen(path, "w");
	fputs("abcdefghijklmnopqrstuv\n", f);
	fclose(f);
	chmod(path, 0644);
	assert_int_equal(agent_http_token_file(&h, path, &err), -EACCES);
	chmod(path, 0600);
	assert_int_equal(agent_http_token_file(&h, path, &err), 0);
	assert_string_equal(h.token, "abcdefghijklmnopqrstuv");
	f = fopen(path, "w");
	fputs("not a token!\n", f);
	fclose(f);
	assert_int_equal(agent_http_token_file(&h, path, &err), -EINVAL);
	agent_http_wipe(&h);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spool),
		cmocka_unit_test(test_server_and_pin),
		cmocka_unit_test(test_token_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
