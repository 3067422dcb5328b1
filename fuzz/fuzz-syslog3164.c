/* fuzz-syslog3164: whatever arrives is parsed or kept whole: the lenient BSD parser and the
 * dispatcher never read outside the message, and a message kept raw is all of it. */
#include <stdint.h>
#include <string.h>

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
	struct syslog_msg m;
	int64_t t;

	syslog_parse(p, size, &o, &m);
	inside(p, size, m.host);
	inside(p, size, m.app);
	inside(p, size, m.procid);
	inside(p, size, m.msgid);
	inside(p, size, m.sd);
	inside(p, size, m.msg);
	if (m.format == SYSLOG_RAW) {
		/* Never dropped: the whole message is kept, with the reason. */
		CHECK(m.msg.n == size && m.error != NULL && m.pri == SYSLOG_NO_PRI);
	} else {
		CHECK(m.pri >= 0 && m.pri <= 191);
		CHECK(syslog_facility_name(m.pri) && syslog_severity_name(m.pri));
	}
	/* The timestamp reader alone: no crash, and a time when it says so. */
	if (syslog_parse_time(p, size, &o, &t) == 0)
		CHECK(t != SYSLOG_NO_TIME);
	return 0;
}
