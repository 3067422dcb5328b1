/*
 * test-follow: the follower's analysed mark across a restart: the messages indexed but not
 * analysed before it are analysed again (the last rewind_max of them when more were left, not
 * none), and the mark is stored once it trails by half of rewind_max, however recent the last
 * store.
 */
#include "../core/fixture.h"

#include <time.h>

#include "logs.h"

#include "ingest/follow.h"
#include "ingest/ingest.h"
#include "ingest/logindex.h"
#include "ledger/ledger.h"

#define TOKYO (9LL * 3600 * 1000)

struct counts {
	uint64_t events, replays;
};

static void count_event(void *ctx, const struct log_event *ev, bool replay)
{
	struct counts *c = ctx;

	c->events++;
	c->replays += replay;
}

/* Catches up with the analysis counting into c. */
static void catch_up(struct fixture *f, struct counts *c, unsigned rewind_max)
{
	struct follower_options fo = { .offset_ms = TOKYO, .rewind_max = rewind_max };

	if (c)
		fo.hooks = (struct log_hooks){ .ctx = c, .event = count_event };
	if (follower_catch_up(f->dir, &fo, &f->err) < 0)
		fail_msg("follow: %s", f->err.buf);
}

static void rewind_after_restart(void **state)
{
	struct fixture *f = *state;
	struct counts c = { 0 };
	uint64_t end;

	submit_bulk(f, 300);
	catch_up(f, NULL, 0); /* indexed, the mark at the end */
	end = head(f);
	assert_int_equal(analysed_mark(f), end);
	/* the analysis 40 behind at a crash: those 40 are analysed again, with their alerts */
	assert_int_equal(logindex_set_analysed(door_store(f->d), end - 40, &f->err), 0);
	catch_up(f, &c, 100);
	assert_int_equal(c.events, 40);
	assert_int_equal(c.replays, 0);
	assert_int_equal(analysed_mark(f), end);
	/* 250 behind, more than the 100 read again: the last 100 are analysed, not none */
	c = (struct counts){ 0 };
	assert_int_equal(logindex_set_analysed(door_store(f->d), end - 250, &f->err), 0);
	catch_up(f, &c, 100);
	assert_int_equal(c.events, 100);
	assert_int_equal(c.replays, 0);
	assert_int_equal(analysed_mark(f), end);
	/* a ward whose analysis never ran is not analysed back to its beginning */
	c = (struct counts){ 0 };
	assert_int_equal(logindex_set_analysed(door_store(f->d), 0, &f->err), 0);
	catch_up(f, &c, 100);
	assert_int_equal(c.events, 0);
}

/* Waits (up to 60 s) until the follower has read the ledger to its head; returns the head. */
static uint64_t followed(struct fixture *f, struct follower *fw)
{
	uint64_t end = head(f);

	follower_wake(fw, 0, 0);
	for (int i = 0; i < 6000 && follower_position(fw) < end; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	assert_true(follower_position(fw) >= end);
	return end;
}

static void mark_stored_when_trailing(void **state)
{
	struct fixture *f = *state;
	/* the time rule never due in this test: only the count rule stores (at 32 behind) */
	struct follower_options fo = { .offset_ms = TOKYO, .rewind_max = 64, .mark_ms = 3600000 };
	struct follower *fw = NULL;
	uint64_t start, end;

	catch_up(f, NULL, 0);
	start = analysed_mark(f);
	assert_int_equal(start, head(f));
	assert_int_equal(follower_start(f->dir, &fo, &fw, &f->err), 0);
	/* fewer than 32 behind: not stored */
	submit_bulk(f, 10);
	end = followed(f, fw);
	assert_true(end - start < 32);
	assert_int_equal(analysed_mark(f), start);
	/* 32 or more behind: stored, and what it still trails by is less than that */
	submit_bulk(f, 50);
	end = followed(f, fw);
	assert_true(analysed_mark(f) > start);
	assert_true(end - analysed_mark(f) < 32);
	assert_int_equal(follower_stop(fw, &f->err), 0);
	assert_int_equal(analysed_mark(f), end);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rewind_after_restart, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(mark_stored_when_trailing, fixture_setup,
		                                fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
