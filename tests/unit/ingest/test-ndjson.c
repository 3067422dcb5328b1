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
	/* what is looked for at the text's very end, and only at its start ("Failed ") */
	extract_one("sshd", "pam_unix(sshd:auth): authentication failure", LOG_EVENT_AUTH_FAILURE,
	            "", NULL, NULL);
	extract_one("sshd", "Connection closed: Failed password for eve from 192.0.2.8", NULL, NULL,
	            NULL, NULL);
}

static int log_payload_parse_lit(const char *p, size_t n, struct log_payload *ret)
{
	return log_payload_parse(p, n, "tcp:192.0.2.7", ret);
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

	/* without the entry's source: the text header, byte for byte (docs/logs.md): values
	 * percent-encoded */
	log_payload_build(&p, &o, NULL, LOG_CUT | LOG_OCTET, raw, sizeof(raw) - 1);
	assert_int_equal(p.len, strlen(head) + sizeof(raw) - 1);
	assert_memory_equal(p.buf, head, strlen(head));
	assert_int_equal(log_payload_parse(p.buf, p.len, "tls:192.0.2.7", &got), 0);
	assert_string_equal(got.via, "tls");
	assert_string_equal(got.peer, "192.0.2.7:51514");
	assert_string_equal(got.tls, "CN=web 01,O=港区=x%");
	assert_int_equal(got.flags, LOG_CUT | LOG_OCTET);
	assert_int_equal(got.raw_len, sizeof(raw) - 1);
	assert_memory_equal(got.raw, raw, got.raw_len);
	/* log import's bare lines: all raw. */
	assert_int_equal(log_payload_parse_lit(LIT("just a line"), &got), 0);
	assert_string_equal(got.via, "file");
	assert_int_equal(got.raw_len, 11);
	/* every flag, in any order; names not known are passed over */
	assert_int_equal(log_payload_parse_lit(
	                     LIT("mamori-log/1 via=tcp flags=octet,new,bad-line,cut\nx"), &got),
	                 0);
	assert_int_equal(got.flags, LOG_CUT | LOG_OCTET | LOG_BAD_LINE);
	assert_int_equal(
	    log_payload_parse_lit(LIT("mamori-log/1 via=tcp flags=octets,cu\nx"), &got), 0);
	assert_int_equal(got.flags, 0);
	/* A damaged header is refused, not misread. */
	assert_int_equal(log_payload_parse_lit(LIT("mamori-log/1 via=%zz\nx"), &got), -EINVAL);
	assert_int_equal(log_payload_parse_lit(LIT("mamori-log/1 noequals\nx"), &got), -EINVAL);
	strbuf_release(&p);
}

/* Builds with source and checks the header starts with the compact magic or the text one. */
static void build_form(struct strbuf *p, const struct log_origin *o, const char *source,
                       bool compact)
{
	strbuf_reset(p);
	log_payload_build(p, o, source, 0, LIT("x"));
	if (compact)
		assert_memory_equal(p->buf, LOG_PAYLOAD_MAGIC2, 4);
	else
		assert_memory_equal(p->buf, LOG_PAYLOAD_MAGIC, strlen(LOG_PAYLOAD_MAGIC));
}

/* The compact header (event.h): the peer's port only, its address the entry's source's. */
/* ledger show --payload: either header as the text header's line, and where the message begins. */
static void payload_header_text(void **state)
{
	struct log_origin o = { .via = "tls",
		                .peer = "192.0.2.7:51514",
		                .tls_subject = "CN=web 01" };
	struct strbuf p = STRBUF_INIT, t = STRBUF_INIT;
	static const char raw[] = "<13>1 - - - - - - line";
	size_t off;

	(void)state;
	log_payload_build(&p, &o, "tls:192.0.2.7", LOG_OCTET, raw, sizeof(raw) - 1);
	off = log_payload_header_text(&t, p.buf, p.len, "tls:192.0.2.7");
	assert_string_equal(
	    t.buf, "mamori-log/2 via=tls peer=192.0.2.7:51514 flags=octet tls=CN%3Dweb%2001");
	assert_int_equal(off, p.len - (sizeof(raw) - 1));
	/* the text form (an origin the compact one cannot say): its own line, magic /1 */
	strbuf_reset(&p);
	strbuf_reset(&t);
	o = (struct log_origin){ .via = "http", .peer = "192.0.2.7:443", .client = "suzuki" };
	log_payload_build(&p, &o, "http:suzuki", LOG_CUT, raw, sizeof(raw) - 1);
	off = log_payload_header_text(&t, p.buf, p.len, "http:suzuki");
	assert_string_equal(t.buf,
	                    "mamori-log/1 via=http peer=192.0.2.7:443 flags=cut client=suzuki");
	assert_memory_equal(p.buf + off, raw, sizeof(raw) - 1);
	/* no header (a log import's line), or a damaged one: nothing, all of it is the message */
	strbuf_reset(&t);
	assert_int_equal(log_payload_header_text(&t, raw, sizeof(raw) - 1, "file"), 0);
	assert_int_equal(log_payload_header_text(&t, "mamori-log/1 via\nx", 18, "file"), 0);
	assert_int_equal(t.len, 0);
	strbuf_release(&p);
	strbuf_release(&t);
}

static void payload_compact(void **state)
{
	struct log_origin o = { .via = "tls",
		                .peer = "192.0.2.7:51514",
		                .tls_subject = "CN=web 01,O=港区=x%" };
	struct strbuf p = STRBUF_INIT;
	struct log_payload got;
	static const char raw[] = "<13>1 - - - - - - line\nwith LF";
	static const char head[] = "\0ml2s\x03\xc9\x3a" /* tls, cut|octet, port 51514 */
	                           "\x01\x00\x15"       /* tls: 21 bytes */
	                           "CN=web 01,O=港区=x%"
	                           "\0";

	log_payload_build(&p, &o, "tls:192.0.2.7", LOG_CUT | LOG_OCTET, raw, sizeof(raw) - 1);
	assert_int_equal(p.len, sizeof(head) - 1 + sizeof(raw) - 1);
	assert_memory_equal(p.buf, head, sizeof(head) - 1);
	assert_int_equal(log_payload_parse(p.buf, p.len, "tls:192.0.2.7", &got), 0);
	assert_string_equal(got.via, "tls");
	assert_string_equal(got.peer, "192.0.2.7:51514");
	assert_string_equal(got.tls, "CN=web 01,O=港区=x%");
	assert_string_equal(got.client, "");
	assert_int_equal(got.flags, LOG_CUT | LOG_OCTET);
	assert_int_equal(got.raw_len, sizeof(raw) - 1);
	assert_memory_equal(got.raw, raw, got.raw_len);
	/* without the source (search's --grep, a batch's key): all but the peer */
	assert_int_equal(log_payload_parse(p.buf, p.len, NULL, &got), 0);
	assert_string_equal(got.peer, "");
	assert_string_equal(got.tls, "CN=web 01,O=港区=x%");
	assert_int_equal(got.raw_len, sizeof(raw) - 1);
	/* a source of another receiver is not the entry it was written for */
	assert_int_equal(log_payload_parse(p.buf, p.len, "tcp:192.0.2.7", &got), -EINVAL);
	assert_int_equal(log_payload_parse(p.buf, p.len, "file", &got), -EINVAL);

	/* a plain TCP stream: 9 bytes, where the text header took 43 */
	o = (struct log_origin){ .via = "tcp", .peer = "192.0.2.7:514" };
	build_form(&p, &o, "tcp:192.0.2.7", true);
	assert_int_equal(p.len, 9 + 1);
	/* IPv6: the address in brackets again */
	o = (struct log_origin){ .via = "udp", .peer = "[2001:db8::1]:514" };
	build_form(&p, &o, "udp:2001:db8::1", true);
	assert_int_equal(log_payload_parse(p.buf, p.len, "udp:2001:db8::1", &got), 0);
	assert_string_equal(got.peer, "[2001:db8::1]:514");
	assert_string_equal(got.via, "udp");
	/* the ports at either end, written back as they came */
	for (size_t i = 0; i < 3; i++) {
		static const char *const peers[] = { "192.0.2.7:1", "192.0.2.7:65535",
			                             "192.0.2.7:10000" };
		o = (struct log_origin){ .via = "tcp", .peer = peers[i] };
		build_form(&p, &o, "tcp:192.0.2.7", true);
		assert_int_equal(log_payload_parse(p.buf, p.len, "tcp:192.0.2.7", &got), 0);
		assert_string_equal(got.peer, peers[i]);
	}
	/* HTTP: the API token and the batch key */
	o = (struct log_origin){ .via = "http",
		                 .peer = "192.0.2.9:443",
		                 .client = "token 12 sato",
		                 .batch = "web01-logs-7" };
	build_form(&p, &o, "http:192.0.2.9", true);
	assert_int_equal(log_payload_parse(p.buf, p.len, "http:192.0.2.9", &got), 0);
	assert_string_equal(got.client, "token 12 sato");
	assert_string_equal(got.batch, "web01-logs-7");
	assert_string_equal(got.tls, "");
	assert_string_equal(got.peer, "192.0.2.9:443");
	/* any origin the compact form cannot say exactly keeps the text header */
	o = (struct log_origin){ .via = "tcp", .peer = "192.0.2.8:514" }; /* another address */
	build_form(&p, &o, "tcp:192.0.2.7", false);
	o.peer = "192.0.2.7:0514"; /* a port written back otherwise */
	build_form(&p, &o, "tcp:192.0.2.7", false);
	o.peer = "192.0.2.7:65536";
	build_form(&p, &o, "tcp:192.0.2.7", false);
	o.peer = "192.0.2.7"; /* no port */
	build_form(&p, &o, "tcp:192.0.2.7", false);
	o.peer = "192.0.2.7:514";
	build_form(&p, &o, "tcp:192.0.2.70", false);
	build_form(&p, &o, "udp:192.0.2.7", false);
	build_form(&p, &o, NULL, false);
	o = (struct log_origin){ .via = "file", .peer = "192.0.2.7:514" };
	build_form(&p, &o, "file:192.0.2.7", false);
	strbuf_release(&p);
}

/* A message stored with the text header (before the compact one) reads as the same event. */
static void payload_forms_same_event(void **state)
{
	static const char raw[] = "<38>Nov 22 11:46:44 sshd[123]: Failed password for root from "
	                          "203.0.113.7 port 4000 ssh2";
	struct log_origin o = { .via = "tcp", .peer = "[2001:db8::7]:40000" };
	struct strbuf text = STRBUF_INIT, compact = STRBUF_INIT;
	struct log_event a, b;

	log_payload_build(&text, &o, NULL, LOG_OCTET, raw, sizeof(raw) - 1);
	log_payload_build(&compact, &o, "tcp:2001:db8::7", LOG_OCTET, raw, sizeof(raw) - 1);
	assert_memory_equal(text.buf, LOG_PAYLOAD_MAGIC, strlen(LOG_PAYLOAD_MAGIC));
	assert_memory_equal(compact.buf, LOG_PAYLOAD_MAGIC2, 4);
	log_event_read(&a, 7, 1795348800000LL, "tcp:2001:db8::7", text.buf, text.len, 32400000);
	log_event_read(&b, 7, 1795348800000LL, "tcp:2001:db8::7", compact.buf, compact.len,
	               32400000);
	assert_string_equal(a.payload.via, b.payload.via);
	assert_string_equal(a.payload.peer, "[2001:db8::7]:40000");
	assert_string_equal(b.payload.peer, a.payload.peer);
	assert_int_equal(a.payload.flags, b.payload.flags);
	assert_int_equal(a.payload.raw_len, b.payload.raw_len);
	assert_memory_equal(a.payload.raw, b.payload.raw, a.payload.raw_len);
	assert_string_equal(a.host, b.host);
	assert_int_equal(a.time_ms, b.time_ms);
	assert_int_equal(a.fields.user.n, b.fields.user.n);
	assert_memory_equal(a.fields.user.p, b.fields.user.p, a.fields.user.n);
	assert_int_equal(b.fields.user.n, 4); /* root */
	log_event_release(&a);
	log_event_release(&b);
	strbuf_release(&text);
	strbuf_release(&compact);
}

/* A damaged compact header is refused, never read past its end. */
static void payload_compact_damaged(void **state)
{
	static const struct {
		const char *p;
		size_t n;
	} bad[] = {
		{ LIT("\0ml2t\0\x02") }, /* shorter than its fixed part */
		{ LIT("\0ml2t\0\x02\x02\x01\0\x01"
		      "a") },                   /* no end byte */
		{ LIT("\0ml2x\0\x02\x02\0x") }, /* an unknown via */
		{ LIT("\0ml2t\0\0\0\0x") },     /* port 0 */
		{ LIT("\0ml2t\0\x02\x02\x04\0\x01"
		      "a\0x") }, /* an unknown field */
		{ LIT("\0ml2t\0\x02\x02\x02\0\x01"
		      "a\x01\0\x01"
		      "b\0x") }, /* out of order */
		{ LIT("\0ml2t\0\x02\x02\x01\0\x01"
		      "a\x01\0\x01"
		      "b\0x") }, /* twice */
		{ LIT("\0ml2t\0\x02\x02\x01\0\x09"
		      "abc\0") },                       /* longer than the payload */
		{ LIT("\0ml2t\0\x02\x02\x01\0\0\0x") }, /* empty */
		{ LIT("\0ml2t\0\x02\x02\x01\0\x03"
		      "a\0b\0x") },                      /* a NUL inside */
		{ LIT("\0ml2t\0\x02\x02\x01\x10\x01") }, /* over 4096 bytes (and past the end) */
	};
	struct log_payload got;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("# case %zu\n", i);
		assert_int_equal(log_payload_parse(bad[i].p, bad[i].n, "tcp:192.0.2.7", &got),
		                 -EINVAL);
	}
	/* the smallest good one, with unknown flags passed over */
	assert_int_equal(log_payload_parse(LIT("\0ml2t\xf2\x02\x02\0x"), "tcp:192.0.2.7", &got), 0);
	assert_int_equal(got.flags, LOG_OCTET);
	assert_string_equal(got.peer, "192.0.2.7:514");
	assert_int_equal(got.raw_len, 1);
	assert_int_equal(got.raw[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_and_errors),
		cmocka_unit_test(gzip_roundtrip),
		cmocka_unit_test(windows_4625),
		cmocka_unit_test(extraction),
		cmocka_unit_test(payload_roundtrip),
		cmocka_unit_test(payload_compact),
		cmocka_unit_test(payload_header_text),
		cmocka_unit_test(payload_compact_damaged),
		cmocka_unit_test(payload_forms_same_event),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
