/* test-crash: kill -9 a process in the middle of large group-committed appends, many times;
 * every time the log verifies and holds every entry that was acknowledged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "tmpdir.h"

#define ROUNDS 24
#define CHUNK  700

/*
 * The child: appends entries "round R seq S" through the group-commit
 * writer, in chunks, and after each acknowledgement writes "S I\n" (the
 * last acknowledged sequence number and its index) to the pipe. It never
 * stops on its own: the parent kills it.
 */
static void child(const char *dir, int round, int fd)
{
	struct ledger_writer_options opt = { .max_entries = 2048, .checkpoint_ms = 40 };
	struct ledger_writer *w;
	struct strbuf err = STRBUF_INIT;
	char pad[200];

	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	if (ledger_writer_start(dir, &opt, &w, &err) < 0) {
		fprintf(stderr, "child: %s\n", err.buf);
		_exit(2);
	}
	for (uint64_t seq = 0;;) {
		uint64_t ticket = 0, index = 0;
		char line[64];
		int n;

		for (int k = 0; k < CHUNK; k++, seq++) {
			char buf[256];
			struct ledger_entry e;
			snprintf(buf, sizeof(buf), "round %d seq %" PRIu64 " %s", round, seq, pad);
			e = (struct ledger_entry){ .kind = ENTRY_NOTE,
				                   .time_ms = (int64_t)seq,
				                   .data = (const uint8_t *)buf,
				                   .data_len = strlen(buf) };
			if (ledger_writer_submit(w, &e, &ticket, &err) < 0)
				_exit(3);
		}
		if (ledger_writer_wait(w, ticket, &index, &err) < 0)
			_exit(4);
		/* Acknowledged: only now may the world be told. */
		n = snprintf(line, sizeof(line), "%" PRIu64 " %" PRIu64 "\n", seq - 1, index);
		if (write(fd, line, (size_t)n) != n)
			_exit(5);
	}
}

/*
 * The acknowledged entries of one round, read in one pass (each bundle of 256
 * entries once; reading them one by one loaded a whole bundle per entry, most
 * of the test's CPU under ASan): entry first + s is "round R seq S ...".
 */
struct acked_check {
	int round;
	uint64_t first, seen;
};

static int check_acked(void *ctx, const struct ledger_range_item *it)
{
	struct acked_check *c = ctx;
	struct strbuf err = STRBUF_INIT;
	struct ledger_entry e;
	char want[64];
	int wl = snprintf(want, sizeof(want), "round %d seq %" PRIu64 " ", c->round, c->seen);

	if (it->index != c->first + c->seen)
		fail_msg("round %d: entry %" PRIu64 " came where %" PRIu64 " belongs", c->round,
		         it->index, c->first + c->seen);
	assert_int_equal(entry_decode(it->entry, it->len, &e, &err), 0);
	assert_memory_equal(e.data, want, (size_t)wl);
	entry_release(&e);
	strbuf_release(&err);
	c->seen++;
	return 0;
}

static void test_kill_during_appends(void **state)
{
	char dir[64];
	struct strbuf err = STRBUF_INIT;
	uint64_t total_acked = 0;
	unsigned seed = (unsigned)time(NULL);
	int kills_mid_batch = 0;

	assert_int_equal(tmpdir_make(dir, sizeof(dir), "crash"), 0);
	assert_int_equal(tmpdir_store(dir, 0, NULL, &err), 0);
	assert_int_equal(ledger_init_keys(dir, "crash", &err), 0);
	print_message("# seed %u\n", seed);
	srand(seed);
	for (int round = 0; round < ROUNDS; round++) {
		int fds[2], status;
		pid_t pid;
		char buf[1 << 16];
		size_t got = 0;
		ssize_t n;
		uint64_t acked_seq = UINT64_MAX, acked_index = 0, size_before, size_after;
		uint8_t root[MERKLE_HASH_SIZE];
		struct store *st;
		struct ledger *lg;
		struct ledger_verify_result res;
		struct acked_check acked;

		assert_int_equal(store_open(dir, 0, &st, &err), 0);
		assert_int_equal(ledger_open(st, &lg, &err), 0);
		assert_int_equal(ledger_head(lg, &size_before, root, &err), 0);
		ledger_close(lg);
		store_close(st);

		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child(dir, round, fds[1]);
		}
		close(fds[1]);
		/*
		 * Every other round first waits for the child's first acknowledgement
		 * (at most 60 s): on a loaded machine a sanitized child may not reach
		 * one within the random delay below, and rounds that acknowledge
		 * nothing prove nothing. The other rounds may kill it while opening.
		 */
		if (round % 2 == 1) {
			struct pollfd pf = { .fd = fds[0], .events = POLLIN };
			if (poll(&pf, 1, 60000) == 1 &&
			    (n = read(fds[0], buf, sizeof(buf) - 1)) > 0)
				got = (size_t)n;
		}
		/* Somewhere in the middle of a batch, a checkpoint or a WAL checkpoint. */
		usleep((useconds_t)(30000 + rand() % 250000));
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
			got += (size_t)n;
		close(fds[0]);
		buf[got] = '\0';
		/* The last complete line is the last acknowledgement. */
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			if (sscanf(line, "%" SCNu64 " %" SCNu64, &acked_seq, &acked_index) != 2)
				fail_msg("round %d: garbled acknowledgement '%s'", round, line);

		assert_int_equal(store_open(dir, 0, &st, &err), 0);
		assert_int_equal(ledger_open(st, &lg, &err), 0);
		if (ledger_verify(lg, dir, NULL, 0, &res, &err) != 0)
			fail_msg("round %d: verify after kill -9: %s", round, err.buf);
		assert_int_equal(ledger_head(lg, &size_after, root, &err), 0);
		assert_int_equal(res.entries, size_after);
		if (acked_seq != UINT64_MAX) {
			uint64_t first = acked_index - acked_seq;

			/* Every acknowledged entry is there, in order, with its bytes. */
			assert_int_equal(first, size_before);
			assert_true(size_after > acked_index);
			acked = (struct acked_check){ .round = round, .first = first };
			if (ledger_read_range(lg, first, acked_seq + 1, 0, check_acked, &acked,
			                      &err) != 0)
				fail_msg("round %d: reading the acknowledged entries: %s", round,
				         err.buf);
			if (acked.seen != acked_seq + 1)
				fail_msg("round %d: acknowledged entry %" PRIu64 " is missing",
				         round, first + acked.seen);
			total_acked += acked_seq + 1;
			if (size_after > acked_index + 1)
				kills_mid_batch++; /* more was durable than acknowledged: fine */
		}
		/* The next round's writer resumes on whatever was left. */
		ledger_close(lg);
		store_close(st);
	}
	print_message("# %d kills, %" PRIu64 " acknowledged entries all present, %d rounds had "
	              "durable but unacknowledged entries\n",
	              ROUNDS, total_acked, kills_mid_batch);
	assert_true(total_acked > 0);
	assert_int_equal(tmpdir_remove(dir), 0);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_during_appends),
	};
	return cmocka_run_group_tests_name("ledger-crash", tests, NULL, NULL);
}
