/* scan: the openat walk of hostile trees, delivering entries in order (the ring) as the hashing
 * threads (scan-hash.c) finish them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/scan-internal.h"

/* ---- the ordered ring ---- */

enum drain { DRAIN_READY, DRAIN_ONE, DRAIN_ALL };

/*
 * The walker, which must wait for the head of a full ring, hashes the next job itself when
 * it is a small file rather than sleep: it is running already, and a thread woken on a loaded
 * machine may wait long for a core. Called with the lock held; true when it hashed one.
 */
static bool steal(struct scan *sc)
{
	struct slot *j;

	if (sc->job_head == sc->job_tail)
		return false;
	j = &sc->ring[sc->jobs[sc->job_head % RING]];
	if ((uint64_t)j->st.st_size > INLINE_MAX)
		return false;
	sc->job_head++;
	pthread_mutex_unlock(&sc->mu);
	scan_hash_slot(sc->self, j, &sc->st.bytes);
	sc->st.hashed++;
	pthread_mutex_lock(&sc->mu);
	j->state = SLOT_DONE;
	return true;
}

/*
 * Delivers finished entries at the head, in order: those ready (DRAIN_READY), waiting for
 * at least one (DRAIN_ONE: the ring is full) or for all (DRAIN_ALL: the walk is over).
 * Before it waits, the hashing threads are woken for the jobs they have not been told of.
 * Called with the lock held.
 */
static void drain(struct scan *sc, enum drain mode)
{
	while (sc->head != sc->tail) {
		struct slot *s = &sc->ring[sc->head % RING];
		if (s->state != SLOT_DONE) {
			if (mode == DRAIN_READY)
				return;
			if (sc->idle && sc->job_head != sc->job_tail)
				pthread_cond_broadcast(&sc->work_cv);
			if (mode == DRAIN_ONE && steal(sc))
				continue;
			sc->waiting = true;
			pthread_cond_wait(&sc->done_cv, &sc->mu);
			sc->waiting = false;
			continue;
		}
		pthread_mutex_unlock(&sc->mu);
		if (sc->ret == 0) {
			sc->st.entries++;
			if (s->e.problem)
				sc->st.problems++;
			int r = sc->fn(sc->arg, &s->e);
			if (r < 0)
				sc->ret = r;
		}
		pthread_mutex_lock(&sc->mu);
		s->state = SLOT_FREE;
		sc->head++;
		if (mode == DRAIN_ONE)
			mode = DRAIN_READY; /* a slot is free now */
	}
}

/* A free slot at the tail, waiting for the head to finish when the ring is full. */
static struct slot *slot_get(struct scan *sc)
{
	struct slot *s;

	pthread_mutex_lock(&sc->mu);
	drain(sc, sc->tail - sc->head == RING ? DRAIN_ONE : DRAIN_READY);
	pthread_mutex_unlock(&sc->mu);
	s = &sc->ring[sc->tail % RING];
	memset(&s->e, 0, sizeof(s->e));
	s->fd = -1;
	s->want_prefix = false;
	strbuf_reset(&s->path);
	strbuf_reset(&s->link);
	return s;
}

static void slot_put(struct scan *sc, struct slot *s)
{
	s->e.path = s->path.buf;
	s->e.path_len = s->path.len;
	s->e.link = s->link.len ? s->link.buf : NULL;
	s->e.link_len = s->link.len;
	if (s->fd >= 0 && sc->nthreads == 0) {
		scan_hash_slot(sc->self, s, &sc->st.bytes);
		sc->st.hashed++;
	}
	pthread_mutex_lock(&sc->mu);
	if (s->fd >= 0) {
		/* Every file goes to the hashing threads: the walk is the one part that cannot be
		 * shared, so the walking thread does nothing else. A sleeping thread is woken for a
		 * few small files at once, or for a large one. */
		s->state = SLOT_PENDING;
		sc->jobs[sc->job_tail % RING] = (size_t)(s - sc->ring);
		sc->job_tail++;
		if (sc->idle && (sc->job_tail - sc->job_head >= WAKE_JOBS ||
		                 (uint64_t)s->st.st_size > INLINE_MAX))
			pthread_cond_signal(&sc->work_cv);
	} else {
		s->state = SLOT_DONE;
	}
	sc->tail++;
	drain(sc, DRAIN_READY);
	pthread_mutex_unlock(&sc->mu);
}

/* ---- the walk ---- */

static void problem(struct scan *sc, const char *path, size_t len, enum fim_problem what, int err)
{
	sc->st.problems++;
	if (sc->o->problem)
		sc->o->problem(sc->o->arg, path, len > FIM_PATH_MAX ? FIM_PATH_MAX : len, what,
		               err);
}

static void fill_stat(struct fim_entry *e, const struct stat *st)
{
	e->type = (uint8_t)fim_type_of_mode(st->st_mode);
	e->mode = (uint32_t)(st->st_mode & 07777);
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->size = (uint64_t)st->st_size;
	e->blocks = (uint64_t)st->st_blocks;
	e->ino = st->st_ino;
	e->nlink = st->st_nlink;
	e->rdev = (e->type == FIM_TYPE_CHR || e->type == FIM_TYPE_BLK) ? st->st_rdev : 0;
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	e->atime_ns = (int64_t)st->st_atim.tv_sec * 1000000000 + st->st_atim.tv_nsec;
	e->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

/* openat without following links; O_NOATIME when the file's owner allows it. */
static int open_nofollow(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

/* A directory's names: back to back in one buffer, and their order. */
struct name {
	const char *name;
	unsigned char d_type;
};

struct dir_names {
	struct strbuf text; /* the names, each ending in NUL */
	struct name *v;
	size_t nr, alloc;
};

static int names_cmp(const void *a, const void *b)
{
	return strcmp(((const struct name *)a)->name, ((const struct name *)b)->name);
}

/*
 * Reads the names (not . and ..) of the directory open at dirfd, which has just been opened
 * (its offset is 0), sorted bytewise: getdents64 on the descriptor itself, not a DIR stream
 * (which would dup, fcntl, rewind and close it), names kept in one buffer. buf (DENTS_BUF
 * bytes) is the walker's. 0 or -errno: the names read before an error are kept.
 */
static int list_dir(int dirfd, char *buf, struct dir_names *ret)
{
	ssize_t n;
	int e = 0;

	strbuf_init(&ret->text, 0);
	ret->v = NULL;
	ret->nr = ret->alloc = 0;
	while ((n = getdents64(dirfd, buf, DENTS_BUF)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);
			const char *nm = de->d_name;
			off += de->d_reclen;
			if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			ALLOC_GROW(ret->v, ret->nr, ret->alloc);
			/* offsets while the buffer grows; pointers below */
			ret->v[ret->nr].name = (const char *)(uintptr_t)ret->text.len;
			ret->v[ret->nr].d_type = de->d_type;
			ret->nr++;
			strbuf_add(&ret->text, nm, strlen(nm) + 1);
		}
	}
	for (size_t i = 0; i < ret->nr; i++)
		ret->v[i].name = ret->text.buf + (uintptr_t)ret->v[i].name;
	if (ret->nr)
		qsort(ret->v, ret->nr, sizeof(*ret->v), names_cmp);
	return -e;
}

static unsigned type_of_dtype(unsigned char t)
{
	switch (t) {
	case DT_REG:
		return FIM_TYPE_FILE;
	case DT_DIR:
		return FIM_TYPE_DIR;
	case DT_LNK:
		return FIM_TYPE_LINK;
	case DT_CHR:
		return FIM_TYPE_CHR;
	case DT_BLK:
		return FIM_TYPE_BLK;
	case DT_FIFO:
		return FIM_TYPE_FIFO;
	case DT_SOCK:
		return FIM_TYPE_SOCK;
	default:
		return FIM_TYPE_NONE;
	}
}

static void walk_dir(struct scan *sc, int dirfd, int depth);

/* A directory's own entry goes before what it holds; dfd (or -1) is its open descriptor. */
/* What visit learnt of a name: what it is now, its rule, and what was opened. */
struct look {
	unsigned type;
	const struct fim_rule *rule;
	bool descend;
	struct stat st;
	int fd;   /* the regular file, opened to be read, or -1 */
	int dfd;  /* the directory, opened to be entered or read, or -1 */
	int derr; /* why the directory could not be opened (ESTALE: replaced) */
};

/* A regular file of the directory opened ahead through the walker's ring (walk_dir). */
struct pre_open {
	const struct fim_rule *rule; /* its rule, selected already */
	int fd;                      /* opened, or -1: look_at opens it itself */
	bool known;                  /* rule is set */
};

/*
 * Looks at name in dirfd (sc->path its path) once: the descriptor of what will be read or
 * entered gives its fstat, else fstatat. Returns 1 with lk filled, 0 when no rule wants it
 * and no rule lies below it, -1 with errno when it could not be looked at.
 */
static int look_at(struct scan *sc, int dirfd, const char *name, unsigned char d_type,
                   struct pre_open *pre, struct look *lk)
{
	struct strbuf *path = &sc->path;
	bool stated = false;

	lk->type = type_of_dtype(d_type);
	if (lk->type == FIM_TYPE_NONE) {
		if (fstatat(dirfd, name, &lk->st, AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
		stated = true;
		lk->type = fim_type_of_mode(lk->st.st_mode);
	}
	if (pre && pre->known && lk->type == FIM_TYPE_FILE)
		lk->rule = pre->rule;
	else
		lk->rule = fim_config_select(sc->c, sc->m, path->buf, path->len, lk->type);
	if (lk->type == FIM_TYPE_DIR)
		lk->descend = fim_config_descend(sc->c, sc->m, path->buf, path->len);
	if (!lk->rule && !lk->descend)
		return 0;
	if (!stated && lk->type == FIM_TYPE_FILE && lk->rule &&
	    (lk->rule->attrs & (FIM_BIT(FIM_ATTR_SHA256) | NEEDS_FD))) {
		/* A file to be read: its descriptor's fstat is its lstat (one look, not two). */
		if (pre && pre->fd >= 0) {
			lk->fd = pre->fd; /* opened ahead, as open_nofollow would have */
			pre->fd = -1;
		} else {
			lk->fd = open_nofollow(dirfd, name, O_RDONLY | O_NONBLOCK);
		}
		if (lk->fd >= 0 && fstat(lk->fd, &lk->st) == 0 && S_ISREG(lk->st.st_mode)) {
			stated = true;
		} else if (lk->fd >= 0) {
			close(lk->fd);
			lk->fd = -1;
		}
	}
	if (!stated && lk->type == FIM_TYPE_DIR &&
	    (lk->descend || (lk->rule && (lk->rule->attrs & NEEDS_FD)))) {
		/* A directory to be entered or read: its descriptor's fstat is its lstat too. */
		lk->dfd = open_nofollow(dirfd, name, O_RDONLY | O_DIRECTORY);
		lk->derr = lk->dfd < 0 ? errno : 0;
		if (lk->dfd >= 0 && fstat(lk->dfd, &lk->st) == 0) {
			stated = true;
		} else if (lk->dfd >= 0) {
			lk->derr = errno;
			close(lk->dfd);
			lk->dfd = -1;
		}
	}
	if (!stated) {
		if (fstatat(dirfd, name, &lk->st, AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
		if (fim_type_of_mode(lk->st.st_mode) !=
		    lk->type) { /* replaced since it was listed */
			lk->type = fim_type_of_mode(lk->st.st_mode);
			lk->rule = fim_config_select(sc->c, sc->m, path->buf, path->len, lk->type);
			lk->descend = lk->type == FIM_TYPE_DIR &&
			              fim_config_descend(sc->c, sc->m, path->buf, path->len);
			if (!lk->rule && !lk->descend)
				return 0;
		}
	}
	if (lk->type == FIM_TYPE_DIR && lk->dfd < 0 && !lk->derr &&
	    (lk->descend || (lk->rule && (lk->rule->attrs & NEEDS_FD)))) {
		/* listed as something else, a directory now: open it and make sure it is the one
		 * looked at */
		struct stat dst;
		lk->dfd = open_nofollow(dirfd, name, O_RDONLY | O_DIRECTORY);
		lk->derr = lk->dfd < 0 ? errno : 0;
		if (lk->dfd >= 0 && (fstat(lk->dfd, &dst) < 0 || dst.st_ino != lk->st.st_ino ||
		                     dst.st_dev != lk->st.st_dev)) {
			close(lk->dfd);
			lk->dfd = -1;
			lk->derr = ESTALE;
		}
	}
	return 1;
}

/* A regular file of slot s to be hashed: its descriptor handed to the slot (lk->fd taken). */
static void give_file(struct scan *sc, struct slot *s, int dirfd, const char *name, struct look *lk)
{
	struct fim_entry *e = &s->e;
	int fd = lk->fd;

	if (fd >= 0) {
		s->st = lk->st; /* opened above: st is its fstat */
	} else {
		/* O_NONBLOCK: swapped for a FIFO, opening would not hang. */
		fd = open_nofollow(dirfd, name, O_RDONLY | O_NONBLOCK);
		if (fd < 0) {
			e->problem = errno == ELOOP ? FIM_REPLACED : FIM_UNREADABLE;
			e->err = errno;
		} else if (fstat(fd, &s->st) < 0 || !S_ISREG(s->st.st_mode) ||
		           s->st.st_ino != lk->st.st_ino || s->st.st_dev != lk->st.st_dev) {
			e->problem = FIM_REPLACED;
			close(fd);
			fd = -1;
		}
	}
	lk->fd = -1;
	if (fd >= 0) {
		fill_stat(e, &s->st);
		s->fd = fd;
		if ((e->attrs & FIM_BIT(FIM_ATTR_GROWING)) && sc->o->prefix &&
		    sc->o->prefix(sc->o->arg, sc->path.buf, sc->path.len, &e->prefix_size) > 0 &&
		    e->prefix_size <= e->size)
			s->want_prefix = true;
	}
}

/* The entry of what lk looked at, with what its rule asks for, into the ring. */
static void record(struct scan *sc, int dirfd, const char *name, int depth, struct look *lk)
{
	struct slot *s = slot_get(sc);
	struct fim_entry *e = &s->e;
	unsigned type = lk->type;

	strbuf_add(&s->path, sc->path.buf, sc->path.len);
	fill_stat(e, &lk->st);
	e->attrs = lk->rule->attrs;
	if (type == FIM_TYPE_DIR && lk->dfd < 0 && (lk->descend || (e->attrs & NEEDS_FD))) {
		e->problem = lk->derr == ESTALE ? FIM_REPLACED : FIM_NO_ENTER;
		e->err = lk->derr;
	} else if (type == FIM_TYPE_DIR && depth + 1 > FIM_DEPTH_MAX && lk->descend) {
		e->problem = FIM_TOO_DEEP;
	}
	if (type == FIM_TYPE_LINK && (e->attrs & FIM_BIT(FIM_ATTR_LINK))) {
		strbuf_grow(&s->link, FIM_LINK_MAX + 1);
		ssize_t n = readlinkat(dirfd, name, s->link.buf, FIM_LINK_MAX + 1);
		if (n < 0 || n > FIM_LINK_MAX) {
			e->problem = FIM_UNREADABLE;
			e->err = n < 0 ? errno : ENAMETOOLONG;
		} else {
			strbuf_setlen(&s->link, (size_t)n);
		}
	}
	if (type == FIM_TYPE_FILE && (e->attrs & (FIM_BIT(FIM_ATTR_SHA256) | NEEDS_FD))) {
		give_file(sc, s, dirfd, name, lk);
	} else if (type == FIM_TYPE_DIR && lk->dfd >= 0) {
		scan_read_xattrs(sc->self, lk->dfd, NULL, e);
		scan_read_flags(lk->dfd, e);
	} else if (type != FIM_TYPE_FILE && type != FIM_TYPE_DIR) {
		scan_read_xattrs(sc->self, -1, sc->path.buf, e);
	}
	slot_put(sc, s);
}

static void visit(struct scan *sc, int dirfd, const char *name, unsigned char d_type, int depth,
                  struct pre_open *pre)
{
	struct strbuf *path = &sc->path;
	struct look lk = { .fd = -1, .dfd = -1 };
	size_t base = path->len;
	int r;

	if (path->len + 1 + strlen(name) > FIM_PATH_MAX) {
		strbuf_addf(path, "/%s", name);
		problem(sc, path->buf, path->len, FIM_TOO_DEEP, ENAMETOOLONG);
		strbuf_setlen(path, base);
		return;
	}
	strbuf_addf(path, "/%s", name);
	r = look_at(sc, dirfd, name, d_type, pre, &lk);
	if (r < 0 && errno != ENOENT) /* ENOENT: vanished since it was listed, simply not there */
		problem(sc, path->buf, path->len, FIM_UNREADABLE, errno);
	if (r > 0 && lk.rule)
		record(sc, dirfd, name, depth, &lk);
	if (r > 0 && lk.descend && lk.dfd >= 0 && depth + 1 <= FIM_DEPTH_MAX && sc->ret == 0) {
		walk_dir(sc, lk.dfd, depth + 1);
	} else if (r > 0 && lk.descend && !lk.rule) {
		if (lk.dfd < 0)
			problem(sc, path->buf, path->len,
			        lk.derr == ESTALE ? FIM_REPLACED : FIM_NO_ENTER, lk.derr);
		else if (depth + 1 > FIM_DEPTH_MAX)
			problem(sc, path->buf, path->len, FIM_TOO_DEEP, ELOOP);
	}
	if (lk.fd >= 0)
		close(lk.fd);
	if (lk.dfd >= 0)
		close(lk.dfd);
	strbuf_setlen(path, base);
}

/*
 * Opens ahead, through the walker's ring, the regular files among names [i, i + URING_OPENS)
 * that their rule will have read (one system call for them all, where each cost an openat),
 * with the flags open_nofollow gives. What the ring did not open (an error, EPERM for
 * O_NOATIME, a name listed as a file that is something else now) look_at opens itself, as
 * without the ring. Returns the end of the window.
 */
static size_t open_ahead(struct scan *sc, int dirfd, const struct dir_names *names, size_t i,
                         struct pre_open *pre)
{
	size_t end = i + URING_OPENS < names->nr ? i + URING_OPENS : names->nr, base = sc->path.len;
	const char *want[URING_OPENS];
	int fds[URING_OPENS];
	size_t at[URING_OPENS], n = 0;

	for (size_t k = i; k < end; k++) {
		struct pre_open *p = &pre[k - i];
		const char *nm = names->v[k].name;
		p->fd = -1;
		p->known = false;
		if (names->v[k].d_type != DT_REG || base + 1 + strlen(nm) > FIM_PATH_MAX)
			continue;
		strbuf_addf(&sc->path, "/%s", nm);
		p->rule =
		    fim_config_select(sc->c, sc->m, sc->path.buf, sc->path.len, FIM_TYPE_FILE);
		p->known = true;
		strbuf_setlen(&sc->path, base);
		if (p->rule && (p->rule->attrs & (FIM_BIT(FIM_ATTR_SHA256) | NEEDS_FD))) {
			want[n] = nm;
			at[n++] = k - i;
		}
	}
	if (n >= 2 &&
	    scan_uring_open(sc->opener, dirfd, want, n,
	                    O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOATIME, fds)) {
		for (size_t j = 0; j < n; j++) {
			pre[at[j]].fd = fds[j] >= 0 ? fds[j] : -1;
			sc->st.ring_opens += fds[j] >= 0;
		}
	}
	return end;
}

static void walk_dir(struct scan *sc, int dirfd, int depth)
{
	struct dir_names names;
	struct pre_open pre[URING_OPENS];
	size_t win = 0, win_end = 0, i;
	int r = list_dir(dirfd, sc->dents, &names);

	sc->st.dirs++;
	if (r < 0)
		problem(sc, sc->path.len ? sc->path.buf : "/", sc->path.len ? sc->path.len : 1,
		        FIM_NO_ENTER, -r);
	for (i = 0; i < names.nr && sc->ret == 0; i++) {
		if (sc->opener && i >= win_end) {
			win = i;
			win_end = open_ahead(sc, dirfd, &names, i, pre);
		}
		visit(sc, dirfd, names.v[i].name, names.v[i].d_type, depth,
		      i < win_end ? &pre[i - win] : NULL);
	}
	for (size_t k = win; k < win_end; k++) /* opened and not looked at (the walk stopped) */
		if (pre[k - win].fd >= 0)
			close(pre[k - win].fd);
	strbuf_release(&names.text);
	free(names.v);
}

/* The root "/" itself: an entry if a rule selects it, then its names. */
static void walk_root(struct scan *sc)
{
	const struct fim_rule *rule = fim_config_select(sc->c, sc->m, "/", 1, FIM_TYPE_DIR);
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		problem(sc, "/", 1, FIM_NO_ENTER, errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (rule) {
		struct slot *s = slot_get(sc);
		strbuf_addch(&s->path, '/');
		fill_stat(&s->e, &st);
		s->e.attrs = rule->attrs;
		scan_read_xattrs(sc->self, fd, NULL, &s->e);
		scan_read_flags(fd, &s->e);
		slot_put(sc, s);
	}
	if (fim_config_descend(sc->c, sc->m, "", 0))
		walk_dir(sc, fd, 0);
	close(fd);
}

int fim_scan(const struct fim_config *c, const struct fim_scan_opts *o, fim_entry_fn fn, void *arg,
             struct fim_scan_stats *stats, struct strbuf *err)
{
	static const struct fim_scan_opts defaults = { .threads = -1 };
	struct scan *sc = xcalloc(1, sizeof(*sc));
	int r = 0;

	if (!o)
		o = &defaults;
	sc->c = c;
	sc->o = o;
	sc->fn = fn;
	sc->arg = arg;
	sc->m = fim_matcher_new();
	sc->nthreads = o->threads >= 0 ? o->threads : (c->workers ? c->workers : 2);
	if (sc->nthreads > (int)ARRAY_SIZE(sc->threads))
		sc->nthreads = (int)ARRAY_SIZE(sc->threads);
	/* The walker's hasher: for directories' and links' attributes, and all hashing at 0. */
	sc->self = scan_hasher_new();
	sc->dents = xmalloc(DENTS_BUF);
	strbuf_init(&sc->path, FIM_PATH_MAX + 2);
	for (size_t i = 0; i < RING; i++) {
		strbuf_init(&sc->ring[i].path, 0);
		strbuf_init(&sc->ring[i].link, 0);
		sc->ring[i].fd = -1;
	}
	if (scan_map_min != UINT64_MAX)
		scan_map_prepare();
	/* the walker opens files ahead through its thread's ring when threads hash them (kept) */
	sc->opener = sc->nthreads > 0 ? scan_uring_walker() : NULL;
	pthread_mutex_init(&sc->mu, NULL);
	pthread_cond_init(&sc->work_cv, NULL);
	pthread_cond_init(&sc->done_cv, NULL);
	for (int i = 0; i < sc->nthreads; i++) {
		int e = pthread_create(&sc->threads[i], NULL, scan_worker, sc);
		if (e) {
			error_set(err, "cannot start a hashing thread: %s", strerror(e));
			sc->nthreads = i;
			r = -EAGAIN;
			break;
		}
	}
	if (r == 0)
		walk_root(sc);
	pthread_mutex_lock(&sc->mu);
	drain(sc, DRAIN_ALL);
	sc->stop = true;
	pthread_cond_broadcast(&sc->work_cv);
	pthread_mutex_unlock(&sc->mu);
	for (int i = 0; i < sc->nthreads; i++)
		pthread_join(sc->threads[i], NULL);
	if (r == 0 && sc->ret < 0)
		r = sc->ret;
	if (stats)
		*stats = sc->st;
	for (size_t i = 0; i < RING; i++) {
		if (sc->ring[i].fd >= 0)
			close(sc->ring[i].fd);
		strbuf_release(&sc->ring[i].path);
		strbuf_release(&sc->ring[i].link);
	}
	strbuf_release(&sc->path);
	free(sc->dents);
	scan_hasher_free(sc->self);
	fim_matcher_free(sc->m);
	pthread_mutex_destroy(&sc->mu);
	pthread_cond_destroy(&sc->work_cv);
	pthread_cond_destroy(&sc->done_cv);
	free(sc);
	return r;
}
