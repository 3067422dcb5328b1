/* follow: tail -F for the agent: whole lines, rotation by rename and by truncation, offsets kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/follow.h"
#include "base/cleanup.h"
#include "base/fsdir.h"

static void open_file(struct follow_file *ff)
{
	struct stat st;

	ff->fd = open(ff->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (ff->fd < 0)
		return;
	if (fstat(ff->fd, &st) < 0 || !S_ISREG(st.st_mode)) { /* never a FIFO or a device */
		close(ff->fd);
		ff->fd = -1;
		return;
	}
	ff->dev = st.st_dev;
	ff->ino = st.st_ino;
	ff->off = 0;
	strbuf_reset(&ff->partial);
}

static char *path_in(const char *dir, const char *name)
{
	struct strbuf p = STRBUF_INIT;

	strbuf_addf(&p, "%s/%s", dir, name);
	return strbuf_detach(&p, NULL);
}

/*
 * Renames from over to and syncs their folder (the state directory), so that the new name
 * survives a power loss. 0, or -errno with err set. A failed sync leaves the rename made: a
 * failed stage is read again (follow_rewind), a failed commit is completed by follow_recommit.
 */
static int rename_synced(const char *from, const char *to, struct strbuf *err)
{
	if (rename(from, to) < 0) {
		int r = -errno;
		error_set(err, "cannot rename '%s': %s", from, strerror(-r));
		return r;
	}
	return fs_sync_parent(to, err);
}

/* A decimal number at *s, ending at a space, a newline or the end; moves *s past it. */
static int take_u64(const char **s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(*s, &end, 10);
	if (errno || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -EINVAL;
	*ret = v;
	*s = end;
	return 0;
}

/* follow.pending: "seq N\n". */
static bool pending_seq(const char *s, uint64_t *seq)
{
	if (strncmp(s, "seq ", 4))
		return false;
	s += 4;
	return take_u64(&s, seq) == 0 && (*s == '\n' || *s == '\0');
}

/* A line of follow.state: "DEV INO OFFSET PATH"; *pos = where PATH starts. */
static bool state_line(const char *line, uint64_t *dev, uint64_t *ino, uint64_t *off, int *pos)
{
	const char *p = line;
	uint64_t *v[] = { dev, ino, off };

	for (size_t i = 0; i < 3; i++) {
		if (take_u64(&p, v[i]) < 0 || *p != ' ')
			return false;
		while (*p == ' ')
			p++;
	}
	*pos = (int)(p - line);
	return true;
}

int follow_settle(const char *state_dir, bool (*batch_spooled)(void *arg, uint64_t seq), void *arg,
                  struct strbuf *err)
{
	char *pending = path_in(state_dir, "follow.pending");
	char *state = path_in(state_dir, "follow.state");
	struct strbuf data = STRBUF_INIT;
	uint64_t seq;
	int r = strbuf_read_file(&data, pending, 1u << 20);

	if (r == -ENOENT)
		r = 0;
	else if (r < 0)
		error_set(err, "cannot read '%s': %s", pending, strerror(-r));
	else if (pending_seq(data.buf, &seq) && batch_spooled(arg, seq))
		r = rename_synced(pending, state, err);
	else if (unlink(pending) < 0) { /* the batch never reached the spool: read again */
		r = -errno;
		error_set(err, "cannot remove '%s': %s", pending, strerror(-r));
	}
	strbuf_release(&data);
	free(pending);
	free(state);
	return r;
}

void follow_open(struct follow_set *f, const char *state_dir, const char *const *paths, size_t n)
{
	struct strbuf data = STRBUF_INIT;

	memset(f, 0, sizeof(*f));
	f->state = path_in(state_dir, "follow.state");
	f->pending = path_in(state_dir, "follow.pending");
	f->files = xcalloc(n ? n : 1, sizeof(*f->files));
	f->nr = n;
	strbuf_read_file(&data, f->state, 1u << 20);
	for (size_t i = 0; i < n; i++) {
		struct follow_file *ff = &f->files[i];
		ff->path = xstrdup(paths[i]);
		strbuf_init(&ff->partial, 0);
		open_file(ff);
		/* resume where the last run stopped, if it is the same file and it did not shrink
		 */
		for (char *line = data.buf; ff->fd >= 0 && line && *line;) {
			char *nl = strchr(line, '\n');
			uint64_t dev, ino, off;
			int pos = 0;
			if (state_line(line, &dev, &ino, &off, &pos) && pos > 0 &&
			    (size_t)(nl ? nl - line - pos : (long)strlen(line + pos)) ==
			        strlen(ff->path) &&
			    !strncmp(line + pos, ff->path, strlen(ff->path)) && dev == ff->dev &&
			    ino == ff->ino) {
				struct stat st;
				if (fstat(ff->fd, &st) == 0 && (off_t)off <= st.st_size &&
				    lseek(ff->fd, (off_t)off, SEEK_SET) == (off_t)off)
					ff->off = (off_t)off;
			}
			line = nl ? nl + 1 : NULL;
		}
	}
	strbuf_release(&data);
}

void follow_close(struct follow_set *f)
{
	for (size_t i = 0; i < f->nr; i++) {
		if (f->files[i].fd >= 0)
			close(f->files[i].fd);
		free(f->files[i].path);
		strbuf_release(&f->files[i].partial);
	}
	free(f->files);
	free(f->state);
	free(f->pending);
	memset(f, 0, sizeof(*f));
}

void follow_rewind(struct follow_set *f)
{
	char *dir = xstrdup(f->state), *slash = strrchr(dir, '/');
	char **paths = xcalloc(f->nr ? f->nr : 1, sizeof(*paths));
	size_t n = f->nr;

	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < n; i++)
		paths[i] = xstrdup(f->files[i].path);
	follow_close(f);
	follow_open(f, slash ? dir : ".", (const char *const *)paths, n);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(dir);
}

/* Reads to the end (at most FOLLOW_MAX_BATCH), handing out whole lines. */
static size_t drain(struct follow_file *ff, follow_line_fn fn, void *arg)
{
	char buf[16384];
	size_t lines = 0, total = 0;

	while (ff->fd >= 0 && total < FOLLOW_MAX_BATCH) {
		ssize_t n = read(ff->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (ff->partial.len < FOLLOW_MAX_LINE + 1)
					strbuf_addch(&ff->partial, buf[i]);
				continue;
			}
			size_t len = ff->partial.len;
			bool cut = len > FOLLOW_MAX_LINE;
			if (len && ff->partial.buf[len - 1] == '\r')
				len--;
			fn(arg, ff, ff->partial.buf, cut ? FOLLOW_MAX_LINE : len, cut);
			lines++;
			strbuf_reset(&ff->partial);
		}
		ff->off += n;
	}
	return lines;
}

size_t follow_read(struct follow_set *f, follow_line_fn fn, void *arg)
{
	size_t lines = 0;

	for (size_t i = 0; i < f->nr; i++) {
		struct follow_file *ff = &f->files[i];
		struct stat st;

		if (ff->fd < 0) { /* it was not there: perhaps it is now */
			open_file(ff);
			lines += drain(ff, fn, arg);
			continue;
		}
		lines += drain(ff, fn, arg);
		if (stat(ff->path, &st) < 0)
			continue; /* renamed away, the new one not there yet: the old fd stays */
		if (st.st_dev != ff->dev || st.st_ino != ff->ino) {
			/* rotated: the old file is read to its end above; a last line without '\n'
			 * still counts, then the new file from its start */
			if (ff->partial.len) {
				fn(arg, ff, ff->partial.buf,
				   ff->partial.len > FOLLOW_MAX_LINE ? FOLLOW_MAX_LINE
				                                     : ff->partial.len,
				   ff->partial.len > FOLLOW_MAX_LINE);
				lines++;
			}
			close(ff->fd);
			open_file(ff);
			lines += drain(ff, fn, arg);
		} else if (st.st_size < ff->off) { /* truncated in place (copytruncate) */
			lseek(ff->fd, 0, SEEK_SET);
			ff->off = 0;
			strbuf_reset(&ff->partial);
			lines += drain(ff, fn, arg);
		}
	}
	return lines;
}

int follow_stage(struct follow_set *f, uint64_t seq, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT, tmp = STRBUF_INIT;
	int fd, r = 0;

	strbuf_addf(&data, "seq %" PRIu64 "\n", seq);
	for (size_t i = 0; i < f->nr; i++) {
		const struct follow_file *ff = &f->files[i];
		if (ff->fd >= 0)
			strbuf_addf(&data, "%llu %llu %llu %s\n", (unsigned long long)ff->dev,
			            (unsigned long long)ff->ino,
			            (unsigned long long)(ff->off - (off_t)ff->partial.len),
			            ff->path);
	}
	strbuf_addf(&tmp, "%s.tmp", f->pending);
	errno = 0;
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, data.buf, data.len) != (ssize_t)data.len || fsync(fd) < 0) {
		r = errno ? -errno : -EIO;
		error_set(err, "cannot write '%s': %s", tmp.buf, strerror(-r));
	}
	if (fd >= 0 && close(fd) < 0 && r == 0) {
		r = -errno;
		error_set(err, "cannot write '%s': %s", tmp.buf, strerror(-r));
	}
	if (r == 0)
		r = rename_synced(tmp.buf, f->pending, err);
	if (r < 0)
		unlink(tmp.buf);
	strbuf_release(&data);
	strbuf_release(&tmp);
	return r;
}

int follow_commit(struct follow_set *f, struct strbuf *err)
{
	int r = rename_synced(f->pending, f->state, err);

	f->uncommitted = r < 0;
	return r;
}

int follow_recommit(struct follow_set *f, struct strbuf *err)
{
	int r;

	if (!f->uncommitted)
		return 0;
	if (access(f->pending, F_OK) == 0) /* the rename was not made */
		r = rename_synced(f->pending, f->state, err);
	else if (errno != ENOENT) {
		r = -errno;
		error_set(err, "cannot read '%s': %s", f->pending, strerror(-r));
	} else
		r = fs_sync_parent(f->state, err);
	f->uncommitted = r < 0;
	return r;
}
