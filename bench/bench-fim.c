/* bench-fim: the file integrity library alone, for the FIM rows of `make bench`.
 *
 *   bench-fim init CONFIG OUT THREADS       walk, hash and write a signed baseline
 *   bench-fim check CONFIG BASELINE THREADS  walk, hash and compare with the baseline
 *   bench-fim run PROGRAM ARG...             run a program (the mamori CLI) and measure it
 *
 * init and check print: seconds, entries, bytes hashed, changed entries (check), max RSS in
 * KiB, CPU seconds (user + system). THREADS 0 hashes in the walking thread: the
 * single-threaded hashing figure.
 * run prints: seconds, CPU seconds (user + system), max RSS in KiB (the kernel's high-water
 * mark of the program's memory: what a Python parent would have added by forking itself is
 * not in it, as this process is small), exit code. The program's output goes to /dev/null.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "fim/compare.h"

static void die(const char *what, const struct strbuf *err)
{
	fprintf(stderr, "bench-fim: %s: %s\n", what, err ? err->buf : "");
	exit(1);
}

extern char **environ;

static double cpu_seconds(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
	       (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

/* "MAXRSS_KIB CPU_SECONDS" of this process. */
static void print_self(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	printf("%ld %.3f\n", ru.ru_maxrss, cpu_seconds(&ru));
}

static int run(char **argv)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	int status;
	pid_t pid;

	if (posix_spawn_file_actions_init(&fa) ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0))
		die("spawn actions", NULL);
	int64_t t0 = time_mono_ns();
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ))
		die("cannot run the program", NULL);
	if (wait4(pid, &status, 0, &ru) != pid)
		die("wait4", NULL);
	printf("%.3f %.3f %ld %d\n", (double)(time_mono_ns() - t0) / 1e9, cpu_seconds(&ru),
	       ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	posix_spawn_file_actions_destroy(&fa);
	return 0;
}

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct fim_config *c = NULL;
	struct fim_key *key = NULL;
	char keypath[] = "/tmp/bench-fim-key.XXXXXX";
	int fd;

	if (argc >= 3 && !strcmp(argv[1], "run"))
		return run(argv + 2);
	if (argc != 5)
		die("usage: bench-fim init|check CONFIG FILE THREADS | run PROGRAM ARG...", NULL);
	if (fim_config_load(argv[2], 0, &c, NULL, &err) < 0)
		die("config", &err);
	fd = mkstemp(keypath);
	if (fd < 0)
		die("mkstemp", NULL);
	close(fd);
	unlink(keypath);
	if (fim_key_load(keypath, true, &key, &err) < 0)
		die("key", &err);
	unlink(keypath);
	struct fim_scan_opts o = { .threads = atoi(argv[4]) };
	int64_t t0 = time_mono_ns();
	if (!strcmp(argv[1], "init")) {
		struct fim_baseline_info h = { .generation = 1, .created_ms = time_now_ms() };
		struct fim_scan_stats st;
		uint8_t sha[32];
		if (fim_write_baseline(c, &o, &h, argv[3], key, sha, &st, &err) < 0)
			die("init", &err);
		printf("%.3f %" PRIu64 " %" PRIu64 " 0 ", (double)(time_mono_ns() - t0) / 1e9,
		       st.entries, st.bytes);
		print_self();
	} else {
		struct fim_baseline_reader *r;
		struct fim_report rep = { 0 };
		if (fim_br_open_file(argv[3], NULL, NULL, &r, &err) < 0)
			die("baseline", &err);
		if (fim_compare(c, r, argv[3], &o, key, &rep, &err) < 0)
			die("check", &err);
		printf("%.3f %" PRIu64 " %" PRIu64 " %zu ", (double)(time_mono_ns() - t0) / 1e9,
		       rep.entries, rep.bytes, rep.added.nr + rep.removed.nr + rep.changed.nr);
		print_self();
		if (getenv("BENCH_FIM_DELTA")) { /* the delta, for the fuzzer's seed corpus */
			FILE *f = fopen(getenv("BENCH_FIM_DELTA"), "w");
			if (!f || fwrite(rep.delta.buf, 1, rep.delta.len, f) != rep.delta.len)
				die("delta", NULL);
			fclose(f);
		}
		if (getenv("BENCH_FIM_REPORT")) {
			struct strbuf t = STRBUF_INIT;
			fim_report_text(&rep, &t);
			fputs(t.buf, stderr);
			strbuf_release(&t);
		}
		fim_report_release(&rep);
		fim_br_close(r);
	}
	fim_key_free(key);
	fim_config_free(c);
	strbuf_release(&err);
	return 0;
}
