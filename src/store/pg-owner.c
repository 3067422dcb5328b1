/* pg-owner: one thread at a time on a PostgreSQL connection (store/pg-owner.h). */
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "store/pg-owner.h"

#ifndef NDEBUG
static _Thread_local char self_anchor; /* its address tells the threads apart */

static uintptr_t self(void)
{
	return (uintptr_t)&self_anchor;
}

static int self_tid(void)
{
	return (int)syscall(SYS_gettid);
}

/* A caller's bug (not an input's): said on stderr for the developer, then abort. */
static _Noreturn void clash(const struct pg_owner *o, const char *how, int other, const char *what)
{
	(void)fprintf(stderr,
	              "mamori: internal error: thread %d used a PostgreSQL connection (%s) %s "
	              "thread %d (%s); a connection belongs to one thread at a time\n",
	              self_tid(), what ? what : "?", how, other,
	              atomic_load(&o->what) ? atomic_load(&o->what) : "?");
	void *frames[32];
	backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
	abort();
}
#endif

void pg_owner_enter(struct pg_owner *o, const char *what)
{
#ifndef NDEBUG
	uintptr_t me = self(), none = 0, txn = atomic_load(&o->txn);

	if (txn && txn != me)
		clash(o, "inside the transaction of", atomic_load(&o->txn_tid), what);
	if (!atomic_compare_exchange_strong(&o->busy, &none, me))
		clash(o, "while it was in use by", atomic_load(&o->busy_tid), what);
	atomic_store(&o->busy_tid, self_tid());
	atomic_store(&o->what, what);
#else
	(void)o;
	(void)what;
#endif
}

void pg_owner_leave(struct pg_owner *o, bool in_txn)
{
#ifndef NDEBUG
	if (in_txn) {
		atomic_store(&o->txn_tid, atomic_load(&o->busy_tid));
		atomic_store(&o->txn, self());
	} else {
		atomic_store(&o->txn, 0);
	}
	atomic_store(&o->busy, 0);
#else
	(void)o;
	(void)in_txn;
#endif
}
