/* test-walk: what the walk never does to the tree it checks (open a device or a FIFO, move a
 * file's access time), seen from outside with inotify and stat; how many threads hash; and
 * files cut short while they are read, through a mapping or read(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/scan-internal.h"
#include "fim/scan.h"
#include "tree.h"

/* What the walk delivered: "name type [sha256] [problem]" lines, names relative to root. */
struct seen {
	struct strbuf lines;
	int before;    /* the process's threads before the scan */
	int max_tasks; /* the most threads this process had while entries came, beyond those it
	                  had before the scan (a sanitizer's own thread, say) */
};

static int count_tasks(void)
{
	/*
	 * Raw system calls, not opendir: this runs in the walk's callback while the hashing
	 * threads read files that the walker opened, and closed, through io_uring, which
	 * ThreadSanitizer does not see. Its view of a descriptor number handed out again was then
	 * stale, and an interposed opendir/closedir here was reported as racing a worker's fstat
	 * of the file that number once was (a false report, once in many runs).
	 */
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/task",
	                      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char buf[4096] __attribute__((aligned(8)));
	long got;
	int n = 0;

	if (fd < 0)
		return -1;
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < got;) {
			/* struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name */
			unsigned short reclen;
			const char *name = buf + off + 19;

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			if (name[0] != '.')
				n++;
			off += reclen;
		}
	syscall(SYS_close, fd);
	return got < 0 ? -1 : n;
}

static int seen_entry(void *arg, const struct fim_entry *e)
{
	struct seen *s = arg;
	size_t skip = strlen(root);
	int tasks = count_tasks();

	if (tasks - s->before > s->max_tasks)
		s->max_tasks = tasks - s->before;
	if (e->path_len <= skip)
		return 0;
	strbuf_add(&s->lines, e->path + skip + 1, e->path_len - skip - 1);
	strbuf_addf(&s->lines, " %s%s%s\n", fim_type_name(e->type),
	            e->digests & FIM_HAS_SHA256 ? " sha256" : "", e->problem ? " problem" : "");
	return 0;
}

static void scan(const struct fim_config *c, const struct fim_scan_opts *o, struct seen *s)
{
	struct strbuf err = STRBUF_INIT;

	strbuf_init(&s->lines, 0);
	s->max_tasks = 0;
	s->before = count_tasks();
	if (fim_scan(c, o, seen_entry, s, NULL, &err) < 0)
		fail_msg("%s", err.buf);
	strbuf_release(&err);
}

/* The names inotify saw opened in the directory dir (one a line), reading fd's events. */
static void opened_names(int fd, struct strbuf *out)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
			if ((ev->mask & IN_OPEN) && ev->len)
				strbuf_addf(out, "%s\n", ev->name);
			p += sizeof(*ev) + ev->len;
		}
	}
}

/*
 * Devices and FIFOs are recorded from lstat, never opened: inotify, watching their directory,
 * sees the regular file opened and nothing else. A character device like /dev/zero would
 * also give endless bytes to a reader.
 */
static void test_devices_never_opened(void **state)
{
	char p[600];
	struct stat zero;
	struct seen s;
	struct strbuf opened = STRBUF_INIT;
	int in, wd;

	(void)state;
	mk("dev");
	write_file("dev/plain", "read me");
	path(p, sizeof(p), "dev/fifo");
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(stat("/dev/zero", &zero), 0);
	path(p, sizeof(p), "dev/zero");
	if (mknod(p, S_IFCHR | 0666, zero.st_rdev) < 0) {
		print_message("# no mknod here (%s): the device part is skipped\n",
		              strerror(errno));
	}
	bool have_dev = access(p, F_OK) == 0;
	struct fim_config *c = config("ROOT/dev R\n");

	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(in >= 0);
	path(p, sizeof(p), "dev");
	wd = inotify_add_watch(in, p, IN_OPEN);
	assert_true(wd >= 0);
	for (int threads = 0; threads <= 2; threads += 2) {
		struct fim_scan_opts o = { .threads = threads };
		scan(c, &o, &s);
		assert_string_equal(s.lines.buf, have_dev ? "dev directory\n"
		                                            "dev/fifo fifo\n"
		                                            "dev/plain file sha256\n"
		                                            "dev/zero chardev\n"
		                                          : "dev directory\n"
		                                            "dev/fifo fifo\n"
		                                            "dev/plain file sha256\n");
		strbuf_release(&s.lines);
	}
	opened_names(in, &opened);
	/* both walks opened the regular file: the watch works */
	assert_string_equal(opened.buf, "plain\nplain\n");
	close(in);
	strbuf_release(&opened);
	fim_config_free(c);
}

/*
 * Reading a file does not move its access time (O_NOATIME; the tests run as the files'
 * owner). The time is set before the modification time, so that relatime would move it.
 */
static void test_atime_kept(void **state)
{
	char p[600];
	struct stat st;
	struct seen s;
	const struct timespec ts[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1500000000 } };

	(void)state;
	mk("at");
	write_file("at/f", "content whose reading would move the access time");
	path(p, sizeof(p), "at/f");
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	struct fim_config *c = config("ROOT/at R\n");
	struct fim_scan_opts o = { .threads = 2 };
	scan(c, &o, &s);
	assert_string_equal(s.lines.buf, "at directory\nat/f file sha256\n");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_atim.tv_sec, 1000000000);
	/* as a reader without O_NOATIME would: the access time moves (relatime allows it) */
	char buf[64];
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf)) > 0);
	close(fd);
	assert_int_equal(stat(p, &st), 0);
	if (st.st_atim.tv_sec == 1000000000)
		print_message(
		    "# this file system keeps access times (noatime): the check is weak\n");
	strbuf_release(&s.lines);
	fim_config_free(c);
}

/* The threads that hashed (scan_hash_hook), and whether the calling thread was one. */
static pid_t hasher_tids[8];
static int hasher_tid_count;
static bool caller_hashed;
static pthread_mutex_t hasher_mu = PTHREAD_MUTEX_INITIALIZER;
static pid_t caller_tid;

/*
 * The hashing threads take 1 ms a file, and none finishes a file before the calling thread has
 * hashed one (or 30 s went by: the test then fails): however slowly the walk goes (a loaded
 * machine), they cannot keep up with it.
 */
static bool slow_hashers, gate_timed_out;
static pthread_cond_t caller_cv = PTHREAD_COND_INITIALIZER;

static bool note_hasher(const char *p, uint64_t hashed, bool mapped)
{
	pid_t tid = gettid();

	(void)p;
	(void)hashed;
	(void)mapped;
	if (slow_hashers && tid != caller_tid) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 30;
		pthread_mutex_lock(&hasher_mu);
		while (!caller_hashed && !gate_timed_out)
			gate_timed_out =
			    pthread_cond_timedwait(&caller_cv, &hasher_mu, &until) == ETIMEDOUT;
		pthread_mutex_unlock(&hasher_mu);
		usleep(1000);
	}
	pthread_mutex_lock(&hasher_mu);
	if (tid == caller_tid) {
		caller_hashed = true;
		pthread_cond_broadcast(&caller_cv);
	}
	bool known = false;
	for (int i = 0; i < hasher_tid_count; i++)
		known |= hasher_tids[i] == tid;
	if (!known && hasher_tid_count < (int)ARRAY_SIZE(hasher_tids))
		hasher_tids[hasher_tid_count++] = tid;
	pthread_mutex_unlock(&hasher_mu);
	return true;
}

static void scan_noting(const struct fim_config *c, const struct fim_scan_opts *o, struct seen *s)
{
	caller_tid = gettid();
	caller_hashed = false;
	hasher_tid_count = 0;
	scan_hash_hook = note_hasher;
	scan(c, o, s);
	scan_hash_hook = NULL;
	strbuf_release(&s->lines);
}

/*
 * Two hashing threads by default; AIDE's num_workers sets another number; 0 hashes in the
 * walking thread. Counted from /proc/self/task while the entries come. With threads, the
 * walking thread hashes nothing, small files included: the walk is the part no other thread
 * can do, so it is all the walking thread does.
 */
static void test_default_threads(void **state)
{
	struct seen s;

	(void)state;
	mk("th");
	for (int i = 0; i < 40; i++) {
		char rel[32];
		snprintf(rel, sizeof(rel), "th/f%02d", i);
		write_file(rel, "some content to hash");
	}
	struct fim_config *c = config("ROOT/th R\n");
	scan(c, NULL, &s);
	assert_int_equal(s.max_tasks, 2);
	strbuf_release(&s.lines);
	scan_noting(c, NULL, &s);
	assert_false(caller_hashed);
	assert_true(hasher_tid_count >= 1 && hasher_tid_count <= 2);
	struct fim_scan_opts none = { .threads = 0 };
	scan(c, &none, &s);
	assert_int_equal(s.max_tasks, 0);
	strbuf_release(&s.lines);
	scan_noting(c, &none, &s);
	assert_true(caller_hashed);
	assert_int_equal(hasher_tid_count, 1);
	fim_config_free(c);
	c = config("num_workers=3\nROOT/th R\n");
	scan(c, NULL, &s);
	assert_int_equal(s.max_tasks, 3);
	strbuf_release(&s.lines);
	fim_config_free(c);
}

/*
 * When the hashing threads fall a whole ring (256 entries) behind, the walking thread, which
 * must then wait for the oldest entry, hashes small files from the queue itself rather than
 * sleep. Hashing threads held back until it has (slow_hashers) and 400 small files make it so;
 * every file is still hashed, once, in order.
 */
static void test_walker_helps_when_full(void **state)
{
	struct seen s;

	(void)state;
	mk("full");
	for (int i = 0; i < 400; i++) {
		char rel[32];
		snprintf(rel, sizeof(rel), "full/f%03d", i);
		write_file(rel, "a small file");
	}
	struct fim_config *c = config("ROOT/full R\n");
	slow_hashers = true;
	caller_tid = gettid();
	caller_hashed = false;
	gate_timed_out = false;
	hasher_tid_count = 0;
	scan_hash_hook = note_hasher;
	scan(c, NULL, &s);
	scan_hash_hook = NULL;
	slow_hashers = false;
	assert_true(caller_hashed);
	assert_true(hasher_tid_count >= 2);
	size_t lines = 0;
	for (const char *p = s.lines.buf; (p = strstr(p, " file sha256\n")); p++)
		lines++;
	assert_int_equal(lines, 400);
	assert_non_null(strstr(s.lines.buf, "full/f000 file sha256\nfull/f001 file sha256\n"));
	assert_non_null(strstr(s.lines.buf, "full/f398 file sha256\nfull/f399 file sha256\n"));
	strbuf_release(&s.lines);
	fim_config_free(c);
}

/* Entries removed after their directory was listed and before the walk reached them. */
struct vanish {
	struct seen seen;
	bool done;
};

static int vanish_entry(void *arg, const struct fim_entry *e)
{
	struct vanish *v = arg;
	char p[600];

	if (!v->done && e->path_len > 2 && !memcmp(e->path + e->path_len - 2, "/a", 2)) {
		path(p, sizeof(p), "van/b");
		assert_int_equal(unlink(p), 0);
		path(p, sizeof(p), "van/c/inner");
		assert_int_equal(unlink(p), 0);
		path(p, sizeof(p), "van/c");
		assert_int_equal(rmdir(p), 0);
		v->done = true;
	}
	return seen_entry(&v->seen, e);
}

/*
 * A file and a directory that vanish while the walk runs (listed, then gone before it looks
 * at them) are simply not there: not fatal, no problem reported, the walk goes on. Entries
 * come in path order from the walking thread, so the one before them is the moment to
 * remove them (no hashing threads: the walk is not ahead of what it delivered).
 */
static void test_vanished(void **state)
{
	struct vanish v = { .done = false };
	struct strbuf err = STRBUF_INIT;
	struct fim_scan_stats st = { 0 };

	(void)state;
	mk("van");
	write_file("van/a", "a");
	write_file("van/b", "b");
	mk("van/c");
	write_file("van/c/inner", "i");
	write_file("van/d", "d");
	struct fim_config *c = config("ROOT/van R\n");
	struct fim_scan_opts o = { .threads = 0 };
	strbuf_init(&v.seen.lines, 0);
	if (fim_scan(c, &o, vanish_entry, &v, &st, &err) < 0)
		fail_msg("%s", err.buf);
	assert_true(v.done);
	assert_string_equal(v.seen.lines.buf, "van directory\n"
	                                      "van/a file sha256\n"
	                                      "van/d file sha256\n");
	assert_int_equal(st.problems, 0);
	strbuf_release(&v.seen.lines);
	strbuf_release(&err);
	fim_config_free(c);
}

/* ---- files cut short while they are hashed ---- */

/* A file the hook truncates to `to` bytes once `at` bytes of it are hashed; or, with
 * unmappable, whose next chunk then cannot be mapped (read() must go on from there). */
struct cut {
	const char *name; /* the path's last component */
	uint64_t at;
	off_t to;
	bool unmappable;
	bool done, mapped; /* cut; and then while it was read through a mapping */
};

static struct cut cuts[3];

/* scan_hash_hook: runs in the hashing threads, each file's cut touched by its thread only */
static bool cut_hook(const char *p, uint64_t hashed, bool mapped)
{
	size_t len = strlen(p);
	bool go_on = true;

	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
		struct cut *c = &cuts[i];
		size_t n = c->name ? strlen(c->name) : 0;
		if (!n || len <= n || p[len - n - 1] != '/' || strcmp(p + len - n, c->name) ||
		    c->done || hashed < c->at)
			continue;
		if (c->unmappable)
			go_on = false;
		else
			assert_int_equal(truncate(p, c->to), 0);
		c->done = true;
		c->mapped = mapped;
	}
	return go_on;
}

#define BIG ((size_t)(2 * MAP_CHUNK + 1000)) /* three chunks, the last one short */

static unsigned char *big_content(unsigned seed)
{
	unsigned char *buf = xmalloc(BIG);
	uint32_t x = 2463534242u ^ seed;

	for (size_t k = 0; k < BIG; k++) { /* xorshift: no two chunks alike */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[k] = (unsigned char)x;
	}
	return buf;
}

static void write_big(const char *rel, unsigned seed)
{
	char p[600];
	unsigned char *buf = big_content(seed);
	FILE *f;

	path(p, sizeof(p), rel);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, BIG, f), BIG);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

struct cut_seen {
	unsigned n;
	const char *name[5];
	bool hashed[5];
	uint8_t problem[5];
	uint8_t sha[5][32];
};

static int cut_entry(void *arg, const struct fim_entry *e)
{
	struct cut_seen *s = arg;

	if (e->type != FIM_TYPE_FILE || s->n >= ARRAY_SIZE(s->name))
		return 0;
	s->name[s->n] = strrchr(e->path, '/') + 1;
	s->name[s->n] = !strcmp(s->name[s->n], "a")   ? "a"
	                : !strcmp(s->name[s->n], "b") ? "b"
	                : !strcmp(s->name[s->n], "c") ? "c"
	                : !strcmp(s->name[s->n], "d") ? "d"
	                                              : "small";
	s->hashed[s->n] = (e->digests & FIM_HAS_SHA256) != 0;
	s->problem[s->n] = e->problem;
	memcpy(s->sha[s->n], e->sha256, 32);
	s->n++;
	return 0;
}

/*
 * Files truncated while a hashing thread reads them, to nothing and to a size part way into
 * the next chunk, are reported as changed while read (no digest), never a crash: through a
 * mapping a truncated file raises SIGBUS, which the reading thread survives. The files beside
 * them, before and after, keep their right digests, and so does one whose mapping fails part
 * way (read() goes on where the mapping stopped). With the walker's own hasher (0 threads:
 * every large file mapped, so both cuts hit a mapping) and with two threads; with files mapped
 * from MAP_MIN bytes on (never by default: test_large_read), then as by default.
 */
static void test_cut_while_hashed(void **state)
{
	const uint64_t by_default = scan_map_min;
	struct fim_config *c;

	(void)state;
	mk("cut");
	scan_map_min = MAP_MIN;
	c = config("ROOT/cut f sha256+s\n");
	for (int run = 0; run < 4; run++) {
		int threads = run % 2 ? 2 : 0;
		struct fim_scan_opts o = { .threads = threads };
		struct cut_seen seen = { 0 };
		uint8_t want[32];
		if (run == 2)
			scan_map_min = by_default;
		write_big("cut/a", 1);
		write_big("cut/b", 2);
		write_big("cut/c", 3);
		write_big("cut/d", 4);
		write_file("cut/small", "small");
		cuts[0] = (struct cut){ .name = "b", .at = 1, .to = 0 };
		cuts[1] =
		    (struct cut){ .name = "c", .at = MAP_CHUNK, .to = MAP_CHUNK + 4096 + 100 };
		cuts[2] = (struct cut){ .name = "d", .at = MAP_CHUNK, .unmappable = true };
		scan_hash_hook = cut_hook;
		assert_int_equal(fim_scan(c, &o, cut_entry, &seen, NULL, NULL), 0);
		scan_hash_hook = NULL;
		assert_true(cuts[0].done);
		assert_true(cuts[1].done);
		if (run == 0) {
			assert_true(cuts[0].mapped);
			assert_true(cuts[1].mapped);
			assert_true(cuts[2].done && cuts[2].mapped);
		} else if (run >= 2) {
			assert_false(cuts[0].mapped || cuts[1].mapped || cuts[2].mapped);
		}
		assert_int_equal(seen.n, 5);
		for (unsigned i = 0; i <= 3; i += 3) {
			assert_string_equal(seen.name[i], i == 0 ? "a" : "d");
			assert_true(seen.hashed[i]);
			assert_int_equal(seen.problem[i], FIM_OK);
			unsigned char *buf = big_content(i == 0 ? 1 : 4);
			fim_sha256(buf, BIG, want);
			free(buf);
			assert_memory_equal(seen.sha[i], want, 32);
		}
		for (unsigned i = 1; i <= 2; i++) {
			assert_string_equal(seen.name[i], i == 1 ? "b" : "c");
			assert_false(seen.hashed[i]);
			assert_int_equal(seen.problem[i], FIM_UNSTABLE);
		}
		assert_string_equal(seen.name[4], "small");
		assert_true(seen.hashed[4]);
		fim_sha256("small", 5, want);
		assert_memory_equal(seen.sha[4], want, 32);
	}
	scan_map_min = by_default;
	fim_config_free(c);
}

/*
 * fim check on a file truncated while it is hashed: it is reported as changed (its content
 * could not be read whole) with the problem named; the next check sees the new size.
 */
static void test_cut_in_check(void **state)
{
	char b[600];
	uint8_t sha[32];
	struct fim_report rep;
	struct fim_config *c;
	char *text;

	(void)state;
	mk("cutc");
	write_big("cutc/b", 4);
	c = config("ROOT/cutc f p+s+m+sha256\n");
	path(b, sizeof(b), "cut-base");
	baseline(c, b, sha);
	memset(cuts, 0, sizeof(cuts));
	cuts[0] = (struct cut){ .name = "b", .at = MAP_CHUNK, .to = 10 };
	const uint64_t by_default = scan_map_min;
	scan_map_min = MAP_MIN;
	scan_hash_hook = cut_hook;
	compare(c, b, sha, &rep);
	scan_hash_hook = NULL;
	scan_map_min = by_default;
	assert_true(cuts[0].done);
	text = report_text(&rep);
	assert_string_equal(text, "changed: /cutc/b (sha256)\n"
	                          "problem: /cutc/b (unstable)\n");
	free(text);
	fim_report_release(&rep);
	compare(c, b, sha, &rep);
	text = report_text(&rep);
	assert_string_equal(text, "changed: /cutc/b (size, mtime, sha256)\n");
	free(text);
	fim_report_release(&rep);
	fim_config_free(c);
}

/*
 * A SIGBUS that is not a hashing thread's mapping still ends the process, as it would
 * without the walk's handler: a child maps a file, truncates it and touches the lost page.
 * (Under AddressSanitizer its own handler, which ours hands the signal on to, ends it.)
 */
static void test_other_sigbus_kills(void **state)
{
	char p[600];
	int status;
	pid_t pid;

	(void)state;
	write_big("sigbus", 5);
	path(p, sizeof(p), "sigbus");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the handler before ours: the default, not the test harness's */
		signal(SIGBUS, SIG_DFL);
		scan_map_prepare();
		alarm(20); /* a handler that swallowed the fault would loop on it */
		int fd = open(p, O_RDWR);
		if (fd < 0)
			_exit(3);
		volatile unsigned char *m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED || ftruncate(fd, 0) < 0)
			_exit(3);
		unsigned char v = m[4096];
		_exit(v == 255 ? 0 : 0); /* reached only if the fault was swallowed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_false(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
#endif
}

/* Each regular file's name (from root) and SHA-256 in hex, or "-", one a line. */
static int digest_entry(void *arg, const struct fim_entry *e)
{
	struct strbuf *out = arg;
	size_t skip = strlen(root);

	if (e->type != FIM_TYPE_FILE)
		return 0;
	strbuf_add(out, e->path + skip + 1, e->path_len - skip - 1);
	strbuf_addch(out, ' ');
	if (e->digests & FIM_HAS_SHA256)
		strbuf_addhex(out, e->sha256, 32);
	else
		strbuf_addch(out, '-');
	strbuf_addf(out, "%s\n", e->problem ? " problem" : "");
	return 0;
}

static void scan_digests(const struct fim_config *c, struct strbuf *out, struct fim_scan_stats *st)
{
	struct strbuf err = STRBUF_INIT;
	struct fim_scan_opts o = { .threads = 2 };

	strbuf_reset(out);
	if (fim_scan(c, &o, digest_entry, out, st, &err) < 0)
		fail_msg("%s", err.buf);
	strbuf_release(&err);
}

static void *probe_thread(void *arg)
{
	struct uring *u = scan_uring_new(true);

	*(bool *)arg = u != NULL;
	scan_uring_free(u);
	return NULL;
}

/*
 * Whether the kernel gives rings here. Asked in a thread of its own, which ends: a ring made
 * and closed by the test's thread would have the kernel interrupt that thread's next wait
 * (test_caller_not_interrupted failed so in 3 runs of 20 when it ran after this).
 */
static bool ring_here(void)
{
	pthread_t t;
	bool ok = false;

	assert_int_equal(pthread_create(&t, NULL, probe_thread, &ok), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	if (!ok)
		print_message("# io_uring is not available here: only read() is tested\n");
	return ok;
}

/*
 * Files are opened by the walker through io_uring, and small files read by the hashing threads
 * through theirs, a batch at a time, where the kernel allows it: the
 * digests are the files' own, for sizes around a page and around the ring's limits (32 KiB a
 * file, 64 KiB a batch), and the same as with the ring off (scan_uring_off, as where io_uring
 * is denied), when nothing goes through it.
 */
static void test_ring_or_read(void **state)
{
	static const size_t sizes[] = { 0,     1,     4095,  4096,  4097,  32767,
		                        32768, 32769, 65535, 65536, 65537, 131072 };
	struct strbuf want = STRBUF_INIT, ring = STRBUF_INIT, plain = STRBUF_INIT;
	struct fim_scan_stats st_ring = { 0 }, st_plain = { 0 };
	char *data = xmalloc(131072 + 128);
	char rel[64], p[600];
	uint8_t sha[32];

	(void)state;
	mk("ring");
	for (size_t i = 0; i < 131072 + 128; i++) /* file i starts at byte i */
		data[i] = (char)(i * 7 + i / 251);
	/* the sizes, then 60 small files of assorted sizes: batches fill and split */
	for (size_t i = 0; i < ARRAY_SIZE(sizes) + 60; i++) {
		size_t n = i < ARRAY_SIZE(sizes) ? sizes[i] : 1 + (i * 7919) % 20000;
		snprintf(rel, sizeof(rel), "ring/f%03zu", i);
		path(p, sizeof(p), rel);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(data + i, 1, n, f), n);
		fclose(f);
		fim_sha256(data + i, n, sha);
		strbuf_addf(&want, "%s ", rel);
		strbuf_addhex(&want, sha, 32);
		strbuf_addch(&want, '\n');
	}
	struct fim_config *c = config("ROOT/ring R\n");
	scan_digests(c, &ring, &st_ring);
	scan_uring_off = true;
	scan_digests(c, &plain, &st_plain);
	scan_uring_off = false;
	assert_string_equal(ring.buf, want.buf);
	assert_string_equal(plain.buf, want.buf);
	assert_int_equal(st_plain.ring, 0);
	assert_int_equal(st_plain.ring_opens, 0);
	if (ring_here()) {
		assert_true(st_ring.ring >= 60);
		assert_int_equal(st_ring.ring_opens, ARRAY_SIZE(sizes) + 60); /* one directory */
	}
	strbuf_release(&want);
	strbuf_release(&ring);
	strbuf_release(&plain);
	free(data);
	fim_config_free(c);
}

/* scan_hash_hook: appends to ring-grow/victim once, after its content was hashed */
static bool grew;
static bool grow_hook(const char *p, uint64_t hashed, bool mapped)
{
	size_t n = strlen(p);

	(void)hashed;
	(void)mapped;
	if (!grew && n > 7 && !strcmp(p + n - 7, "/victim")) {
		append_file("ring-grow/victim", "more\n");
		grew = true;
	}
	return true;
}

/* A small file written to after the ring read it, before its fstat after: unstable, its
 * digest not taken, the others in its batch unharmed. */
static void test_ring_changed_while_read(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct fim_scan_stats st = { 0 };

	(void)state;
	mk("ring-grow");
	write_file("ring-grow/a", "first\n");
	write_file("ring-grow/victim", "the victim\n");
	write_file("ring-grow/z", "last\n");
	struct fim_config *c = config("ROOT/ring-grow R\n");
	grew = false;
	scan_hash_hook = grow_hook;
	scan_digests(c, &out, &st);
	scan_hash_hook = NULL;
	assert_true(grew);
	assert_non_null(strstr(out.buf, "ring-grow/victim - problem\n"));
	assert_null(strstr(out.buf, "ring-grow/a - "));
	assert_null(strstr(out.buf, "ring-grow/z - "));
	if (ring_here())
		assert_int_equal(st.ring, 3);
	strbuf_release(&out);
	fim_config_free(c);
}

/*
 * After fim_scan returns, with fim's default settings (the rings on), the caller's thread goes on
 * undisturbed: its next blocking call is not cut short with EINTR. A socket read with a 300 ms
 * timeout and nothing to read must time out (EAGAIN). The kernel interrupts (task work with
 * TWA_SIGNAL, from io_ring_exit_work) every thread that made or used a ring when the ring is
 * closed: closing the walker's ring at the end of each walk failed this test on its first round
 * every time (and the agent's TLS handshake after a check, t0660), so did a ring made and closed
 * by this thread before it (ring_here did, in 3 runs of 20). It runs after the tests that use
 * the rings and ring_here, in the thread whose walker's ring they made.
 */
static void test_caller_not_interrupted(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct fim_scan_stats st = { 0 };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 300000 };
	char rel[64], buf[8];
	int sv[2];

	(void)state;
	mk("calm");
	for (int i = 0; i < 40; i++) {
		snprintf(rel, sizeof(rel), "calm/f%02d", i);
		write_file(rel, "calm\n");
	}
	struct fim_config *c = config("ROOT/calm R\n");
	bool ring = ring_here();
	for (int round = 0; round < 3; round++) {
		scan_digests(c, &out, &st);
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
		errno = 0;
		ssize_t n = read(sv[0], buf, sizeof(buf));
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		if (n >= 0 || e != EAGAIN)
			fail_msg("round %d: read gave %zd (%s), want a timeout", round, n,
			         strerror(e));
		if (ring) { /* fim's default: the rings */
			assert_true(st.ring_opens > 0);
			assert_true(st.ring > 0);
		}
	}
	strbuf_release(&out);
	fim_config_free(c);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * A walk leaves no descriptor open: small files read through the hashing threads' rings (their
 * closes queued, submitted before a thread sleeps or ends), files of 100 KiB read by read() and
 * one of 2 MiB and more through a mapping. (The walker's own ring, kept by its thread, is made
 * by the first walk.)
 */
static void test_no_descriptor_left(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct fim_scan_stats st = { 0 };
	char rel[64], p[600];
	char *data = xcalloc(1, (2u << 20) + 5);

	(void)state;
	mk("fds");
	for (int i = 0; i < 60; i++) {
		size_t n = i % 3 == 0 ? 100000 + (size_t)i : i == 59 ? (2u << 20) + 5 : 100;
		snprintf(rel, sizeof(rel), "fds/f%02d", i);
		path(p, sizeof(p), rel);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(data, 1, n, f), n);
		fclose(f);
	}
	free(data);
	struct fim_config *c = config("ROOT/fds R\n");
	scan_digests(c, &out, &st);
	int before = count_fds();
	for (int round = 0; round < 3; round++) {
		scan_digests(c, &out, &st);
		assert_int_equal(count_fds(), before);
	}
	assert_int_equal(st.hashed, 60);
	strbuf_release(&out);
	fim_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devices_never_opened),
		cmocka_unit_test(test_atime_kept),
		cmocka_unit_test(test_default_threads),
		cmocka_unit_test(test_walker_helps_when_full),
		cmocka_unit_test(test_vanished),
		cmocka_unit_test(test_cut_while_hashed),
		cmocka_unit_test(test_cut_in_check),
		cmocka_unit_test(test_other_sigbus_kills),
		cmocka_unit_test(test_ring_or_read),
		cmocka_unit_test(test_ring_changed_while_read),
		/* after the tests that use the rings, in the same thread */
		cmocka_unit_test(test_caller_not_interrupted),
		cmocka_unit_test(test_no_descriptor_left),
	};
	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}
