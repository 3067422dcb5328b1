/* event: a received message as stored (its sealed payload) and as read back for search and rules.
 */
#include <errno.h>
#include <string.h>

#include "base/parse.h"
#include "ingest/event.h"
#include "ingest/ndjson.h"

static const char hexdig[] = "0123456789ABCDEF";

static bool plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%' && c != '=';
}

/* s percent-encoded: runs of plain bytes are added at once. */
static void add_encoded(struct strbuf *out, const char *s)
{
	while (*s) {
		size_t run = 0;
		while (s[run] && plain((unsigned char)s[run]))
			run++;
		strbuf_add(out, s, run);
		s += run;
		if (*s) {
			unsigned char c = (unsigned char)*s++;
			char esc[3] = { '%', hexdig[c >> 4], hexdig[c & 15] };
			strbuf_add(out, esc, sizeof(esc));
		}
	}
}

void log_payload_build(struct strbuf *out, const struct log_origin *o, unsigned flags,
                       const void *raw, size_t len)
{
	strbuf_addstr(out, LOG_PAYLOAD_MAGIC "via=");
	add_encoded(out, o->via);
	strbuf_addstr(out, " peer=");
	add_encoded(out, o->peer ? o->peer : "-");
	if (flags) {
		const char *sep = "";
		strbuf_addstr(out, " flags=");
		if (flags & LOG_CUT) {
			strbuf_addstr(out, "cut");
			sep = ",";
		}
		if (flags & LOG_OCTET) {
			strbuf_addstr(out, sep);
			strbuf_addstr(out, "octet");
			sep = ",";
		}
		if (flags & LOG_BAD_LINE) {
			strbuf_addstr(out, sep);
			strbuf_addstr(out, "bad-line");
		}
	}
	if (o->tls_subject && *o->tls_subject) {
		strbuf_addstr(out, " tls=");
		add_encoded(out, o->tls_subject);
	}
	if (o->client && *o->client) {
		strbuf_addstr(out, " client=");
		add_encoded(out, o->client);
	}
	if (o->batch && *o->batch) {
		strbuf_addstr(out, " batch=");
		add_encoded(out, o->batch);
	}
	strbuf_addch(out, '\n');
	strbuf_add(out, raw, len);
}

/* Decodes p[0..n) into buf (NUL-terminated, cut to size). -EINVAL on a bad escape. */
static int decode(const char *p, size_t n, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= n)
				return -EINVAL;
			h = parse_hex_digit(p[i + 1]);
			l = parse_hex_digit(p[i + 2]);
			if (h < 0 || l < 0)
				return -EINVAL;
			c = (char)(h << 4 | l);
			i += 2;
		}
		if (o + 1 < size)
			buf[o++] = c;
	}
	buf[o] = '\0';
	return 0;
}

/* "cut,octet": the flags named in [p, end); names it does not know are passed over. */
static unsigned flags_of(const char *p, const char *end)
{
	unsigned flags = 0;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t n = (size_t)((comma ? comma : end) - p);
		if (n == 3 && !memcmp(p, "cut", 3))
			flags |= LOG_CUT;
		else if (n == 5 && !memcmp(p, "octet", 5))
			flags |= LOG_OCTET;
		else if (n == 8 && !memcmp(p, "bad-line", 8))
			flags |= LOG_BAD_LINE;
		p += n + 1;
	}
	return flags;
}

int log_payload_parse(const void *payload, size_t n, struct log_payload *ret)
{
	const char *p = payload, *lf, *q, *end;
	size_t magic = strlen(LOG_PAYLOAD_MAGIC);

	memset(ret, 0, sizeof(*ret));
	if (n < magic || memcmp(p, LOG_PAYLOAD_MAGIC, magic) ||
	    !(lf = memchr(p, '\n', n < 4096 ? n : 4096))) {
		strcpy(ret->via, "file");
		ret->raw = p;
		ret->raw_len = n;
		return 0;
	}
	ret->raw = lf + 1;
	ret->raw_len = n - (size_t)(lf + 1 - p);
	q = p + magic;
	while (q < lf) {
		const char *eq, *sp;
		sp = memchr(q, ' ', (size_t)(lf - q));
		end = sp ? sp : lf;
		eq = memchr(q, '=', (size_t)(end - q));
		if (!eq)
			return -EINVAL;
		if (eq - q == 3 && !memcmp(q, "via", 3)) {
			if (decode(eq + 1, (size_t)(end - eq - 1), ret->via, sizeof(ret->via)) < 0)
				return -EINVAL;
		} else if (eq - q == 4 && !memcmp(q, "peer", 4)) {
			if (decode(eq + 1, (size_t)(end - eq - 1), ret->peer, sizeof(ret->peer)) <
			    0)
				return -EINVAL;
		} else if (eq - q == 3 && !memcmp(q, "tls", 3)) {
			if (decode(eq + 1, (size_t)(end - eq - 1), ret->tls, sizeof(ret->tls)) < 0)
				return -EINVAL;
		} else if (eq - q == 6 && !memcmp(q, "client", 6)) {
			if (decode(eq + 1, (size_t)(end - eq - 1), ret->client,
			           sizeof(ret->client)) < 0)
				return -EINVAL;
		} else if (eq - q == 5 && !memcmp(q, "batch", 5)) {
			if (decode(eq + 1, (size_t)(end - eq - 1), ret->batch, sizeof(ret->batch)) <
			    0)
				return -EINVAL;
		} else if (eq - q == 5 && !memcmp(q, "flags", 5)) {
			ret->flags |= flags_of(eq + 1, end);
		}
		q = end + 1;
	}
	return 0;
}

void log_event_read(struct log_event *ev, uint64_t index, int64_t received_ms, const char *source,
                    const void *payload, size_t payload_len, int64_t offset_ms)
{
	struct syslog_parse_options o = { .now_ms = received_ms, .offset_ms = offset_ms };
	size_t n = 0;

	memset(ev, 0, sizeof(*ev));
	ev->index = index;
	ev->received_ms = received_ms;
	ev->source = source;
	if (log_payload_parse(payload, payload_len, &ev->payload) < 0) {
		/* A damaged header: the whole payload is the message. */
		memset(&ev->payload, 0, sizeof(ev->payload));
		strcpy(ev->payload.via, "file");
		ev->payload.raw = payload;
		ev->payload.raw_len = payload_len;
	}
	if (!strcmp(ev->payload.via, "http") && !(ev->payload.flags & LOG_BAD_LINE))
		syslog_parse_json(ev->payload.raw, ev->payload.raw_len, &o, &ev->msg, &ev->json);
	if (ev->msg.format != SYSLOG_JSON) {
		json_decref(ev->json);
		ev->json = NULL;
		syslog_parse(ev->payload.raw, ev->payload.raw_len, &o, &ev->msg);
	}
	ev->time_ms = ev->msg.time_ms != SYSLOG_NO_TIME ? ev->msg.time_ms : received_ms;
	log_extract(&ev->msg, ev->json, &ev->fields);
	/* The host: the message's, lowercased; else the address it came from. */
	if (ev->msg.host.n) {
		for (; n < ev->msg.host.n && n < SYSLOG_MAX_HOSTNAME; n++) {
			ev->host[n] = ascii_lower(ev->msg.host.p[n]);
		}
	} else if (ev->payload.peer[0] && strcmp(ev->payload.peer, "-")) {
		const char *peer = ev->payload.peer, *colon = strrchr(peer, ':');
		n = colon && strchr(peer, '.') ? (size_t)(colon - peer) : strlen(peer);
		if (n > SYSLOG_MAX_HOSTNAME)
			n = SYSLOG_MAX_HOSTNAME;
		memcpy(ev->host, peer, n);
	} else if (source) {
		n = strlen(source);
		if (n > SYSLOG_MAX_HOSTNAME)
			n = SYSLOG_MAX_HOSTNAME;
		memcpy(ev->host, source, n);
	}
	ev->host[n] = '\0';
}

void log_event_release(struct log_event *ev)
{
	json_decref(ev->json);
	ev->json = NULL;
}

void log_event_user(const struct log_event *ev, char *buf, size_t size)
{
	size_t n = ev->fields.user.n < size - 1 ? ev->fields.user.n : size - 1;

	if (n)
		memcpy(buf, ev->fields.user.p, n);
	buf[n] = '\0';
}

bool log_via_receiver(const char *via)
{
	return !strcmp(via, "udp") || !strcmp(via, "tcp") || !strcmp(via, "tls") ||
	       !strcmp(via, "http");
}
