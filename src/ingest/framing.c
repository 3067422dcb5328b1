/* framing: splitting a TCP or TLS syslog stream into messages (RFC 6587, RFC 5425). */
#include <string.h>

#include "ingest/framing.h"

#define MSG_LEN_DIGITS 10 /* MSG-LEN beyond 9 999 999 999 is not a length */

static void emit(struct framer *f, frame_fn fn, void *ctx, const char *p, size_t n, unsigned flags)
{
	/* A CR before the LF belongs to the terminator (senders on Windows). */
	if (!(flags & FRAME_OCTET) && n > 0 && p[n - 1] == '\r')
		n--;
	if (n == 0)
		return;
	f->frames++;
	if (flags & FRAME_CUT)
		f->cut++;
	fn(ctx, p, n, flags);
}

/*
 * Octet counting at buf[i]: returns 1 with the count and the offset of the message, 0 when
 * more bytes are needed, -1 when this is not a valid MSG-LEN (then the frame is read up to
 * LF).
 */
static int msg_len(const char *buf, size_t i, size_t len, uint64_t *ret_n, size_t *ret_off)
{
	uint64_t n = 0;
	size_t k = i;

	while (k < len && k - i < MSG_LEN_DIGITS && buf[k] >= '0' && buf[k] <= '9')
		n = n * 10 + (uint64_t)(buf[k++] - '0');
	if (k == len)
		return k - i < MSG_LEN_DIGITS ? 0 : -1;
	if (buf[k] != ' ' || n == 0)
		return -1;
	*ret_n = n;
	*ret_off = k + 1;
	return 1;
}

size_t framer_feed(struct framer *f, const char *buf, size_t len, bool eof, frame_fn fn, void *ctx)
{
	size_t max = f->max ? f->max : FRAME_DEFAULT_MAX;
	size_t i = 0;

	while (i < len) {
		size_t avail = len - i;

		if (f->skip) {
			size_t k = f->skip < avail ? (size_t)f->skip : avail;
			f->skip -= k;
			f->dropped += k;
			i += k;
			continue;
		}
		if (f->skip_to_lf) {
			const char *lf = memchr(buf + i, '\n', avail);
			size_t k = lf ? (size_t)(lf - (buf + i)) + 1 : avail;
			f->dropped += lf ? k - 1 : k;
			f->skip_to_lf = !lf;
			i += k;
			continue;
		}
		if (buf[i] == '\n' || buf[i] == '\0') {
			i++; /* an empty frame, or a NUL trailer some senders add */
			continue;
		}
		if (buf[i] >= '1' && buf[i] <= '9') {
			uint64_t n = 0;
			size_t off = 0;
			int r = msg_len(buf, i, len, &n, &off);
			if (r == 0 && !eof)
				return i;
			if (r == 1) {
				size_t have = len - off;
				if (n <= max) {
					if (have < n) {
						if (!eof)
							return i;
						emit(f, fn, ctx, buf + off, have,
						     FRAME_OCTET | FRAME_EOF);
						return len;
					}
					emit(f, fn, ctx, buf + off, (size_t)n, FRAME_OCTET);
					i = off + (size_t)n;
					continue;
				}
				/* Longer than the limit: keep its start, drop the rest. */
				if (have < max && !eof)
					return i;
				if (have > max)
					have = max;
				emit(f, fn, ctx, buf + off, have, FRAME_OCTET | FRAME_CUT);
				f->skip = n - have;
				i = off + have;
				continue;
			}
			/* Not a MSG-LEN: this frame is LF-terminated. */
			{
				const char *lf =
				    memchr(buf + i, '\n', avail < max + 1 ? avail : max + 1);
				if (lf) {
					emit(f, fn, ctx, buf + i, (size_t)(lf - (buf + i)),
					     FRAME_BAD_COUNT);
					i = (size_t)(lf - buf) + 1;
					continue;
				}
				if (avail <= max && !eof)
					return i;
				emit(f, fn, ctx, buf + i, avail < max ? avail : max,
				     FRAME_BAD_COUNT | (avail > max ? FRAME_CUT : FRAME_EOF));
				f->skip_to_lf = avail > max;
				i += avail < max ? avail : max;
				continue;
			}
		}
		{
			const char *lf = memchr(buf + i, '\n', avail < max + 1 ? avail : max + 1);
			if (lf) {
				emit(f, fn, ctx, buf + i, (size_t)(lf - (buf + i)), 0);
				i = (size_t)(lf - buf) + 1;
				continue;
			}
			if (avail <= max && !eof)
				return i;
			if (avail > max) {
				emit(f, fn, ctx, buf + i, max, FRAME_CUT);
				f->skip_to_lf = true;
				i += max;
			} else {
				emit(f, fn, ctx, buf + i, avail, FRAME_EOF);
				i = len;
			}
		}
	}
	return i;
}
