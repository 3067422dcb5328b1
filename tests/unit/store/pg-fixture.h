/*
 * pg-fixture: the fixture of the cmocka tests on a real PostgreSQL (tests/unit/store/run-pg.sh
 * starts a throwaway cluster and passes its URL in MAMORI_TEST_PG_URL): each test starts from
 * an empty database with Mamori's schema (f->st), a data directory naming it (f->dir) and an
 * empty directory for a SQLite ward (f->sdir). Without the URL the tests skip (NEED_PG).
 */
#ifndef MAMORI_TEST_PG_FIXTURE_H
#define MAMORI_TEST_PG_FIXTURE_H

/* after cmocka.h (its skip()) */
#include <stdio.h>
#include <stdlib.h>

#include "base/strbuf.h"
#include "store/store.h"
#include "tmpdir.h"

struct fixture {
	const char *url;
	char dir[64];  /* a data directory naming the PostgreSQL store */
	char sdir[64]; /* an SQLite data directory, for comparisons */
	struct store *st;
	struct strbuf err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct strbuf cmd = STRBUF_INIT;
	FILE *conf;
	int r;

	strbuf_init(&f->err, 0);
	*state = f;
	f->url = getenv("MAMORI_TEST_PG_URL");
	if (!f->url)
		return 0;
	if (tmpdir_make(f->dir, sizeof(f->dir), "pgtest") < 0 ||
	    tmpdir_make(f->sdir, sizeof(f->sdir), "pgtest") < 0)
		return -1;
	/* every test starts from an empty database */
	strbuf_addf(&cmd,
	            "psql -X -q -v ON_ERROR_STOP=1 '%s' -c 'DROP SCHEMA public CASCADE' "
	            "-c 'CREATE SCHEMA public' >/dev/null 2>&1",
	            f->url);
	r = system(cmd.buf);
	strbuf_release(&cmd);
	if (r != 0)
		return -1;
	if (store_create_url(f->url, &f->st, &f->err) < 0) {
		fprintf(stderr, "store_create_url: %s\n", f->err.buf);
		return -1;
	}
	strbuf_addf(&cmd, "%s/mamori.conf", f->dir);
	conf = fopen(cmd.buf, "w");
	strbuf_release(&cmd);
	if (!conf)
		return -1;
	fprintf(conf, "[store]\nurl = \"%s\"\n", f->url);
	return fclose(conf) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	if (f->url && (tmpdir_remove(f->dir) < 0 || tmpdir_remove(f->sdir) < 0))
		return -1;
	strbuf_release(&f->err);
	free(f);
	return 0;
}

#define NEED_PG(f)                                                                                 \
	do {                                                                                       \
		if (!(f)->url)                                                                     \
			skip();                                                                    \
	} while (0)

#endif
