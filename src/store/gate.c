/*
 * gate: the write gate: one queue, in arrival order, for the write transactions of one
 * database within this process.
 *
 * SQLite lets one connection write at a time; a connection that finds the database locked
 * sleeps and retries (the busy handler), so a writer that commits batch after batch (the
 * ingest's ledger writer) takes the lock again before a sleeping one wakes, and the door's
 * act waited hundreds of milliseconds behind it. Every store_begin (outer level) of this
 * process takes a ticket here first and waits its turn, so an act waits for at most the
 * transactions that asked before it. Other processes (a `mamori` command beside the
 * server) still meet SQLite's busy handler.
 *
 * The gate is also this process's record of the database file's latch (store/wal.c): set when
 * a sync of the file or a checkpoint into it failed, it outlives every connection.
 *
 * A thread that already holds a gate does not queue again (nested stores of one thread),
 * and a wait longer than GATE_WAIT_MS gives up the turn order and lets SQLite decide as
 * before, so the gate can delay a writer but never lock it out.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "base/cleanup.h"
#include "store/store-internal.h"

#define GATE_WAIT_MS 5000 /* as long as the busy timeout */

/* A thread waiting its turn (on its stack), in the gate's queue. */
struct waiter {
	struct waiter *next;
};

struct store_gate {
	dev_t dev;
	ino_t ino;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool busy;            /* a writer of this process is inside */
	struct waiter *queue; /* waiting, first come first */
	/* the database file failed (wal.c's latch): set once, never cleared; why, once set */
	atomic_bool failed;
	char *why;
	/* a descriptor of the file kept open once pinned (the latch, or store_gate_pin), so its
	 * inode is not another file's while we live; never closed (closing it would drop this
	 * process's locks on the file); -1: it could not be opened (for want of descriptors: not
	 * pinned, tried again) */
	bool pinned;
	int pin;
	struct store_gate *next;
};

/* the latch of a database whose gate could not be made (stat failed): latches them all */
static struct store_gate no_gate;
static pthread_mutex_t gates_mu = PTHREAD_MUTEX_INITIALIZER;
static struct store_gate *gates; /* lives as long as the process (one per database file) */
static _Thread_local int held;   /* gates this thread holds */

struct store_gate *store_gate_for(const char *path)
{
	struct store_gate *g;
	struct stat sb;

	if (stat(path, &sb) < 0)
		return NULL;
	pthread_mutex_lock(&gates_mu);
	for (g = gates; g; g = g->next)
		if (g->dev == sb.st_dev && g->ino == sb.st_ino)
			break;
	if (!g) {
		g = xcalloc(1, sizeof(*g));
		g->dev = sb.st_dev;
		g->ino = sb.st_ino;
		pthread_mutex_init(&g->mu, NULL);
		pthread_cond_init(&g->cv, NULL);
		g->next = gates;
		gates = g;
	}
	pthread_mutex_unlock(&gates_mu);
	return g;
}

static void unqueue(struct store_gate *g, struct waiter *w)
{
	struct waiter **p = &g->queue;

	while (*p && *p != w)
		p = &(*p)->next;
	if (*p)
		*p = w->next;
}

bool store_gate_enter(struct store_gate *g)
{
	struct waiter self = { 0 }, **tail;
	struct timespec deadline;
	bool mine = true;

	if (!g || held > 0)
		return false;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += GATE_WAIT_MS / 1000;
	pthread_mutex_lock(&g->mu);
	for (tail = &g->queue; *tail; tail = &(*tail)->next)
		;
	*tail = &self;
	while (g->busy || g->queue != &self) {
		if (pthread_cond_timedwait(&g->cv, &g->mu, &deadline) == ETIMEDOUT &&
		    (g->busy || g->queue != &self)) {
			mine = false; /* waited too long: SQLite's busy handler decides */
			break;
		}
	}
	unqueue(g, &self);
	if (mine)
		g->busy = true;
	else
		pthread_cond_broadcast(&g->cv); /* the next in the queue may be first now */
	pthread_mutex_unlock(&g->mu);
	if (mine)
		held++;
	return mine;
}

void store_gate_leave(struct store_gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->busy = false;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	held--;
}

int store_gate_waiting(struct store *st)
{
	struct store_gate *g = st->gate;
	int n = 0;

	if (!g)
		return 0;
	pthread_mutex_lock(&g->mu);
	for (struct waiter *w = g->queue; w; w = w->next)
		n++;
	pthread_mutex_unlock(&g->mu);
	return n;
}

/* With gates_mu held: g's descriptor of the file at path, opened on first use. An open that
 * failed for want of descriptors (EMFILE, ENFILE: a loaded server's moment) is tried again at
 * the next ask (it was -1 for the rest of the process: no prefetch, no write-behind for the
 * gather VFS's files, no inode kept by the latch); any other failure is for good. */
static int pin_locked(struct store_gate *g, const char *path)
{
	if (g->pinned)
		return g->pin;
	g->pin = g == &no_gate ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	g->pinned = g->pin >= 0 || g == &no_gate || (errno != EMFILE && errno != ENFILE);
	return g->pin;
}

int store_gate_pin(struct store_gate *g, const char *path)
{
	int fd;

	if (!g)
		return -1;
	pthread_mutex_lock(&gates_mu);
	fd = pin_locked(g, path);
	pthread_mutex_unlock(&gates_mu);
	return fd;
}

bool store_gate_latch(struct store_gate *g, const char *path, const char *why)
{
	bool first;

	if (!g)
		g = &no_gate;
	pthread_mutex_lock(&gates_mu);
	first = !atomic_load(&g->failed);
	if (first) {
		g->why = xstrdup(why); /* lives as long as the gate */
		(void)pin_locked(g, path);
		atomic_store(&g->failed, true);
	}
	pthread_mutex_unlock(&gates_mu);
	return first;
}

bool store_gate_latched(struct store_gate *g, struct strbuf *why)
{
	if (!g || (!atomic_load(&g->failed) && atomic_load(&no_gate.failed)))
		g = &no_gate;
	if (!atomic_load(&g->failed))
		return false;
	if (why) {
		pthread_mutex_lock(&gates_mu);
		error_set(why, "%s", g->why);
		pthread_mutex_unlock(&gates_mu);
	}
	return true;
}

bool store_gate_any_latched(struct strbuf *why)
{
	bool found = false;

	pthread_mutex_lock(&gates_mu);
	for (struct store_gate *g = &no_gate; g && !found; g = g == &no_gate ? gates : g->next) {
		found = atomic_load(&g->failed);
		if (found && why)
			error_set(why, "%s", g->why);
	}
	pthread_mutex_unlock(&gates_mu);
	return found;
}
