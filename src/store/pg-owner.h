/* pg-owner: a PostgreSQL connection is used by one thread at a time (libpq is not thread-safe
 * per connection), and a transaction open on it by its thread alone. */
#ifndef MAMORI_STORE_PG_OWNER_H
#define MAMORI_STORE_PG_OWNER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * SQLite's serialized mode made a connection shared by two threads merely slow; on libpq the
 * second thread reads the first one's answers off the socket, and both then wait for data that
 * never comes (a door's batch waiting forever for its ROLLBACK's result). store/pg.c enters
 * every call that talks to the server and leaves it afterwards; a second thread entering
 * while the first is inside, or using the connection while another thread's transaction is
 * open on it, is a bug in the caller: the process stops at once (abort) naming both, rather
 * than hang later where the cause cannot be seen. Compiled out with NDEBUG.
 */
struct pg_owner {
	atomic_uintptr_t busy; /* the thread inside a call on the connection, or 0 */
	atomic_uintptr_t txn;  /* the thread whose transaction is open on the connection, or 0 */
	atomic_int busy_tid;   /* their thread ids, for the report */
	atomic_int txn_tid;
	_Atomic(const char *) what; /* what the busy thread is doing (its statement) */
};

/* Called before a call on the connection: what says which (for the report). */
void pg_owner_enter(struct pg_owner *o, const char *what);
/* Called after it: in_txn, the connection is in a transaction afterwards (PQtransactionStatus
 * not idle): until it is not, only this thread may use it. */
void pg_owner_leave(struct pg_owner *o, bool in_txn);

#endif
