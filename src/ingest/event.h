/* event: a received message as stored (its sealed payload) and as read back for search and rules.
 */
#ifndef MAMORI_INGEST_EVENT_H
#define MAMORI_INGEST_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ingest/extract.h"
#include "ingest/syslog.h"

/* How a message arrived: the receiver that took it and the peer it came from. */
struct log_origin {
	const char *via;         /* "udp", "tcp", "tls", "http", "file" */
	const char *peer;        /* "192.0.2.7:51514"; for http the token's login */
	const char *tls_subject; /* the client certificate's subject (mutual TLS), or NULL */
	const char *client;      /* http: the API token that sent it ("token 12 sato"), or NULL */
	const char *batch;       /* http: the sender's Idempotency-Key, or NULL */
};

/* Flags of one message (kept in its payload and the search index). */
enum log_flags {
	LOG_CUT = 1 << 0,      /* longer than the limit: only its start was kept */
	LOG_OCTET = 1 << 1,    /* came octet-counted (RFC 6587 §3.4.1) */
	LOG_BAD_LINE = 1 << 2, /* an HTTP line that was not a JSON object */
};

/*
 * The sealed payload of a received message (docs/ledger.md, "Collected logs"): a header saying
 * how it arrived, then the message's bytes exactly as received. The header has two forms:
 *
 * Compact (mamori-log/2), when the peer is the entry's source address with a port (the
 * receivers: source "tcp:192.0.2.7", peer "192.0.2.7:51514"); 9 bytes for a plain stream:
 *     00 'm' 'l' '2'   via: 'u' udp, 't' tcp, 's' tls, 'h' http   flags (enum log_flags)
 *     the peer's port (2 bytes, big-endian; its address is the source's)
 *     optional fields, each a tag (1 tls, 2 client, 3 batch), a 2-byte big-endian length and
 *     the value (1..4096 bytes, no NUL), in increasing tag order, then a 0 byte.
 * Text (mamori-log/1), for any other origin, and every payload stored before the compact form:
 * one line, LF:
 *     mamori-log/1 via=tcp peer=192.0.2.7:51514 flags=cut tls=CN%3Dweb01
 * Values are percent-encoded (space, '%', '=', control and non-ASCII bytes); flags, tls and
 * client (the API token of an HTTP sender: client=token%2012%20sato) and batch (its
 * Idempotency-Key: batch=web01-logs-7) are left out when empty.
 *
 * log_payload_build writes the compact form when source (the entry's source, or NULL) allows.
 */
#define LOG_PAYLOAD_MAGIC     "mamori-log/1 "
#define LOG_PAYLOAD_MAGIC2    "\0ml2"
#define LOG_PAYLOAD_FIELD_MAX 4096
void log_payload_build(struct strbuf *out, const struct log_origin *o, const char *source,
                       unsigned flags, const void *raw, size_t len);

/*
 * A stored message read back: the origin (decoded into buf), flags and raw bytes. A payload
 * without the header (`mamori log import` keeps the bare line) is all raw, via "file".
 * source: the entry's source (the compact header takes the peer's address from it), or NULL
 * when the caller needs no peer (it is then left empty for a compact header).
 * Returns 0, or -EINVAL for a damaged header.
 */
struct log_payload {
	/* log_payload_parse clears each field by itself (event.c, payload_clear): a new field
	 * is cleared there too */
	char via[8];
	char peer[128];
	char tls[512];
	char client[128];
	char batch[132]; /* an Idempotency-Key is at most 128 bytes */
	unsigned flags;
	const char *raw;
	size_t raw_len;
};
int log_payload_parse(const void *p, size_t n, const char *source, struct log_payload *ret);
/*
 * For people (`ledger show --payload`): the payload's header, compact or text, written to out
 * as the text header's line ("mamori-log/2 via=tcp peer=192.0.2.7:51514 flags=octet", the
 * magic saying which form is stored; no line end). Returns where the message begins, or 0
 * (nothing written) when the payload has no header that reads.
 */
size_t log_payload_header_text(struct strbuf *out, const void *payload, size_t n,
                               const char *source);

/*
 * One stored message as search and rules see it. Spans point into the raw bytes (or
 * json), which must outlive it.
 */
struct log_event {
	uint64_t index;      /* its ledger entry */
	int64_t received_ms; /* the entry's time */
	int64_t time_ms;     /* the message's own time, else received_ms */
	const char *source;  /* the entry's source: "tcp:192.0.2.7", or log import's name */
	struct log_payload payload;
	/* msg and all after it: each set whole by log_event_read */
	struct syslog_msg msg;
	json_t *json; /* SYSLOG_JSON: the object (owned) */
	struct log_fields fields;
	char host[SYSLOG_MAX_HOSTNAME + 1]; /* lowercased host; else the source's address */
};

/* Reads an event from its entry's decoded parts and payload. offset_ms: the ward's zone. */
void log_event_read(struct log_event *ev, uint64_t index, int64_t received_ms, const char *source,
                    const void *payload, size_t payload_len, int64_t offset_ms);
void log_event_release(struct log_event *ev);

/* The user a message is about, as text (empty when none). */
void log_event_user(const struct log_event *ev, char *buf, size_t size);

/*
 * Who reads the messages (the analysis, src/monitor): event() for each message in ledger
 * order (replay: the analysis saw it before a restart, so it only updates its state), then
 * round() after each run of messages (raise alerts, periodic rules). The ingest calls them
 * as messages arrive (ingest.h), the follower for the others (follow.h).
 */
struct log_hooks {
	void *ctx;
	void (*event)(void *ctx, const struct log_event *ev, bool replay);
	int (*round)(void *ctx, int64_t now_ms, struct strbuf *err);
};

/* Did the message come through a receiver of `mamori serve` (udp, tcp, tls, http)? */
bool log_via_receiver(const char *via);

#endif
