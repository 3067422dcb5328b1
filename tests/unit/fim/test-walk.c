/* test-walk: what the walk never does to the tree it checks (open a device or a FIFO, move a
 * file's access time), seen from outside with inotify and stat; and how many threads hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/scan.h"
#include "tree.h"

/* What the walk delivered: "name type [sha256] [problem]" lines, names relative to root. */
struct seen {
	struct strbuf lines;
	int max_tasks; /* the most threads this process had while entries came */
};

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
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

static int seen_entry(void *arg, const struct fim_entry *e)
{
	struct seen *s = arg;
	size_t skip = strlen(root);
	int tasks = count_tasks();

	if (tasks > s->max_tasks)
		s->max_tasks = tasks;
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
		print_message("no mknod here (%s): the device part is skipped\n", strerror(errno));
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
		print_message("this file system keeps access times (noatime): the check is weak\n");
	strbuf_release(&s.lines);
	fim_config_free(c);
}

/* Two hashing threads by default; AIDE's num_workers sets another number; 0 hashes in the
 * walking thread. Counted from /proc/self/task while the entries come. */
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
	assert_int_equal(s.max_tasks, 1 + 2);
	strbuf_release(&s.lines);
	struct fim_scan_opts none = { .threads = 0 };
	scan(c, &none, &s);
	assert_int_equal(s.max_tasks, 1);
	strbuf_release(&s.lines);
	fim_config_free(c);
	c = config("num_workers=3\nROOT/th R\n");
	scan(c, NULL, &s);
	assert_int_equal(s.max_tasks, 1 + 3);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devices_never_opened),
		cmocka_unit_test(test_atime_kept),
		cmocka_unit_test(test_default_threads),
		cmocka_unit_test(test_vanished),
	};
	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}
