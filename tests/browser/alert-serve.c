/*
 * alert-serve: mamori itself (src/main.c, its main renamed mamori_main by meson), with the log
 * analysis's raising driven by a file, for the alert page's browser test (alerts.test.js): the
 * only way to make a real server drop, hold and retry alerts on demand while everything else
 * (the web door, the log ingest, the index) works.
 *
 * ALERT_SERVE_MAX_PENDING: how many alerts may wait to be raised (10,000 in mamori).
 * ALERT_SERVE_STUCK_MS: how long raising fails (6 tries at least) before the analysis says it
 * is stuck (a minute in mamori).
 * ALERT_SERVE_CTL: a file whose first word says what each raise does, read at every raise:
 *   ok       raised (alert_raise), as in mamori
 *   eio      fails with -EIO, "disk I/O error" (may pass: kept and tried again)
 *   corrupt  fails with -EPROTO, as SQLite's CORRUPT (the database is damaged)
 * A missing file is ok.
 */
#undef main
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "cli/cli.h"
#include "core/alert.h"
#include "monitor/monitor.h"

int mamori_main(int argc, char **argv);

static const char *ctl;

static int raise_ctl(struct door *d, const struct alert_input *in, int64_t *ret_id,
                     uint64_t *ret_ledger_index, struct strbuf *err)
{
	char word[16] = "ok";
	FILE *fp = ctl ? fopen(ctl, "r") : NULL;

	if (fp) {
		if (fscanf(fp, "%15s", word) != 1)
			strcpy(word, "ok");
		fclose(fp);
	}
	if (!strcmp(word, "eio")) {
		error_set(err, "disk I/O error (injected by alert-serve)");
		return -EIO;
	}
	if (!strcmp(word, "corrupt")) {
		error_set(err, "database disk image is malformed (injected by alert-serve)");
		return -EPROTO;
	}
	return alert_raise(d, in, ret_id, ret_ledger_index, err);
}

static void hook(struct monitor_options *o)
{
	const char *max = getenv("ALERT_SERVE_MAX_PENDING");
	const char *stuck = getenv("ALERT_SERVE_STUCK_MS");

	o->raise = raise_ctl;
	if (max)
		o->max_pending = (unsigned)strtoul(max, NULL, 10);
	if (stuck)
		o->stuck_ms = strtoll(stuck, NULL, 10);
}

int main(int argc, char **argv)
{
	ctl = getenv("ALERT_SERVE_CTL");
	serve_monitor_test_hook = hook;
	return mamori_main(argc, argv);
}
