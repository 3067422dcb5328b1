/* test-ndjson: the HTTP body's lines, gzip with its limit, JSON messages, payloads, extraction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "base/strbuf.h"
#include "ingest/event.h"
#include "ingest/extract.h"
#include "ingest/ndjson.h"

#define LIT(s) (s), sizeof(s) - 1

struct lines {
	unsigned n, errors, cut;
	uint64_t last;
};

static int on_line(void *ctx, const struct ndjson_line *l)
{
	struct lines *x = ctx;

	x->n++;
	x->errors += l->error != NULL;
	x->cut += l->cut;
	x->last = l->lineno;
	return 0;
}

static void lines_and_errors(void **state)
{
	static const char body[] = "{\"message\":\"a\"}\r\n\n[1,2]\n{\"a\":1,\"a\":2}\n"
	                           "not json\n\xff\xfe\n{\"message\":\"last\"}";
	struct lines x = { 0 };

	assert_int_equal(ndjson_each(LIT(body), 0, on_line, &x), 0);
	assert_int_equal(x.n, 6);      /* the empty line is skipped */
	assert_int_equal(x.errors, 4); /* array, duplicate key, not JSON, not UTF-8 */
	assert_int_equal(x.last, 7);
	memset(&x, 0, sizeof(x));
	assert_int_equal(ndjson_each(LIT("{\"message\":\"0123456789\"}\n"), 8, on_line, &x), 0);
	assert_int_equal(x.cut, 1);
	assert_int_equal(x.errors, 1);
}

static void gzip_roundtrip(void **state)
{
	static const char plain[] = "{\"message\":\"hello\"}\n{\"message\":\"world\"}\n";
	unsigned char gz[256];
	z_stream z = { 0 };
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
	                 Z_OK);
	z.next_in = (Bytef *)(uintptr_t)plain;
	z.avail_in = sizeof(plain) - 1;
	z.next_out = gz;
	z.avail_out = sizeof(gz);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	assert_int_equal(ndjson_gunzip(gz, z.total_out, 1024, &out, &err), 0);
	assert_int_equal(out.len, sizeof(plain) - 1);
	assert_memory_equal(out.buf, plain, out.len);
	/* Over the limit once decompressed: refused, whatever the compressed size. */
	strbuf_reset(&out);
	assert_int_equal(ndjson_gunzip(gz, z.total_out, 10, &out, &err), -EFBIG);
	/* Truncated and garbage. */
	strbuf_reset(&out);
	assert_int_equal(ndjson_gunzip(gz, z.total_out - 4, 1024, &out, &err), -EINVAL);
	strbuf_reset(&out);
	assert_int_equal(ndjson_gunzip(LIT("not gzip"), 1024, &out, &err), -EINVAL);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void windows_4625(void **state)
{
	static const char line[] = "{\"EventID\":4625,\"Computer\":\"PC12\",\"TargetUserName\":"
	                           "\"tanaka\",\"IpAddress\":\"198.51.100.3\",\"TimeCreated\":"
	                           "\"2026-11-22T02:46:00.1234567Z\",\"Message\":\"An account "
	                           "failed to log on.\"}";
	struct syslog_parse_options o = { .now_ms = 0, .offset_ms = 9 * 3600000LL };
	struct syslog_msg m;
	struct log_fields f;
	json_t *obj = NULL;

	assert_int_equal(syslog_parse_json(LIT(line), &o, &m, &obj), 0);
	assert_int_equal(m.format, SYSLOG_JSON);
	assert_int_equal(m.time_ms, 1795315560123LL);
	assert_int_equal(m.host.n, 4);
	log_extract(&m, obj, &f);
	assert_string_equal(f.event, LOG_EVENT_AUTH_FAILURE);
	assert_int_equal(f.user.n, 6);
	assert_memory_equal(f.user.p, "tanaka", 6);
	assert_memory_equal(f.src_ip.p, "198.51.100.3", 12);
	json_decref(obj);
	assert_int_equal(syslog_parse_json(LIT("[1]"), &o, &m, &obj), -EINVAL);
}

static void extract_one(const char *app, const char *msg, const char *event, const char *user,
                        const char *ip, const char *target)
{
	struct syslog_msg m = { .format = SYSLOG_3164 };
	struct log_fields f;

	m.app.p = app;
	m.app.n = strlen(app);
	m.msg.p = msg;
	m.msg.n = strlen(msg);
	log_extract(&m, NULL, &f);
	if (!event) {
		assert_null(f.event);
		return;
	}
	assert_non_null(f.event);
	assert_string_equal(f.event, event);
	assert_int_equal(f.user.n, strlen(user));
	assert_memory_equal(f.user.p, user, f.user.n);
	assert_int_equal(f.src_ip.n, ip ? strlen(ip) : 0);
	if (ip)
		assert_memory_equal(f.src_ip.p, ip, f.src_ip.n);
	if (target) {
		assert_int_equal(f.target_user.n, strlen(target));
		assert_memory_equal(f.target_user.p, target, f.target_user.n);
	}
}

static void extraction(void **state)
{
	extract_one("sshd", "Failed password for invalid user bob from 203.0.113.5 port 22 ssh2",
	            LOG_EVENT_AUTH_FAILURE, "bob", "203.0.113.5", NULL);
	extract_one("sshd", "Failed publickey for root from 2001:db8::7 port 22 ssh2",
	            LOG_EVENT_AUTH_FAILURE, "root", "2001:db8::7", NULL);
	extract_one("sshd", "Invalid user oracle from 203.0.113.9 port 4711",
	            LOG_EVENT_AUTH_FAILURE, "oracle", "203.0.113.9", NULL);
	extract_one("sshd", "Accepted publickey for alice from 192.0.2.4 port 50022 ssh2: RSA",
	            LOG_EVENT_AUTH_SUCCESS, "alice", "192.0.2.4", NULL);
	extract_one("sshd",
	            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
	            "ruser= rhost=203.0.113.5  user=root",
	            LOG_EVENT_AUTH_FAILURE, "root", "203.0.113.5", NULL);
	extract_one("sudo",
	            "  carol : TTY=pts/0 ; PWD=/home/carol ; USER=root ; COMMAND=/usr/bin/id",
	            LOG_EVENT_PRIVILEGED, "carol", NULL, "root");
	extract_one("sudo", "carol : 3 incorrect password attempts ; TTY=pts/0 ; USER=root",
	            LOG_EVENT_AUTH_FAILURE, "carol", NULL, NULL);
	extract_one("su", "FAILED SU (to root) dave on pts/1", LOG_EVENT_AUTH_FAILURE, "dave", NULL,
	            "root");
	extract_one("su",
	            "pam_unix(su:session): session opened for user root(uid=0) by dave(uid=1000)",
	            LOG_EVENT_PRIVILEGED, "dave", NULL, "root");
	extract_one("su",
	            "pam_unix(su:auth): authentication failure; logname=dave uid=1000 euid=0 "
	            "tty=pts/1 ruser=dave rhost=  user=root",
	            LOG_EVENT_AUTH_FAILURE, "dave", NULL, "root");
	extract_one("login", "FAILED LOGIN (1) on '/dev/tty1' FOR 'erin', Authentication failure",
	            LOG_EVENT_AUTH_FAILURE, "erin", NULL, NULL);
	extract_one("cron", "Failed password for x from 1.2.3.4", NULL, NULL, NULL, NULL);
}

static void payload_roundtrip(void **state)
{
	struct log_origin o = { .via = "tls",
		                .peer = "192.0.2.7:51514",
		                .tls_subject = "CN=web 01,O=港区=x%" };
	struct strbuf p = STRBUF_INIT;
	struct log_payload got;
	static const char raw[] = "<13>1 - - - - - - line\nwith LF";
	static const char head[] = "mamori-log/1 via=tls peer=192.0.2.7:51514 flags=cut,octet "
	                           "tls=CN%3Dweb%2001,O%3D%E6%B8%AF%E5%8C%BA%3Dx%25\n";

	log_payload_build(&p, &o, LOG_CUT | LOG_OCTET, raw, sizeof(raw) - 1);
	/* the header byte for byte (docs/logs.md): values percent-encoded */
	assert_int_equal(p.len, strlen(head) + sizeof(raw) - 1);
	assert_memory_equal(p.buf, head, strlen(head));
	assert_int_equal(log_payload_parse(p.buf, p.len, &got), 0);
	assert_string_equal(got.via, "tls");
	assert_string_equal(got.peer, "192.0.2.7:51514");
	assert_string_equal(got.tls, "CN=web 01,O=港区=x%");
	assert_int_equal(got.flags, LOG_CUT | LOG_OCTET);
	assert_int_equal(got.raw_len, sizeof(raw) - 1);
	assert_memory_equal(got.raw, raw, got.raw_len);
	/* log import's bare lines: all raw. */
	assert_int_equal(log_payload_parse(LIT("just a line"), &got), 0);
	assert_string_equal(got.via, "file");
	assert_int_equal(got.raw_len, 11);
	/* every flag, in any order; names not known are passed over */
	assert_int_equal(
	    log_payload_parse(LIT("mamori-log/1 via=tcp flags=octet,new,bad-line,cut\nx"), &got),
	    0);
	assert_int_equal(got.flags, LOG_CUT | LOG_OCTET | LOG_BAD_LINE);
	assert_int_equal(log_payload_parse(LIT("mamori-log/1 via=tcp flags=octets,cu\nx"), &got),
	                 0);
	assert_int_equal(got.flags, 0);
	/* A damaged header is refused, not misread. */
	assert_int_equal(log_payload_parse(LIT("mamori-log/1 via=%zz\nx"), &got), -EINVAL);
	assert_int_equal(log_payload_parse(LIT("mamori-log/1 noequals\nx"), &got), -EINVAL);
	strbuf_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_and_errors),  cmocka_unit_test(gzip_roundtrip),
		cmocka_unit_test(windows_4625),      cmocka_unit_test(extraction),
		cmocka_unit_test(payload_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
