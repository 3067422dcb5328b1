/* spool: numbered batch files written atomically, oldest first, dropping new ones when full. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/spool.h"
#include "base/cleanup.h"
#include "base/fsdir.h"

static int write_synced(const char *dir, const char *name, const void *data, size_t len,
                        struct strbuf *err)
{
	struct strbuf tmp = STRBUF_INIT, path = STRBUF_INIT;
	int fd, r = 0;

	strbuf_addf(&tmp, "%s/.%s.tmp", dir, name);
	strbuf_addf(&path, "%s/%s", dir, name);
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) < 0) {
		r = errno ? -errno : -EIO;
		error_set(err, "cannot write '%s': %s", tmp.buf, strerror(-r));
	}
	if (fd >= 0 && close(fd) < 0 && r == 0) {
		r = -errno;
		error_set(err, "cannot write '%s': %s", tmp.buf, strerror(-r));
	}
	if (r == 0 && rename(tmp.buf, path.buf) < 0) {
		r = -errno;
		error_set(err, "cannot rename '%s': %s", tmp.buf, strerror(-r));
	}
	if (r < 0)
		unlink(tmp.buf);
	else
		r = fs_sync_dir(dir, err); /* the new name made durable */
	strbuf_release(&tmp);
	strbuf_release(&path);
	return r;
}

static int read_number(const char *dir, const char *name, uint64_t *ret)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	int r;

	strbuf_addf(&path, "%s/%s", dir, name);
	r = strbuf_read_file(&sb, path.buf, 64);
	if (r == 0) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(sb.buf, &end, 10);
		if (errno || end == sb.buf || (*end && *end != '\n'))
			r = -EINVAL;
		else
			*ret = v;
	}
	strbuf_release(&path);
	strbuf_release(&sb);
	return r;
}

static int write_number(const char *dir, const char *name, uint64_t v, struct strbuf *err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", v);

	return write_synced(dir, name, buf, (size_t)n, err);
}

static const char *const kind_ext[] = { [SPOOL_FIM] = ".json", [SPOOL_LOGS] = ".ndjson" };

static bool batch_name(const char *name, uint64_t *ret, enum spool_kind *ret_kind)
{
	char *end;

	if (strlen(name) < 21)
		return false;
	if (!strcmp(name + 20, kind_ext[SPOOL_FIM]))
		*ret_kind = SPOOL_FIM;
	else if (!strcmp(name + 20, kind_ext[SPOOL_LOGS]))
		*ret_kind = SPOOL_LOGS;
	else
		return false;
	errno = 0;
	*ret = strtoull(name, &end, 10);
	return !errno && end == name + 20;
}

int spool_open(const char *state_dir, const char *name, size_t max_bytes, size_t max_files,
               struct agent_spool *ret, struct strbuf *err)
{
	struct agent_spool s = { .max_bytes = max_bytes, .max_files = max_files };
	struct strbuf dir = STRBUF_INIT;
	struct dirent *de;
	uint64_t highest = 0;
	DIR *dp;
	int r;

	strbuf_addf(&dir, "%s/%s", state_dir, name);
	if (mkdir(dir.buf, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		error_set(err, "cannot create '%s': %s", dir.buf, strerror(-r));
		strbuf_release(&dir);
		return r;
	}
	dp = opendir(dir.buf);
	if (!dp) {
		r = -errno;
		error_set(err, "cannot read '%s': %s", dir.buf, strerror(-r));
		strbuf_release(&dir);
		return r;
	}
	while ((de = readdir(dp))) {
		uint64_t seq;
		enum spool_kind kind;
		struct stat st;
		if (!batch_name(de->d_name, &seq, &kind) ||
		    fstatat(dirfd(dp), de->d_name, &st, 0) < 0)
			continue;
		s.files++;
		s.bytes += (size_t)st.st_size;
		if (seq > highest)
			highest = seq;
	}
	closedir(dp);
	s.dir = strbuf_detach(&dir, NULL);
	if (read_number(s.dir, "next", &s.next_seq) < 0)
		s.next_seq = 0;
	s.next_durable = s.next_seq; /* what the file says */
	if (s.next_seq <= highest)
		s.next_seq = highest + 1;
	if (read_number(s.dir, "dropped", &s.dropped) < 0)
		s.dropped = 0;
	*ret = s;
	return 0;
}

void spool_close(struct agent_spool *s)
{
	free(s->dir);
	free(s->stuck);
	memset(s, 0, sizeof(*s));
}

int spool_held(struct agent_spool *s, struct strbuf *err)
{
	if (!s->stuck)
		return 0;
	if (unlink(s->stuck) < 0 && errno != ENOENT) {
		int r = -errno;
		error_set(err,
		          "cannot remove '%s', a batch that could not be spooled: %s; nothing is "
		          "taken into '%s' or sent from it until it is removed (tried again each "
		          "tick): check the disk",
		          s->stuck, strerror(-r), s->dir);
		return r;
	}
	free(s->stuck);
	s->stuck = NULL;
	s->unsynced = true;     /* its removal synced before the next batch */
	if (s->stuck_dropped) { /* the count it carried is counted again, into the next batch */
		spool_untake_dropped(s, s->stuck_dropped);
		s->stuck_dropped = 0;
	}
	return 0;
}

int spool_reserve(struct agent_spool *s, uint64_t *ret_seq, struct strbuf *err)
{
	int r = spool_held(s, err);

	if (r < 0)
		return r;
	if (s->unsynced) {
		r = fs_sync_dir(s->dir, err);
		if (r < 0)
			return r;
		s->unsynced = false;
	}
	/* Kept only once the batch is spooled (or dropped): an agent stopped in between uses
	 * the number again, so the server never sees a gap where nothing was lost. */
	*ret_seq = s->next_seq++;
	return 0;
}

int spool_put(struct agent_spool *s, uint64_t seq, enum spool_kind kind, const char *data,
              size_t len, struct strbuf *err)
{
	char name[32];
	int r;

	if (s->files + 1 > s->max_files || s->bytes + len > s->max_bytes) {
		s->dropped++;
		write_number(s->dir, "dropped", s->dropped, NULL);
		/* a dropped batch used its number (the server learns of it by the count) */
		if (write_number(s->dir, "next", s->next_seq, NULL) == 0)
			s->next_durable = s->next_seq;
		error_set(err,
		          "the spool is full (%zu batches, %zu bytes): batch %" PRIu64 " dropped",
		          s->files, s->bytes, seq);
		return -ENOSPC;
	}
	snprintf(name, sizeof(name), "%020" PRIu64 "%s", seq, kind_ext[kind]);
	r = write_synced(s->dir, name, data, len, err);
	if (r < 0) {
		/* Not spooled, so not kept either (its name may not survive a power loss): a log
		 * batch's lines are read again and must not go twice; a file integrity batch is
		 * dropped (said by the caller; a check is made again next tick). */
		struct strbuf path = STRBUF_INIT;
		strbuf_addf(&path, "%s/%s", s->dir, name);
		if (unlink(path.buf) == 0) {
			if (fs_sync_dir(s->dir, NULL) < 0)
				s->unsynced = true;
		} else if (errno != ENOENT) {
			/* Left whole under its name: held until removed (spool_held), or the lines
			 * read again would go beside it. */
			struct strbuf why = STRBUF_INIT;
			int e = errno;
			strbuf_addstr(&why, err ? err->buf : "");
			error_set(err,
			          "%s; and the batch '%s' could not be removed (%s): nothing is "
			          "taken into the spool or sent from it until it is (tried again "
			          "each tick)",
			          why.buf, path.buf, strerror(e));
			strbuf_release(&why);
			free(s->stuck);
			s->stuck = strbuf_detach(&path, NULL);
		}
		strbuf_release(&path);
	} else {
		s->files++;
		s->bytes += len;
		/* Failing here is harmless while the batch is kept (spool_open counts past it);
		 * spool_sendable writes it again before the batch may go. */
		if (write_number(s->dir, "next", s->next_seq, NULL) == 0)
			s->next_durable = s->next_seq;
	}
	return r;
}

int spool_sendable(struct agent_spool *s, uint64_t seq, struct strbuf *err)
{
	int r;

	if (seq < s->next_durable)
		return 0;
	r = write_number(s->dir, "next", s->next_seq, err);
	if (r == 0)
		s->next_durable = s->next_seq;
	return r;
}

uint64_t spool_take_dropped(struct agent_spool *s)
{
	uint64_t n = s->dropped;

	if (n) {
		s->dropped = 0;
		write_number(s->dir, "dropped", 0, NULL);
	}
	return n;
}

void spool_untake_dropped(struct agent_spool *s, uint64_t n)
{
	s->dropped += n;
	write_number(s->dir, "dropped", s->dropped, NULL);
}

int spool_oldest(struct agent_spool *s, uint64_t *ret_seq, enum spool_kind *ret_kind,
                 struct strbuf *out, struct strbuf *err)
{
	DIR *dp = opendir(s->dir);
	struct dirent *de;
	uint64_t best = 0;
	enum spool_kind best_kind = SPOOL_FIM;
	bool any = false;
	int r;

	if (!dp) {
		r = -errno;
		error_set(err, "cannot read '%s': %s", s->dir, strerror(-r));
		return r;
	}
	while ((de = readdir(dp))) {
		uint64_t seq;
		enum spool_kind kind;
		if (batch_name(de->d_name, &seq, &kind) && (!any || seq < best)) {
			best = seq;
			best_kind = kind;
			any = true;
		}
	}
	closedir(dp);
	if (!any)
		return 0;
	struct strbuf path = STRBUF_INIT;
	strbuf_addf(&path, "%s/%020" PRIu64 "%s", s->dir, best, kind_ext[best_kind]);
	r = strbuf_read_file(out, path.buf, s->max_bytes);
	if (r < 0)
		error_set(err, "cannot read '%s': %s", path.buf, strerror(-r));
	strbuf_release(&path);
	if (r < 0)
		return r;
	*ret_seq = best;
	*ret_kind = best_kind;
	return 1;
}

int spool_remove(struct agent_spool *s, uint64_t seq, enum spool_kind kind, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	int r = 0;

	strbuf_addf(&path, "%s/%020" PRIu64 "%s", s->dir, seq, kind_ext[kind]);
	if (stat(path.buf, &st) == 0 && unlink(path.buf) == 0) {
		s->files--;
		s->bytes -= (size_t)st.st_size < s->bytes ? (size_t)st.st_size : s->bytes;
	} else if (errno != ENOENT) {
		r = -errno;
		error_set(err, "cannot remove '%s': %s", path.buf, strerror(-r));
	}
	strbuf_release(&path);
	return r;
}

bool spool_has(const struct agent_spool *s, uint64_t seq, enum spool_kind kind)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	bool r;

	strbuf_addf(&path, "%s/%020" PRIu64 "%s", s->dir, seq, kind_ext[kind]);
	r = stat(path.buf, &st) == 0;
	strbuf_release(&path);
	return r;
}
