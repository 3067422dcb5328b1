/* test-heartbeat: bench/heartbeat.c, which tells the host's stops of this VM (its CPU quota's
 * periods of 100 ms) from other late wake-ups in bench-ledger paced's rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <time.h>

#include "../../../bench/heartbeat.h"

#define MS 1000000LL

/* Stops that end at one moment of every period are the host's; the others are not counted. */
static void test_stops_at_one_phase(void **state)
{
	int64_t end[40], late[40], stop_ns;
	uint64_t n = 0;

	(void)state;
	/* 30 stops ending 56.3-57.6 ms into a period (one bin and its neighbours), 5-9 ms each */
	for (int k = 0; k < 30; k++) {
		end[n] = 1000 * MS + k * HEARTBEAT_PERIOD_NS + 56 * MS + (k % 3) * 600000 + 300000;
		late[n++] = (5 + k % 5) * MS;
	}
	/* 10 late wake-ups elsewhere in the period (a thread waiting for a CPU), 4 ms each */
	for (int k = 0; k < 10; k++) {
		end[n] = 7000 * MS + k * 37 * MS + 3 * MS;
		late[n++] = 4 * MS;
	}
	assert_int_equal(heartbeat_phase_stops(end, late, n, &stop_ns), 30);
	assert_int_equal(stop_ns, 210 * MS); /* 30 x 5 ms, and 6 x (0 + 1 + 2 + 3 + 4) ms */
}

/* A moment near the period's end takes its neighbour across the wrap (99 ms and 0 ms). */
static void test_phase_wraps(void **state)
{
	int64_t end[6], late[6], stop_ns;

	(void)state;
	for (int k = 0; k < 6; k++) {
		end[k] = (int64_t)k * HEARTBEAT_PERIOD_NS + (k % 2 ? 99 * MS + 500000 : 200000);
		late[k] = 4 * MS;
	}
	assert_int_equal(heartbeat_phase_stops(end, late, 6, &stop_ns), 6);
	assert_int_equal(stop_ns, 24 * MS);
}

/* Fewer than HEARTBEAT_MIN_STOPS at the best moment: none is the host's. */
static void test_few_are_none(void **state)
{
	int64_t end[2] = { 5 * MS, HEARTBEAT_PERIOD_NS + 5 * MS }, late[2] = { 4 * MS, 4 * MS };
	int64_t stop_ns = -1;

	(void)state;
	assert_int_equal(heartbeat_phase_stops(end, late, 2, &stop_ns), 0);
	assert_int_equal(stop_ns, 0);
	assert_int_equal(heartbeat_phase_stops(end, late, 0, &stop_ns), 0);
}

/* The thread runs and stops; on an idle machine its sum covers only [from, until). */
static void test_start_stop(void **state)
{
	struct heartbeat *h = heartbeat_start();
	struct heartbeat_sum s;

	(void)state;
	assert_non_null(h);
	nanosleep(&(struct timespec){ 0, 20 * MS }, NULL);
	s = heartbeat_stop(h, 0, 1);
	assert_true(s.ran);
	assert_int_equal(s.late, 0);
	assert_int_equal(s.stops, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stops_at_one_phase),
		cmocka_unit_test(test_phase_wraps),
		cmocka_unit_test(test_few_are_none),
		cmocka_unit_test(test_start_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
