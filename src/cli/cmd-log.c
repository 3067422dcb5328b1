/* cmd-log: `mamori log import`: another system's access log, one ledger entry per line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "ledger/ledger.h"

/* Source names are short labels: letters, digits and a few separators. */
static bool source_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-_.:/@", c)))
			return false;
	}
	return true;
}

/*
 * Each non-empty line becomes an ingest entry: the source, the line number,
 * the time it was received, and the raw line as a sealed payload (access
 * logs name people: the payload can be erased at the end of its retention
 * while the entry, and the tree, stay). Entries go through the group-commit
 * writer; the command returns once every line is durable.
 */
static int log_import(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori log import --source NAME [FILE]",
		                             "appends each line of an access log exported by "
		                             "another system (stdin without FILE) "
		                             "as one ingest entry",
		                             NULL };
	const char *source = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "source", &source, "NAME", "the system the log comes from"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT;
	struct ledger_writer *w = NULL;
	const char *file;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t lineno = 0, imported = 0, last_ticket = 0, first = 0, last = 0;
	int n, r = 0, ret = EXIT_FAILED;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n < 0)
		return EXIT_USAGE;
	if (n > 1 || !source) {
		cli_error("%s",
		          !source ? "log import needs --source NAME" : "give one FILE at most");
		print_usage(usage, opts, true);
		return EXIT_USAGE;
	}
	if (!source_valid(source)) {
		cli_error("source '%s' may only have letters, digits and '-_.:/@' (at most 128)",
		          source);
		return EXIT_USAGE;
	}
	file = n == 1 ? argv[0] : "-";
	fp = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	if (!fp) {
		cli_error("cannot open '%s': %m", file);
		return EXIT_FAILED;
	}
	r = ledger_writer_start(ctx->dir, NULL, &w, &err);
	if (r < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		struct ledger_entry e;
		uint64_t ticket;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len == 0)
			continue;
		if ((size_t)len > ENTRY_MAX_PAYLOAD) {
			cli_error("'%s' line %" PRIu64
			          " is %zd bytes; lines of at most %d bytes are "
			          "imported (nothing after it was)",
			          file, lineno, len, ENTRY_MAX_PAYLOAD);
			r = -EFBIG;
			break;
		}
		e = (struct ledger_entry){ .kind = ENTRY_INGEST,
			                   .time_ms = time_now_ms(),
			                   .source = source,
			                   .has_line = true,
			                   .line = lineno,
			                   .payload = line,
			                   .payload_len = (size_t)len };
		r = ledger_writer_submit(w, &e, &ticket, &err);
		if (r < 0) {
			cli_error("'%s' line %" PRIu64 ": %s", file, lineno, err.buf);
			break;
		}
		if (!imported) {
			/* The first index now: the writer remembers only recent batches. */
			r = ledger_writer_wait(w, ticket, &first, &err);
			if (r < 0) {
				cli_error("%s", err.buf);
				break;
			}
		}
		last_ticket = ticket;
		imported++;
	}
	if (r == 0 && ferror(fp)) {
		cli_error("cannot read '%s': %m", file);
		r = -EIO;
	}
	/* What was submitted is committed (or the failure reported) before we say anything. */
	if (imported && r == 0) {
		int r2 = ledger_writer_wait(w, last_ticket, &last, &err);
		if (r2 < 0) {
			cli_error("%s", err.buf);
			r = r2;
		}
	}
	{
		int r3 = ledger_writer_stop(w, &err);
		w = NULL;
		if (r3 < 0 && r == 0) {
			cli_error("%s", err.buf);
			r = r3;
		}
	}
	if (r == 0) {
		if (imported)
			printf("imported %" PRIu64 " lines from '%s' as entries %" PRIu64
			       "..%" PRIu64 "\n",
			       imported, file, first, last);
		else
			printf("'%s' has no lines to import\n", file);
		ret = fflush(stdout) == 0 ? EXIT_DONE : EXIT_FAILED;
	}
out:
	if (w)
		ledger_writer_stop(w, NULL);
	if (line)
		explicit_bzero(line, cap); /* the last line read: personal data */
	free(line);
	if (fp != stdin)
		fclose(fp);
	strbuf_release(&err);
	return ret;
}

int cmd_log(struct cli_ctx *ctx, int argc, const char **argv)
{
	/* Subcommands: name, handler, summary for `mamori log help`. */
	static const struct command table[] = {
		{ "import", log_import, "append an access log file, one ingest entry a line" },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "log", table, argc, argv);
}
