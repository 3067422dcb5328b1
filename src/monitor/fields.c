/* fields: a collected message's fields as analysis rules name them. */
#include <stdbool.h>
#include <string.h>

#include "monitor/fields.h"

static const char *span(struct syslog_span s, size_t *len)
{
	*len = s.n;
	return s.n ? s.p : NULL;
}

static const char *str(const char *s, size_t *len)
{
	*len = s ? strlen(s) : 0;
	return s && *s ? s : NULL;
}

/* The fields every message has, as rules name them (anything else: SD-PARAMs, JSON keys). */
enum field_id {
	F_OTHER,
	F_HOST,
	F_APP,
	F_PROCID,
	F_MSGID,
	F_MESSAGE,
	F_RAW,
	F_FACILITY,
	F_SEVERITY,
	F_USER,
	F_TARGET_USER,
	F_SRC_IP,
	F_COMMAND,
	F_EVENT,
	F_FORMAT,
	F_SOURCE,
	F_VIA,
	F_PEER,
	F_TLS,
};

/*
 * Whether f is the name lit: inline, as the names are a few bytes (strcmp's call was a fifth
 * of the analysis's field lookups, which the prefilter makes for every message).
 */
static inline bool is(const char *f, const char *lit)
{
	while (*lit && *f == *lit) {
		f++;
		lit++;
	}
	return *f == *lit;
}

/* By its first letter: every rule condition asks for a field, for every message. */
static enum field_id field_id(const char *f)
{
	switch (f[0]) {
	case 'a':
		return is(f, "app") || is(f, "appname") ? F_APP : F_OTHER;
	case 'c':
		return is(f, "command") ? F_COMMAND : F_OTHER;
	case 'e':
		return is(f, "event") ? F_EVENT : F_OTHER;
	case 'f':
		return is(f, "facility") ? F_FACILITY : is(f, "format") ? F_FORMAT : F_OTHER;
	case 'h':
		return is(f, "host") || is(f, "hostname") ? F_HOST : F_OTHER;
	case 'm':
		return is(f, "message") || is(f, "msg") ? F_MESSAGE
		       : is(f, "msgid")                 ? F_MSGID
		                                        : F_OTHER;
	case 'p':
		return is(f, "program")                  ? F_APP
		       : is(f, "procid") || is(f, "pid") ? F_PROCID
		       : is(f, "peer")                   ? F_PEER
		                                         : F_OTHER;
	case 'r':
		return is(f, "raw") ? F_RAW : F_OTHER;
	case 's':
		return is(f, "severity") ? F_SEVERITY
		       : is(f, "src_ip") ? F_SRC_IP
		       : is(f, "source") ? F_SOURCE
		                         : F_OTHER;
	case 't':
		return is(f, "target_user") ? F_TARGET_USER : is(f, "tls") ? F_TLS : F_OTHER;
	case 'u':
		return is(f, "user") ? F_USER : F_OTHER;
	case 'v':
		return is(f, "via") ? F_VIA : F_OTHER;
	default:
		return F_OTHER;
	}
}

const char *log_event_field(const void *ctx, const char *f, struct strbuf *buf, size_t *len)
{
	const struct log_event *ev = ctx;
	const char *format_names[] = { "raw", "rfc5424", "rfc3164", "json" };

	switch (field_id(f)) {
	case F_HOST:
		return str(ev->host, len);
	case F_APP:
		return span(ev->msg.app, len);
	case F_PROCID:
		return span(ev->msg.procid, len);
	case F_MSGID:
		return span(ev->msg.msgid, len);
	case F_MESSAGE:
		return span(ev->msg.msg, len);
	case F_RAW:
		*len = ev->payload.raw_len;
		return ev->payload.raw;
	case F_FACILITY:
		return str(syslog_facility_name(ev->msg.pri), len);
	case F_SEVERITY:
		return str(syslog_severity_name(ev->msg.pri), len);
	case F_USER:
		return span(ev->fields.user, len);
	case F_TARGET_USER:
		return span(ev->fields.target_user, len);
	case F_SRC_IP:
		return span(ev->fields.src_ip, len);
	case F_COMMAND:
		return span(ev->fields.command, len);
	case F_EVENT:
		return str(ev->fields.event, len);
	case F_FORMAT:
		return str(format_names[ev->msg.format & 3], len);
	case F_SOURCE:
		return str(ev->source, len);
	case F_VIA:
		return str(ev->payload.via, len);
	case F_PEER:
		return str(ev->payload.peer, len);
	case F_TLS:
		return str(ev->payload.tls, len);
	case F_OTHER:
		break;
	}
	if (!strncmp(f, "sd.", 3) && ev->msg.format == SYSLOG_5424 && ev->msg.sd.n) {
		/* sd.ID.NAME: an SD-PARAM, unescaped. */
		const char *dot = strrchr(f + 3, '.');
		struct syslog_sd_iter it;
		struct syslog_sd_param p;
		if (!dot)
			return NULL;
		syslog_sd_iter_init(&it, ev->msg.sd);
		while (syslog_sd_next(&it, &p) > 0) {
			if (p.id.n == (size_t)(dot - f - 3) && !memcmp(p.id.p, f + 3, p.id.n) &&
			    p.name.n == strlen(dot + 1) && !memcmp(p.name.p, dot + 1, p.name.n)) {
				syslog_sd_unescape(p.value, buf);
				*len = buf->len;
				return buf->buf ? buf->buf : "";
			}
		}
		return NULL;
	}
	if (ev->json) {
		json_t *v = json_object_get(ev->json, f);
		if (v && json_is_string(v)) {
			*len = json_string_length(v);
			return json_string_value(v);
		}
		if (v && json_is_integer(v)) {
			strbuf_addf(buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			*len = buf->len;
			return buf->buf;
		}
		if (v && (json_is_true(v) || json_is_false(v)))
			return str(json_is_true(v) ? "true" : "false", len);
	}
	return NULL;
}
