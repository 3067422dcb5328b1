/* fuzz-syslog5424: the strict RFC 5424 parser never reads outside the message, keeps its
 * spans inside it, and walks any structured data it accepted. */
#include <stdint.h>
#include <string.h>

#include "base/strbuf.h"
#include "ingest/syslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

static void inside(const char *base, size_t size, struct syslog_span s)
{
	CHECK(s.n == 0 || (s.p >= base && s.p + s.n <= base + size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct syslog_parse_options o = { .now_ms = 1795348800000LL, .offset_ms = 32400000 };
	struct syslog_msg m, m2;
	struct strbuf v = STRBUF_INIT;

	memset(&m, 0, sizeof(m));
	m.pri = SYSLOG_NO_PRI;
	m.time_ms = SYSLOG_NO_TIME; /* as syslog_parse starts */
	if (syslog_parse_5424(p, size, &m) == 0) {
		struct syslog_sd_iter it;
		struct syslog_sd_param prm;
		size_t n = 0;
		CHECK(m.format == SYSLOG_5424 && m.pri >= 0 && m.pri <= 191);
		inside(p, size, m.host);
		inside(p, size, m.app);
		inside(p, size, m.procid);
		inside(p, size, m.msgid);
		inside(p, size, m.sd);
		inside(p, size, m.msg);
		CHECK(m.host.n <= SYSLOG_MAX_HOSTNAME && m.app.n <= SYSLOG_MAX_APPNAME &&
		      m.procid.n <= SYSLOG_MAX_PROCID && m.msgid.n <= SYSLOG_MAX_MSGID);
		syslog_sd_iter_init(&it, m.sd);
		while (syslog_sd_next(&it, &prm) > 0) {
			inside(p, size, prm.id);
			inside(p, size, prm.name);
			inside(p, size, prm.value);
			strbuf_reset(&v);
			syslog_sd_unescape(prm.value, &v);
			CHECK(v.len <= prm.value.n);
			CHECK(++n <= size);
		}
		/* The dispatcher agrees. */
		syslog_parse(p, size, &o, &m2);
		CHECK(m2.format == SYSLOG_5424 && m2.time_ms == m.time_ms);
	} else {
		CHECK(m.error != NULL);
	}
	strbuf_release(&v);
	return 0;
}
