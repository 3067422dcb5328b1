/* event: a received message as stored (its sealed payload) and as read back for search and rules.
 */
#include <errno.h>
#include <stddef.h>
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

/* The compact header's via codes (event.h). */
static const struct {
	char code;
	const char *via;
} vias[] = { { 'u', "udp" }, { 't', "tcp" }, { 's', "tls" }, { 'h', "http" } };

static char via_code(const char *via)
{
	for (size_t i = 0; via && i < sizeof(vias) / sizeof(vias[0]); i++)
		if (!strcmp(vias[i].via, via))
			return vias[i].code;
	return 0;
}

static const char *via_name(unsigned char code)
{
	for (size_t i = 0; i < sizeof(vias) / sizeof(vias[0]); i++)
		if ((unsigned char)vias[i].code == code)
			return vias[i].via;
	return NULL;
}

/* The address part of source when it is "VIA:ADDRESS" (the receivers' entries), else NULL. */
static const char *source_address(const char *source, const char *via)
{
	size_t vl = strlen(via);

	if (!source || strncmp(source, via, vl) || source[vl] != ':' || !source[vl + 1])
		return NULL;
	return source + vl + 1;
}

/*
 * The peer's port when the peer is the source's address with one ("tcp:192.0.2.7" and
 * "192.0.2.7:51514"; "tcp:2001:db8::1" and "[2001:db8::1]:51514"), written as the compact
 * header's reader writes it back (no leading zero): else 0, and the header is the text one.
 */
static unsigned peer_port(const char *source, const char *via, const char *peer)
{
	const char *addr = source_address(source, via), *p = peer;
	unsigned port = 0;
	size_t al;

	if (!addr || !peer)
		return 0;
	al = strlen(addr);
	if (memchr(addr, ':', al)) {
		if (*p++ != '[' || strncmp(p, addr, al) || p[al] != ']')
			return 0;
		p += al + 1;
	} else if (strncmp(p, addr, al)) {
		return 0;
	} else {
		p += al;
	}
	if (*p++ != ':' || *p < '1' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (unsigned)(*p - '0');
	return *p || port > 65535 ? 0 : port;
}

/* The compact header (event.h), when the origin allows it: false, and nothing written, if not. */
static bool build_compact(struct strbuf *out, const struct log_origin *o, const char *source,
                          unsigned flags)
{
	const char *fields[] = { o->tls_subject, o->client, o->batch };
	char code = via_code(o->via);
	unsigned port = code ? peer_port(source, o->via, o->peer) : 0;
	unsigned char fixed[4];

	if (!port || flags > 0xff)
		return false;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i] && strlen(fields[i]) > LOG_PAYLOAD_FIELD_MAX)
			return false;
	fixed[0] = (unsigned char)code;
	fixed[1] = (unsigned char)flags;
	fixed[2] = (unsigned char)(port >> 8);
	fixed[3] = (unsigned char)(port & 0xff);
	strbuf_add(out, LOG_PAYLOAD_MAGIC2, 4);
	strbuf_add(out, fixed, sizeof(fixed));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		size_t n = fields[i] ? strlen(fields[i]) : 0;
		unsigned char tl[3] = { (unsigned char)(i + 1), (unsigned char)(n >> 8),
			                (unsigned char)(n & 0xff) };
		if (!n)
			continue;
		strbuf_add(out, tl, sizeof(tl));
		strbuf_add(out, fields[i], n);
	}
	strbuf_addch(out, '\0');
	return true;
}

/* The text header's fields after its magic (event.h), without the line's end. */
static void add_text_fields(struct strbuf *out, const char *via, const char *peer, unsigned flags,
                            const char *tls, const char *client, const char *batch)
{
	strbuf_addstr(out, "via=");
	add_encoded(out, via);
	strbuf_addstr(out, " peer=");
	add_encoded(out, peer && *peer ? peer : "-");
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
	if (tls && *tls) {
		strbuf_addstr(out, " tls=");
		add_encoded(out, tls);
	}
	if (client && *client) {
		strbuf_addstr(out, " client=");
		add_encoded(out, client);
	}
	if (batch && *batch) {
		strbuf_addstr(out, " batch=");
		add_encoded(out, batch);
	}
}

void log_payload_build(struct strbuf *out, const struct log_origin *o, const char *source,
                       unsigned flags, const void *raw, size_t len)
{
	if (build_compact(out, o, source, flags)) {
		strbuf_add(out, raw, len);
		return;
	}
	strbuf_addstr(out, LOG_PAYLOAD_MAGIC);
	add_text_fields(out, o->via, o->peer, flags, o->tls_subject, o->client, o->batch);
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

/* The compact header's value of length len at p into buf (NUL-terminated, cut to size). */
static void field_copy(const unsigned char *p, size_t len, char *buf, size_t size)
{
	size_t n = len < size - 1 ? len : size - 1;

	memcpy(buf, p, n);
	buf[n] = '\0';
}

/*
 * "ADDRESS:PORT", or "[ADDRESS]:PORT" for IPv6, into buf (cut to size): the peer as the text
 * header had it. Not snprintf: it ran for every message the analysis reads.
 */
static void peer_text(char *buf, size_t size, const char *addr, unsigned port)
{
	char tail[8], digits[5];
	size_t al = strlen(addr), o = 0, nd = 0, tn = 0;
	bool v6 = memchr(addr, ':', al) != NULL;

	do {
		digits[nd++] = (char)('0' + port % 10);
		port /= 10;
	} while (port && nd < sizeof(digits));
	if (v6)
		tail[tn++] = ']';
	tail[tn++] = ':';
	while (nd)
		tail[tn++] = digits[--nd];
	if (v6 && size > 1)
		buf[o++] = '[';
	if (al > size - 1 - o)
		al = size - 1 - o;
	/* A loop, not memcpy: GCC made that `rep movsq`, whose start cost more than the copy of
	 * an address (a quarter of log_payload_parse's time for "192.0.2.7"). */
	for (size_t i = 0; i < al; i++)
		buf[o + i] = addr[i];
	o += al;
	if (tn > size - 1 - o)
		tn = size - 1 - o;
	memcpy(buf + o, tail, tn);
	buf[o + tn] = '\0';
}

/* The compact header (event.h); p starts with its magic. */
static int parse_compact(const unsigned char *p, size_t n, const char *source,
                         struct log_payload *ret)
{
	const char *via = n >= 9 ? via_name(p[4]) : NULL, *addr = NULL;
	unsigned port = n >= 9 ? (unsigned)p[6] << 8 | p[7] : 0, last = 0;
	size_t i = 8;

	if (!via || !port)
		return -EINVAL;
	memcpy(ret->via, via, strlen(via) + 1);
	ret->flags = p[5] & (LOG_CUT | LOG_OCTET | LOG_BAD_LINE); /* others: passed over */
	if (source) {
		if (!(addr = source_address(source, via)))
			return -EINVAL; /* not the entry it was written for */
		peer_text(ret->peer, sizeof(ret->peer), addr, port);
	}
	for (;;) {
		unsigned tag;
		size_t len;
		if (i >= n)
			return -EINVAL;
		tag = p[i++];
		if (!tag)
			break;
		if (tag <= last || tag > 3 || n - i < 2)
			return -EINVAL;
		len = (size_t)p[i] << 8 | p[i + 1];
		i += 2;
		if (!len || len > LOG_PAYLOAD_FIELD_MAX || n - i < len || memchr(p + i, 0, len))
			return -EINVAL;
		if (tag == 1)
			field_copy(p + i, len, ret->tls, sizeof(ret->tls));
		else if (tag == 2)
			field_copy(p + i, len, ret->client, sizeof(ret->client));
		else
			field_copy(p + i, len, ret->batch, sizeof(ret->batch));
		i += len;
		last = tag;
	}
	ret->raw = (const char *)p + i;
	ret->raw_len = n - i;
	return 0;
}

/*
 * Every field of an empty payload, each text field by its first byte: not a memset of the
 * whole, about 900 bytes of text fields that a received message rarely fills, for each
 * message the analysis reads.
 */
static void payload_clear(struct log_payload *p)
{
	p->via[0] = p->peer[0] = p->tls[0] = p->client[0] = p->batch[0] = '\0';
	p->flags = 0;
	p->raw = NULL;
	p->raw_len = 0;
}

int log_payload_parse(const void *payload, size_t n, const char *source, struct log_payload *ret)
{
	const char *p = payload, *lf, *q, *end;
	size_t magic = strlen(LOG_PAYLOAD_MAGIC);

	payload_clear(ret);
	if (n >= 4 && !memcmp(p, LOG_PAYLOAD_MAGIC2, 4))
		return parse_compact(payload, n, source, ret);
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

size_t log_payload_header_text(struct strbuf *out, const void *payload, size_t n,
                               const char *source)
{
	struct log_payload p;
	const char *magic;

	if (log_payload_parse(payload, n, source, &p) < 0 || p.raw == (const char *)payload)
		return 0; /* no header, or one that does not read: all of it is the message */
	magic = !memcmp(payload, LOG_PAYLOAD_MAGIC2, 4) ? "mamori-log/2 " : LOG_PAYLOAD_MAGIC;
	strbuf_addstr(out, magic);
	add_text_fields(out, p.via, p.peer, p.flags, p.tls, p.client, p.batch);
	explicit_bzero(&p, offsetof(struct log_payload, flags)); /* addresses, subjects */
	return (size_t)(p.raw - (const char *)payload);
}

void log_event_read(struct log_event *ev, uint64_t index, int64_t received_ms, const char *source,
                    const void *payload, size_t payload_len, int64_t offset_ms)
{
	struct syslog_parse_options o = { .now_ms = received_ms, .offset_ms = offset_ms };
	size_t n = 0;
	bool json;

	/*
	 * Not cleared with a memset: the payload is cleared by log_payload_parse, the message by
	 * the parser, the fields by log_extract and the host is written whole below; a memset of
	 * those 470 bytes was a `rep stosq` for each message the analysis reads.
	 */
	ev->time_ms = 0;
	ev->json = NULL;
	ev->index = index;
	ev->received_ms = received_ms;
	ev->source = source;
	if (log_payload_parse(payload, payload_len, source, &ev->payload) < 0) {
		/* A damaged header: the whole payload is the message. */
		payload_clear(&ev->payload);
		strcpy(ev->payload.via, "file");
		ev->payload.raw = payload;
		ev->payload.raw_len = payload_len;
	}
	/* (the first letter first: a strcmp call for every message was 2% of the analysis) */
	json = ev->payload.via[0] == 'h' && !strcmp(ev->payload.via, "http") &&
	       !(ev->payload.flags & LOG_BAD_LINE);
	if (json)
		syslog_parse_json(ev->payload.raw, ev->payload.raw_len, &o, &ev->msg, &ev->json);
	if (!json || ev->msg.format != SYSLOG_JSON) {
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
