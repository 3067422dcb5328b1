/* framing: splitting a TCP or TLS syslog stream into messages (RFC 6587, RFC 5425). */
#ifndef MAMORI_INGEST_FRAMING_H
#define MAMORI_INGEST_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_DEFAULT_MAX (64 * 1024) /* bytes of one message; longer ones are cut */

/* What a frame says about itself. */
enum frame_flags {
	FRAME_OCTET = 1 << 0, /* octet-counted ("123 <34>1 ..."), else LF-terminated */
	FRAME_CUT = 1 << 1,   /* longer than the limit: this is its start, the rest was dropped */
	FRAME_BAD_COUNT = 1 << 2, /* began with digits that were no valid MSG-LEN: read up to LF */
	FRAME_EOF = 1 << 3,       /* the stream ended before the frame's terminator */
};

/*
 * The framing state of one connection. RFC 6587 octet counting ("MSG-LEN SP MSG") and
 * non-transparent framing (a message ending with LF) are told apart per frame by its first
 * byte (a digit: octet counting), so a sender that switches mid-stream is still read. A
 * frame over max bytes is cut: its first max bytes are a frame flagged FRAME_CUT and the
 * rest is skipped; the connection goes on.
 */
struct framer {
	size_t max;       /* 0: FRAME_DEFAULT_MAX */
	uint64_t skip;    /* bytes of an over-long octet-counted frame still to drop */
	bool skip_to_lf;  /* dropping the rest of an over-long LF-terminated frame */
	uint64_t frames;  /* frames emitted */
	uint64_t cut;     /* frames cut */
	uint64_t dropped; /* bytes dropped from cut frames */
};

typedef void (*frame_fn)(void *ctx, const char *msg, size_t len, unsigned flags);

/*
 * Emits every complete frame of buf[0..len) through fn (msg points into buf) and returns
 * how many bytes were used; the caller keeps the rest, appends what it reads next and calls
 * again. A caller whose buffer holds at least max + 32 bytes always makes progress. With
 * eof, what is left is emitted as a last frame (flagged FRAME_EOF).
 */
size_t framer_feed(struct framer *f, const char *buf, size_t len, bool eof, frame_fn fn, void *ctx);

#endif
