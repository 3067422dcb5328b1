/* test-scan: the walk of hostile trees, signed baselines, comparison and new generations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/compare.h"
#include "fim/scan-internal.h"
#include "tree.h"

struct collect {
	struct strbuf names;
	unsigned n, problems;
	char last[4200];
	size_t last_len, longest;
	bool ordered;
};

static int collect(void *arg, const struct fim_entry *e)
{
	struct collect *c = arg;

	if (c->n && fim_path_cmp(c->last, c->last_len, e->path, e->path_len) >= 0)
		c->ordered = false;
	memcpy(c->last, e->path, e->path_len);
	c->last_len = e->path_len;
	if (e->path_len > c->longest)
		c->longest = e->path_len;
	c->n++;
	size_t skip = !strncmp(e->path, root, strlen(root)) ? strlen(root) : 0;
	fim_path_escape(&c->names, e->path + skip, e->path_len - skip);
	strbuf_addf(&c->names, " %s%s\n", fim_type_name(e->type),
	            e->problem ? (e->problem == FIM_UNSTABLE ? " unstable" : " problem") : "");
	if (e->problem)
		c->problems++;
	return 0;
}

/* A tree with what an intruder or a careless admin leaves: FIFOs, sockets, links out of the
 * tree, names with newlines and invalid UTF-8. The walk must finish, report in order, never
 * follow a link and never open a FIFO. */
static void test_hostile_tree(void **state)
{
	char p[600], outside[600];
	struct collect col = { .ordered = true };
	struct fim_config *c;

	strbuf_init(&col.names, 0);
	mk("t");
	mk("t/d");
	write_file("t/a", "alpha");
	write_file("t/d/b", "beta");
	write_file("t/new\nline", "x");
	write_file("t/bad\xff\xfe", "y");
	write_file("t/日本語.conf", "z");
	path(p, sizeof(p), "t/fifo");
	assert_int_equal(mkfifo(p, 0644), 0);
	path(p, sizeof(p), "t/sock");
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	assert_true(strlen(p) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, p, strlen(p) + 1);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	/* a link to a directory outside the tree, and a link loop */
	path(outside, sizeof(outside), "outside");
	assert_int_equal(mkdir(outside, 0755), 0);
	write_file("outside/secret", "never read");
	path(p, sizeof(p), "t/escape");
	assert_int_equal(symlink(outside, p), 0);
	path(p, sizeof(p), "t/loop");
	assert_int_equal(symlink("loop", p), 0);

	c = config("ROOT/t R\n");
	struct fim_scan_opts o = { .threads = 2 };
	assert_int_equal(fim_scan(c, &o, collect, &col, NULL, NULL), 0);
	assert_true(col.ordered);
	assert_string_equal(col.names.buf, "/t directory\n"
	                                   "/t/a file\n"
	                                   "/t/bad\\xff\\xfe file\n"
	                                   "/t/d directory\n"
	                                   "/t/d/b file\n"
	                                   "/t/escape symlink\n"
	                                   "/t/fifo fifo\n"
	                                   "/t/loop symlink\n"
	                                   "/t/new\\nline file\n"
	                                   "/t/sock socket\n"
	                                   "/t/日本語.conf file\n");
	assert_int_equal(col.problems, 0);
	fim_config_free(c);
	strbuf_release(&col.names);
}

static void test_changes_reported(void **state)
{
	char b[600], p[600], q[600];
	uint8_t sha[32];
	struct fim_report rep;
	struct fim_config *c = config("ROOT/c R\n!ROOT/c/ignored\nROOT/c/log GrowingLog\n"
	                              "ROOT/c/anf R+ANF\n");
	char *text;

	mk("c");
	mk("c/sub");
	mk("c/ignored");
	mk("c/anf");
	write_file("c/same", "same");
	write_file("c/content", "aaaa");
	write_file("c/mode", "m");
	write_file("c/gone", "g");
	write_file("c/log", "line 1\n");
	write_file("c/sub/x", "x");
	path(p, sizeof(p), "c/link");
	assert_int_equal(symlink("same", p), 0);
	path(b, sizeof(b), "base1");
	baseline(c, b, sha);
	compare(c, b, sha, &rep);
	assert_false(fim_report_changed(&rep));
	fim_report_release(&rep);

	/* change content keeping size and times; chmod; remove; add; retarget a link; grow the log;
	 * touch ignored and ANF places */
	struct stat st;
	path(p, sizeof(p), "c/content");
	stat(p, &st);
	write_file("c/content", "bbbb");
	struct timespec ts[2] = { st.st_atim, st.st_mtim };
	utimensat(AT_FDCWD, p, ts, 0);
	path(p, sizeof(p), "c/mode");
	chmod(p, 0600);
	path(p, sizeof(p), "c/gone");
	unlink(p);
	write_file("c/sub/added", "new");
	path(p, sizeof(p), "c/link");
	unlink(p);
	assert_int_equal(symlink("content", p), 0);
	append_file("c/log", "line 2\n");
	write_file("c/ignored/x", "ignored");
	write_file("c/anf/new", "allowed");
	compare(c, b, sha, &rep);
	text = report_text(&rep);
	/* the link's inode may be reused: check its line apart */
	char *link = strstr(text, "changed: /c/link (");
	assert_non_null(link);
	assert_non_null(strstr(link, "link)\n"));
	memmove(link, strchr(link, '\n') + 1, strlen(strchr(link, '\n') + 1) + 1);
	assert_string_equal(text, "added: /c/sub/added\n"
	                          "removed: /c/gone\n"
	                          "changed: /c (mtime, ctime)\n"
	                          "changed: /c/anf (mtime, ctime)\n"
	                          "changed: /c/content (ctime, sha256)\n"
	                          "changed: /c/mode (mode, ctime)\n"
	                          "changed: /c/sub (mtime, ctime)\n");
	free(text);
	assert_int_equal(rep.changed.nr, 6);
	assert_int_equal(rep.changed.items[0].type, FIM_TYPE_DIR);
	assert_true(rep.delta_records >= 9); /* the log and the ANF file too */

	/* accepting: the delta on the baseline gives a generation that matches the tree */
	struct fim_baseline_reader *base = NULL, *delta = NULL;
	struct fim_baseline_info h = { .generation = 2, .created_ms = 2 };
	struct strbuf err = STRBUF_INIT;
	uint8_t sha2[32];
	uint64_t count;
	assert_int_equal(fim_br_open_file(b, sha, NULL, &base, &err), 0);
	assert_int_equal(
	    fim_br_open_mem(rep.delta.buf, rep.delta.len, fim_key_public(key), 0, &delta, &err), 0);
	path(q, sizeof(q), "base2");
	if (fim_apply_delta(base, delta, &h, q, key, sha2, &count, &err) < 0)
		fail_msg("%s", err.buf);
	fim_br_close(base);
	fim_br_close(delta);
	fim_report_release(&rep);
	compare(c, q, sha2, &rep);
	text = report_text(&rep);
	assert_string_equal(text, "");
	free(text);
	fim_report_release(&rep);

	/* a growing log that was rewritten (not only appended to) is a change */
	write_file("c/log", "LINE 1\nline 2\nline 3\n");
	compare(c, q, sha2, &rep);
	text = report_text(&rep);
	assert_string_equal(text, "changed: /c/log (sha256)\n");
	free(text);
	fim_report_release(&rep);
	strbuf_release(&err);
	fim_config_free(c);
}

/* A directory whose entries take several reads of the walker's 32 KiB buffer: every name is
 * listed, once, in order. */
static void test_large_directory(void **state)
{
	struct collect col = { .ordered = true };
	char name[64];

	mk("many");
	for (int i = 0; i < 1500; i++) {
		snprintf(name, sizeof(name), "many/a-rather-long-file-name-%04d",
		         (i * 7919) % 1500);
		write_file(name, "");
	}
	strbuf_init(&col.names, 0);
	struct fim_config *c = config("ROOT/many p+u+g+s\n");
	assert_int_equal(fim_scan(c, NULL, collect, &col, NULL, NULL), 0);
	assert_true(col.ordered);
	assert_int_equal(col.n, 1501);
	assert_int_equal(col.problems, 0);
	assert_non_null(strstr(col.names.buf, "/many/a-rather-long-file-name-0000 file\n"));
	assert_non_null(strstr(col.names.buf, "/many/a-rather-long-file-name-1499 file\n"));
	fim_config_free(c);
	strbuf_release(&col.names);
}

/* A file that changes while it is read: /proc files say size 0 and then give bytes. */
static void test_unstable(void **state)
{
	char rule[128];
	struct collect col = { .ordered = true };
	struct fim_config *c;

	strbuf_init(&col.names, 0);
	snprintf(rule, sizeof(rule), "=/proc/%d/status$ f p+s+sha256\n", (int)getpid());
	c = config(rule);
	assert_int_equal(fim_scan(c, NULL, collect, &col, NULL, NULL), 0);
	assert_int_equal(col.n, 1);
	assert_non_null(strstr(col.names.buf, "unstable"));
	fim_config_free(c);
	strbuf_release(&col.names);
}

struct digests {
	unsigned n, hashed;
	uint8_t sha[16][32];
	uint64_t size[16];
};

static int collect_digest(void *arg, const struct fim_entry *e)
{
	struct digests *d = arg;

	if (e->type != FIM_TYPE_FILE || d->n >= ARRAY_SIZE(d->sha))
		return 0;
	assert_int_equal(e->problem, 0);
	if (e->digests & FIM_HAS_SHA256)
		d->hashed++;
	memcpy(d->sha[d->n], e->sha256, 32);
	d->size[d->n++] = e->size;
	return 0;
}

/*
 * Each file is read once up to its size: the digests are the contents' own, for sizes around
 * the read buffer (READ_BUF, 256 KiB), around what wakes a sleeping hashing thread (32 KiB), and
 * around where files are mapped instead of read (2 MiB, in 2 MiB chunks), hashed by the walker
 * alone (0 threads) and by two threads.
 */
static void test_digests(void **state)
{
	/* clang-format off */
	static const size_t sizes[] = { 0, 1, 32768, 32769, 65536, 65537, 200005,
		READ_BUF - 1, READ_BUF, READ_BUF + 1, 2 * READ_BUF + 7,
		(2u << 20) - 1, 2u << 20, (2u << 20) + 1, 4u << 20, (4u << 20) + 4097 };
	/* clang-format on */
	char name[64], p[600];
	struct fim_config *c;

	mk("sizes");
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned char *buf = xmalloc(sizes[i] + 1);
		for (size_t k = 0; k < sizes[i]; k++)
			buf[k] = (unsigned char)(k * 31 + i);
		snprintf(name, sizeof(name), "sizes/f%02zu", i);
		path(p, sizeof(p), name);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, sizes[i], f), sizes[i]);
		fclose(f);
		free(buf);
	}
	c = config("ROOT/sizes f sha256+s\n");
	for (int threads = 0; threads <= 2; threads += 2) {
		struct fim_scan_opts o = { .threads = threads };
		struct digests d = { 0 };
		assert_int_equal(fim_scan(c, &o, collect_digest, &d, NULL, NULL), 0);
		assert_int_equal(d.n, ARRAY_SIZE(sizes));
		assert_int_equal(d.hashed, ARRAY_SIZE(sizes));
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
			unsigned char *buf = xmalloc(sizes[i] + 1);
			uint8_t want[32];
			for (size_t k = 0; k < sizes[i]; k++)
				buf[k] = (unsigned char)(k * 31 + i);
			fim_sha256(buf, sizes[i], want);
			assert_int_equal(d.size[i], sizes[i]);
			assert_memory_equal(d.sha[i], want, 32);
			free(buf);
		}
	}
	fim_config_free(c);
}

/* A file that gives fewer bytes than its size (sysfs says 4096) is unstable, not hashed short. */
static void test_shorter_than_size(void **state)
{
	static const char f[] = "/sys/kernel/uevent_seqnum";
	struct collect col = { .ordered = true };
	struct fim_config *c;
	struct stat st;

	if (stat(f, &st) < 0 || st.st_size <= 64 || access(f, R_OK) < 0)
		skip(); /* no sysfs here */
	strbuf_init(&col.names, 0);
	c = config("=/sys/kernel/uevent_seqnum$ f p+s+sha256\n");
	assert_int_equal(fim_scan(c, NULL, collect, &col, NULL, NULL), 0);
	assert_int_equal(col.n, 1);
	assert_non_null(strstr(col.names.buf, "unstable"));
	fim_config_free(c);
	strbuf_release(&col.names);
}

/* One POSIX ACL as the kernel stores it (system.posix_acl_access): owner rw, user uid perm,
 * group r, mask perm, other r. */
static size_t acl_value(unsigned char *v, unsigned uid, unsigned perm)
{
	static const unsigned tags[] = { 0x01, 0x02, 0x04, 0x10, 0x20 };
	const unsigned perms[] = { 6, perm, 4, perm, 4 };
	size_t n = 0;

	v[n++] = 2; /* version, little-endian */
	v[n++] = 0;
	v[n++] = 0;
	v[n++] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
		unsigned id = tags[i] == 0x02 ? uid : 0xffffffffu;
		v[n++] = (unsigned char)tags[i];
		v[n++] = 0;
		v[n++] = (unsigned char)perms[i];
		v[n++] = 0;
		for (int k = 0; k < 4; k++)
			v[n++] = (unsigned char)(id >> (8 * k));
	}
	return n;
}

/*
 * Extended attributes, POSIX ACLs and file flags (chattr) are recorded, and a change to each
 * is named. What this filesystem or user cannot set is left out of the expectation.
 */
static void test_xattrs_acl_flags(void **state)
{
	char b[600], p[600], want[200] = "";
	unsigned char acl[64];
	uint8_t sha[32];
	struct fim_report rep;
	struct fim_config *c = config("ROOT/x f xattrs+acl+e2fsattrs\n");
	bool x_ok, acl_ok, flags_ok;
	int flags = 0, fd;
	char *text;

	mk("x");
	write_file("x/f", "f");
	path(p, sizeof(p), "x/f");
	x_ok = setxattr(p, "user.mamori", "1", 1, 0) == 0;
	acl_ok = setxattr(p, "system.posix_acl_access", acl, acl_value(acl, 4242, 4), 0) == 0;
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	flags_ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
	close(fd);
	if (!x_ok && !acl_ok && !flags_ok)
		skip(); /* none of them on this filesystem */
	path(b, sizeof(b), "base-x");
	baseline(c, b, sha);
	compare(c, b, sha, &rep);
	assert_false(fim_report_changed(&rep));
	fim_report_release(&rep);

	if (x_ok)
		assert_int_equal(setxattr(p, "user.mamori", "2", 1, 0), 0);
	if (acl_ok)
		assert_int_equal(
		    setxattr(p, "system.posix_acl_access", acl, acl_value(acl, 4242, 6), 0), 0);
	if (flags_ok) {
		fd = open(p, O_RDONLY);
		flags |= FS_NODUMP_FL;
		flags_ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
		close(fd);
	}
	if (x_ok || acl_ok || flags_ok) {
		snprintf(want, sizeof(want), "changed: /x/f (%s%s%s", x_ok ? "xattrs, " : "",
		         acl_ok ? "acl, " : "", flags_ok ? "flags, " : "");
		memcpy(want + strlen(want) - 2, ")\n", 2);
	}
	compare(c, b, sha, &rep);
	text = report_text(&rep);
	assert_string_equal(text, want);
	free(text);
	fim_report_release(&rep);
	fim_config_free(c);
}

/* Permission denied is reported, not fatal (as an unprivileged user, in a child). */
static void test_unreadable(void **state)
{
	char p[600];
	pid_t pid;
	int status;

	mk("u");
	mk("u/closed");
	write_file("u/open", "o");
	write_file("u/secret", "s");
	write_file("u/closed/inner", "i");
	path(p, sizeof(p), "u/secret");
	chmod(p, 0600);
	path(p, sizeof(p), "u/closed");
	chmod(p, 0700);
	pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(3);
		struct collect col = { .ordered = true };
		strbuf_init(&col.names, 0);
		struct fim_config *c = config("ROOT/u R\n");
		if (fim_scan(c, NULL, collect, &col, NULL, NULL) < 0)
			_exit(4);
		/* the secret file and the closed directory are listed, with a problem each */
		_exit(strstr(col.names.buf, "/u/secret file problem") &&
		              strstr(col.names.buf, "/u/closed directory problem") &&
		              strstr(col.names.buf, "/u/open file\n") &&
		              !strstr(col.names.buf, "inner")
		          ? 0
		          : 5);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A name whose path would pass FIM_PATH_MAX bytes is reported (cut at the limit, ENAMETOOLONG)
 * and not entered; a path of exactly FIM_PATH_MAX bytes is still walked, and the walk goes on
 * after the long branch. Built with mkdirat, as absolute paths that long cannot be named. */
struct problems {
	unsigned n;
	size_t len[8];
	enum fim_problem what[8];
	int err[8];
	char path[8][FIM_PATH_MAX + 1];
};

static void collect_problem(void *arg, const char *p, size_t len, enum fim_problem what, int err)
{
	struct problems *pr = arg;

	if (pr->n >= ARRAY_SIZE(pr->len))
		return;
	pr->len[pr->n] = len;
	pr->what[pr->n] = what;
	pr->err[pr->n] = err;
	memcpy(pr->path[pr->n], p, len < FIM_PATH_MAX ? len : FIM_PATH_MAX);
	pr->n++;
}

static void test_path_limit(void **state)
{
	char p[600], seg[201], fits[256], over[256];
	struct collect col = { .ordered = true };
	struct problems pr = { 0 };
	size_t len;
	int fd;

	memset(seg, 's', sizeof(seg) - 1);
	seg[sizeof(seg) - 1] = '\0';
	mk("long");
	write_file("long/zz", "after the long branch");
	path(p, sizeof(p), "long");
	len = strlen(p);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	/* directories of 200-byte names while the path stays within the limit */
	while (len + 1 + strlen(seg) <= FIM_PATH_MAX - 2) {
		assert_int_equal(mkdirat(fd, seg, 0755), 0);
		int next = openat(fd, seg, O_RDONLY | O_DIRECTORY);
		assert_true(next >= 0);
		close(fd);
		fd = next;
		len += 1 + strlen(seg);
	}
	/* a name that makes the path exactly FIM_PATH_MAX bytes, one a byte longer, and a
	 * directory far past the limit with a file inside */
	size_t n = FIM_PATH_MAX - len - 1;
	assert_true(n >= 1 && n + 2 < sizeof(fits));
	memset(fits, 'f', n);
	fits[n] = '\0';
	memset(over, 'o', n + 1);
	over[n + 1] = '\0';
	for (const char *name = fits; name; name = name == fits ? over : NULL) {
		int f = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		assert_true(f >= 0);
		assert_int_equal(write(f, "x", 1), 1);
		close(f);
	}
	assert_int_equal(mkdirat(fd, seg, 0755), 0);
	int d = openat(fd, seg, O_RDONLY | O_DIRECTORY);
	assert_true(d >= 0);
	int f = openat(d, "inner", O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(f >= 0);
	close(f);
	close(d);
	close(fd);

	strbuf_init(&col.names, 0);
	struct fim_config *c = config("ROOT/long R\n");
	struct fim_scan_opts o = { .threads = 2, .problem = collect_problem, .arg = &pr };
	struct fim_scan_stats st;
	assert_int_equal(fim_scan(c, &o, collect, &col, &st, NULL), 0);
	assert_true(col.ordered);
	assert_int_equal(col.problems, 0);
	/* the name that fits is an entry, whose path is FIM_PATH_MAX bytes */
	assert_int_equal(col.last_len, strlen(root) + strlen("/long/zz"));
	char *hit = strstr(col.names.buf, fits);
	assert_non_null(hit);
	assert_memory_equal(hit + n, " file\n", 6);
	assert_int_equal(col.longest, FIM_PATH_MAX);
	assert_null(strstr(col.names.buf, over));
	assert_null(strstr(col.names.buf, "inner"));
	assert_non_null(strstr(col.names.buf, "/long/zz file\n"));
	/* the longer file and the directory past the limit are problems, cut at the limit */
	assert_int_equal(pr.n, 2);
	for (unsigned i = 0; i < pr.n; i++) {
		assert_int_equal(pr.what[i], FIM_TOO_DEEP);
		assert_int_equal(pr.err[i], ENAMETOOLONG);
		assert_int_equal(pr.len[i], FIM_PATH_MAX);
	}
	assert_memory_equal(pr.path[0] + FIM_PATH_MAX - n, over, n); /* over, cut by one byte */
	assert_memory_equal(pr.path[1] + FIM_PATH_MAX - n, seg, n);  /* the directory */
	assert_int_equal(st.problems, 2);

	/* a check names them in its report, and nothing changed */
	char b[600];
	uint8_t sha[32];
	struct fim_report rep;
	path(b, sizeof(b), "base-long");
	baseline(c, b, sha);
	compare(c, b, sha, &rep);
	assert_false(fim_report_changed(&rep));
	assert_int_equal(rep.problem_count, 2);
	char *text = report_text(&rep);
	assert_non_null(strstr(text, "(too_deep: File name too long)\n"));
	free(text);
	fim_report_release(&rep);
	fim_config_free(c);
	strbuf_release(&col.names);
}

/* security.capability as setcap(8) writes it: revision 2, effective, the permitted set. */
static size_t caps_value(unsigned char *v, uint32_t permitted)
{
	const uint32_t words[] = { 0x02000000u | 0x1u, permitted, 0, 0, 0 };
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		for (int k = 0; k < 4; k++)
			v[n++] = (unsigned char)(words[i] >> (8 * k));
	return n;
}

struct labels {
	unsigned n;
	char names[4][16];
	uint8_t digests[4];
};

static int collect_labels(void *arg, const struct fim_entry *e)
{
	struct labels *l = arg;
	const char *slash = memrchr(e->path, '/', e->path_len);

	if (l->n >= ARRAY_SIZE(l->names) || !slash)
		return 0;
	snprintf(l->names[l->n], sizeof(l->names[0]), "%.*s",
	         (int)(e->path_len - (size_t)(slash + 1 - e->path)), slash + 1);
	l->digests[l->n++] = e->digests;
	return 0;
}

/*
 * The SELinux context (security.selinux) and file capabilities (security.capability) are
 * recorded apart from the other extended attributes, and a change to each is named
 * "selinux" or "caps", never "xattrs". Setting them needs CAP_SYS_ADMIN and CAP_SETFCAP;
 * the kernel stores both without SELinux enabled.
 */
static void test_selinux_caps(void **state)
{
	static const char ctx[] = "system_u:object_r:etc_t:s0",
	                  ctx2[] = "system_u:object_r:shadow_t:s0";
	char b[600], f[600], g[600], d[600];
	unsigned char cap[20];
	uint8_t sha[32];
	struct fim_report rep;
	char *text;

	mk("sc");
	mk("sc/d");
	write_file("sc/f", "a daemon");
	write_file("sc/g", "a plain program");
	path(f, sizeof(f), "sc/f");
	path(g, sizeof(g), "sc/g");
	path(d, sizeof(d), "sc/d");
	if (setxattr(f, "security.selinux", ctx, sizeof(ctx), 0) < 0 ||
	    setxattr(f, "security.capability", cap, caps_value(cap, 1u << 10), 0) < 0) {
		/* not root (CAP_SYS_ADMIN, CAP_SETFCAP), or a file system without security.* */
		print_message(
		    "# skip: cannot set security.selinux / security.capability here: %s\n",
		    strerror(errno));
		skip();
	}
	assert_int_equal(setxattr(d, "security.selinux", ctx, sizeof(ctx), 0), 0);
	assert_int_equal(setxattr(f, "user.note", "n", 1, 0), 0);

	struct fim_config *c = config("ROOT/sc xattrs+selinux+caps\n");
	struct labels l = { 0 };
	assert_int_equal(fim_scan(c, NULL, collect_labels, &l, NULL, NULL), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.names[0], "sc");
	assert_string_equal(l.names[1], "d");
	assert_int_equal(l.digests[1], FIM_HAS_SELINUX);
	assert_string_equal(l.names[2], "f");
	assert_int_equal(l.digests[2], FIM_HAS_XATTRS | FIM_HAS_SELINUX | FIM_HAS_CAPS);
	assert_string_equal(l.names[3], "g");
	/* (a kernel with SELinux labels every file itself) */
	assert_int_equal(l.digests[3] & ~FIM_HAS_SELINUX, 0);

	path(b, sizeof(b), "base-sc");
	baseline(c, b, sha);
	compare(c, b, sha, &rep);
	assert_false(fim_report_changed(&rep));
	fim_report_release(&rep);

	/* relabelled: the file and the directory */
	assert_int_equal(setxattr(f, "security.selinux", ctx2, sizeof(ctx2), 0), 0);
	assert_int_equal(setxattr(d, "security.selinux", ctx2, sizeof(ctx2), 0), 0);
	compare(c, b, sha, &rep);
	text = report_text(&rep);
	assert_string_equal(text, "changed: /sc/d (selinux)\n"
	                          "changed: /sc/f (selinux)\n");
	free(text);
	fim_report_release(&rep);

	/* capabilities widened on f and given to a plain program g (setcap cap_net_raw+ep) */
	assert_int_equal(
	    setxattr(f, "security.capability", cap, caps_value(cap, (1u << 10) | (1u << 13)), 0),
	    0);
	assert_int_equal(setxattr(g, "security.capability", cap, caps_value(cap, 1u << 13), 0), 0);
	compare(c, b, sha, &rep);
	text = report_text(&rep);
	assert_string_equal(text, "changed: /sc/d (selinux)\n"
	                          "changed: /sc/f (selinux, caps)\n"
	                          "changed: /sc/g (caps)\n");
	free(text);
	fim_report_release(&rep);

	/* labels back as they were, capabilities removed from f (setcap -r): caps alone */
	assert_int_equal(setxattr(f, "security.selinux", ctx, sizeof(ctx), 0), 0);
	assert_int_equal(setxattr(d, "security.selinux", ctx, sizeof(ctx), 0), 0);
	assert_int_equal(removexattr(f, "security.capability"), 0);
	assert_int_equal(removexattr(g, "security.capability"), 0);
	compare(c, b, sha, &rep);
	text = report_text(&rep);
	assert_string_equal(text, "changed: /sc/f (caps)\n");
	free(text);
	fim_report_release(&rep);
	fim_config_free(c);
}

struct depth {
	unsigned entries, problems, deepest;
	uint8_t deepest_problem;
};

static int collect_depth(void *arg, const struct fim_entry *e)
{
	struct depth *d = arg;
	unsigned levels = 0;

	for (size_t i = 0; i < e->path_len; i++)
		levels += e->path[i] == '/';
	d->entries++;
	if (e->problem)
		d->problems++;
	if (levels > d->deepest) {
		d->deepest = levels;
		d->deepest_problem = e->problem;
	}
	return 0;
}

/*
 * Directories FIM_DEPTH_MAX levels below / are entered; the one a level deeper is recorded
 * with the problem too_deep and not entered, and nothing below it is looked at.
 */
static void test_depth_limit(void **state)
{
	struct strbuf rel = STRBUF_INIT;
	struct depth d = { 0 };
	unsigned root_levels = 0;

	for (const char *s = root; *s; s++)
		root_levels += *s == '/';
	strbuf_addstr(&rel, "deep");
	mk(rel.buf);
	for (int i = 0; i < FIM_DEPTH_MAX + 5; i++) {
		strbuf_addstr(&rel, "/d");
		mk(rel.buf);
	}
	struct fim_config *c = config("ROOT/deep R\n");
	assert_int_equal(fim_scan(c, NULL, collect_depth, &d, NULL, NULL), 0);
	assert_int_equal(d.deepest, FIM_DEPTH_MAX + 1);
	assert_int_equal(d.deepest_problem, FIM_TOO_DEEP);
	assert_int_equal(d.problems, 1);
	/* ROOT/deep and its d's down to the one at the limit */
	assert_int_equal(d.entries, FIM_DEPTH_MAX + 1 - root_levels);
	fim_config_free(c);
	strbuf_release(&rel);
}

static void test_baseline_tamper(void **state)
{
	char b[600];
	uint8_t sha[32], other[32] = { 0 };
	struct fim_baseline_reader *r = NULL;
	struct strbuf err = STRBUF_INIT;
	struct strbuf data = STRBUF_INIT;
	struct fim_config *c = config("ROOT/c R\n");

	path(b, sizeof(b), "base-t");
	baseline(c, b, sha);
	assert_int_equal(fim_br_open_file(b, sha, fim_key_public(key), &r, &err), 0);
	fim_br_close(r);
	/* another SHA-256 than the ledgered one */
	assert_int_equal(fim_br_open_file(b, other, NULL, &r, &err), -EBADMSG);
	assert_non_null(strstr(err.buf, "not the one the ledger recorded"));
	/* another key */
	uint8_t pub[32] = { 1 };
	assert_int_equal(fim_br_open_file(b, NULL, pub, &r, &err), -EBADMSG);
	/* one byte changed in the middle: the body digest and the signature fail */
	assert_int_equal(strbuf_read_file(&data, b, 1 << 24), 0);
	data.buf[data.len / 2] ^= 1;
	FILE *f = fopen(b, "w");
	fwrite(data.buf, 1, data.len, f);
	fclose(f);
	assert_int_equal(fim_br_open_file(b, NULL, NULL, &r, &err), -EBADMSG);
	/* truncated */
	assert_int_equal(truncate(b, (off_t)data.len - 1), 0);
	assert_int_equal(fim_br_open_file(b, NULL, NULL, &r, &err), -EBADMSG);
	/* parsing bytes that were not re-signed: every record is still validated */
	data.buf[data.len / 2] ^= 1;
	assert_int_equal(fim_br_open_mem(data.buf, data.len, NULL, 0, &r, &err), 0);
	char tag;
	struct fim_entry e;
	int k;
	while ((k = fim_br_next(r, &tag, &e, &err)) > 0)
		;
	assert_int_equal(k, 0);
	fim_br_close(r);
	strbuf_release(&data);
	strbuf_release(&err);
	fim_config_free(c);
}

static void test_path_order_and_escape(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	assert_true(fim_path_cmp("/a/b", 4, "/a-c", 4) < 0);
	assert_true(fim_path_cmp("/a", 2, "/a/b", 4) < 0);
	assert_true(fim_path_cmp("/a/b", 4, "/a/b", 4) == 0);
	assert_true(fim_path_cmp("/b", 2, "/a/z", 4) > 0);
	fim_path_escape(&sb, "/x\n\t\\\x01\xff日", 10);
	assert_string_equal(sb.buf, "/x\\n\\t\\\\\\x01\\xff日");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_order_and_escape),
		cmocka_unit_test(test_hostile_tree),
		cmocka_unit_test(test_large_directory),
		cmocka_unit_test(test_changes_reported),
		cmocka_unit_test(test_unstable),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_shorter_than_size),
		cmocka_unit_test(test_xattrs_acl_flags),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_path_limit),
		cmocka_unit_test(test_selinux_caps),
		cmocka_unit_test(test_baseline_tamper),
	};
	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}
