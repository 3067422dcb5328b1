/* demo-internal: what the demo ward's files (demo.c, demo-stories.c) share. */
#ifndef MAMORI_CORE_DEMO_INTERNAL_H
#define MAMORI_CORE_DEMO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/act.h"

struct demo {
	struct door *d;
	const struct profile *p;
	struct store *st;
	struct strbuf *err;
	struct act_context ctx;
	uint32_t rnd;
	int done, pending, refused, approved, rejected, skipped;
	/* created record ids per register index */
	int64_t **ids;
	size_t *nids;
};

/* Runs one act through the door with the demo's context, counting its outcome. */
int demo_run(struct demo *m, struct act_input *in, struct act_result *res);
/* The demo's 課長 of a section, and its n-th staff member (never the retired one). */
const char *demo_head_of(const char *section);
const char *demo_staff_of(const char *section, unsigned n);

/*
 * Stories the demo ward tells beside its random history, so every page has something to
 * show: a take-out out now, one overdue and one brought back, a withdrawn request, files
 * attached, duties recorded (demo-stories.c).
 */
int demo_stories(struct demo *m);

#endif
