/* loghandoff: what the analysis on arrival parsed, handed to the follower's index (parse once). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "ingest/logindex.h"

/*
 * Records in a byte queue, in ledger order: a struct hrec, then the host with its NUL, the
 * program and the user. Programs and users longer than 255 bytes are never indexed (dict_id)
 * and are left out. At most HANDOFF_MAX_BYTES wait: past it the analysis leaves messages
 * out, and the follower parses those itself.
 */
#define HANDOFF_MAX_BYTES (4u << 20)

struct hrec {
	uint64_t index;
	int64_t time_ms, received_ms;
	int32_t pri;
	uint16_t host_n, app_n, user_n;
	uint8_t format, flags;
};

struct logindex_handoff {
	pthread_mutex_t mu;
	struct strbuf q; /* personal data (user names): wiped */
	size_t head;     /* the first record not taken */
	uint64_t put, taken, left_out;
	uint64_t end; /* every message below was offered (put or left out); 0: none yet */
};

struct logindex_handoff *logindex_handoff_new(void)
{
	struct logindex_handoff *h = xcalloc(1, sizeof(*h));

	pthread_mutex_init(&h->mu, NULL);
	strbuf_init_secret(&h->q, 0);
	return h;
}

void logindex_handoff_free(struct logindex_handoff *h)
{
	if (!h)
		return;
	strbuf_release_secret(&h->q);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

void logindex_handoff_stage(struct logindex_stage *s, const struct log_event *ev)
{
	struct logindex_facts f;
	struct hrec r;
	size_t host_n;

	logindex_facts_of(ev, &f);
	host_n = strlen(f.host);
	memset(&r, 0, sizeof(r));
	r.index = f.index;
	r.time_ms = f.time_ms;
	r.received_ms = f.received_ms;
	r.pri = f.pri;
	r.host_n = (uint16_t)host_n; /* at most SYSLOG_MAX_HOSTNAME */
	r.app_n = (uint16_t)(f.app_n <= 255 ? f.app_n : 0);
	r.user_n = (uint16_t)(f.user_n <= 255 ? f.user_n : 0);
	r.format = (uint8_t)f.format;
	r.flags = (uint8_t)f.flags;
	strbuf_add(&s->bytes, &r, sizeof(r));
	strbuf_add(&s->bytes, f.host, r.host_n);
	strbuf_addch(&s->bytes, '\0');
	strbuf_add(&s->bytes, f.app, r.app_n);
	strbuf_add(&s->bytes, f.user, r.user_n);
	s->n++;
	s->end = f.index + 1;
}

void logindex_handoff_put_staged(struct logindex_handoff *h, struct logindex_stage *s)
{
	if (!s->n)
		return;
	pthread_mutex_lock(&h->mu);
	if (h->q.len - h->head >= HANDOFF_MAX_BYTES) {
		h->left_out += s->n;
	} else {
		strbuf_add(&h->q, s->bytes.buf, s->bytes.len);
		h->put += s->n;
	}
	if (s->end > h->end)
		h->end = s->end;
	pthread_mutex_unlock(&h->mu);
	explicit_bzero(s->bytes.buf, s->bytes.len);
	strbuf_reset(&s->bytes);
	s->n = 0;
}

void logindex_handoff_put(struct logindex_handoff *h, const struct log_event *ev)
{
	struct logindex_stage s;

	logindex_stage_init(&s);
	logindex_handoff_stage(&s, ev);
	logindex_handoff_put_staged(h, &s);
	logindex_stage_release(&s);
}

void logindex_stage_init(struct logindex_stage *s)
{
	strbuf_init_secret(&s->bytes, 0);
	s->n = 0;
	s->end = 0;
}

void logindex_stage_release(struct logindex_stage *s)
{
	strbuf_release_secret(&s->bytes);
	s->n = 0;
}

uint64_t logindex_handoff_end(struct logindex_handoff *h)
{
	uint64_t end;

	pthread_mutex_lock(&h->mu);
	end = h->end;
	pthread_mutex_unlock(&h->mu);
	return end;
}

/* With h->mu held: drops the records taken once they are half the queue (wiped). */
static void handoff_compact(struct logindex_handoff *h)
{
	size_t rest = h->q.len - h->head;

	if (h->head == 0 || h->head < rest)
		return;
	memmove(h->q.buf, h->q.buf + h->head, rest);
	explicit_bzero(h->q.buf + rest, h->head);
	strbuf_setlen(&h->q, rest);
	h->head = 0;
}

uint64_t logindex_handoff_take_run(struct logindex_handoff *h, uint64_t index, uint64_t max,
                                   struct logindex_builder *b, uint64_t *ret_next)
{
	uint64_t n = 0, next = UINT64_MAX;

	pthread_mutex_lock(&h->mu);
	while (h->q.len - h->head >= sizeof(struct hrec)) {
		const char *p = h->q.buf + h->head;
		struct hrec r;
		struct logindex_facts f;
		memcpy(&r, p, sizeof(r));
		if (r.index > index + n || n == max) {
			next = r.index;
			break;
		}
		h->head += sizeof(r) + r.host_n + 1u + r.app_n + r.user_n;
		if (r.index < index + n)
			continue; /* passed by the follower (read before): it parsed that one */
		p += sizeof(r);
		f.index = r.index;
		f.time_ms = r.time_ms;
		f.received_ms = r.received_ms;
		f.host = p;
		f.app = p + r.host_n + 1;
		f.app_n = r.app_n;
		f.user = f.app + r.app_n;
		f.user_n = r.user_n;
		f.pri = r.pri;
		f.format = r.format;
		f.flags = r.flags;
		logindex_builder_add_facts(b, &f);
		n++;
	}
	h->taken += n;
	handoff_compact(h);
	pthread_mutex_unlock(&h->mu);
	if (ret_next)
		*ret_next = next;
	return n;
}

bool logindex_handoff_take(struct logindex_handoff *h, uint64_t index, struct logindex_builder *b)
{
	return logindex_handoff_take_run(h, index, 1, b, NULL) == 1;
}

void logindex_handoff_counts(struct logindex_handoff *h, uint64_t *put, uint64_t *taken,
                             uint64_t *left_out)
{
	pthread_mutex_lock(&h->mu);
	*put = h->put;
	*taken = h->taken;
	*left_out = h->left_out;
	pthread_mutex_unlock(&h->mu);
}

size_t logindex_handoff_kept(struct logindex_handoff *h)
{
	size_t kept;

	pthread_mutex_lock(&h->mu);
	kept = h->q.alloc;
	pthread_mutex_unlock(&h->mu);
	return kept;
}

size_t logindex_handoff_shrink(struct logindex_handoff *h, size_t keep)
{
	struct strbuf old = STRBUF_INIT;
	size_t kept;

	pthread_mutex_lock(&h->mu);
	if (h->head == h->q.len && h->q.alloc > keep) {
		old = h->q; /* wiped and freed after the lock: up to 4 MiB */
		strbuf_init_secret(&h->q, 0);
		h->head = 0;
	}
	kept = h->q.alloc;
	pthread_mutex_unlock(&h->mu);
	if (old.alloc)
		strbuf_release_secret(&old);
	return kept;
}
