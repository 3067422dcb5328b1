/* tmpdir: the scratch data directory every unit test needs: made fresh under $TMPDIR (else /tmp),
 * a store created in it, and removed whole afterwards (no shell). */
#ifndef MAMORI_TEST_UNIT_TMPDIR_H
#define MAMORI_TEST_UNIT_TMPDIR_H

#include <stddef.h>

#include "base/strbuf.h"
#include "store/store.h"

/*
 * Makes a new directory "$TMPDIR/mamori-<tag>-XXXXXX" (mode 0700; /tmp where TMPDIR is unset or
 * empty) and writes its name into dir (cap bytes). 0, or -1 with why on stderr: the name does not
 * fit in cap (a long TMPDIR), or mkdtemp failed.
 */
int tmpdir_make(char *dir, size_t cap, const char *tag);

/*
 * Removes dir and everything below it without following symbolic links (no shell: openat and
 * unlinkat, so a tree deeper than PATH_MAX goes too); directories a test made unreadable or
 * unwritable are opened up first. A dir that is not there is not an error; a file is removed.
 * 0, or -1 with the entry that could not be removed on stderr.
 */
int tmpdir_remove(const char *dir);

/*
 * Creates the store in dir (store_open with STORE_CREATE | flags). With st, *st is the open store;
 * with st NULL it is closed again (the tables made once). 0, or -1 with the store's message on
 * stderr (err holds it too).
 */
int tmpdir_store(const char *dir, unsigned flags, struct store **st, struct strbuf *err);

/* The fixture of tests that need only the directory and an error buffer (cmocka's *state). */
struct tmpdir_fixture {
	char dir[64];
	struct strbuf err;
};

/*
 * cmocka setup and teardown with a struct tmpdir_fixture: its directory made (tagged with the
 * test program's name) and removed, err initialised and released. tmpdir_setup_store also
 * creates the store in it and closes it again (the tables made once).
 */
int tmpdir_setup(void **state);
int tmpdir_setup_store(void **state);
int tmpdir_teardown(void **state);

#endif
