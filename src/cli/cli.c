/* cli: error reporting and subcommand dispatch shared by every command. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/escape.h"
#include "base/utf8.h"
#include "cli/cli.h"

/* Messages may quote stored text (a title, a name): escaped for the terminal like output. */
static void message(const char *prefix, const char *fmt, va_list ap)
{
	struct strbuf raw = STRBUF_INIT, shown = STRBUF_INIT;

	strbuf_vaddf(&raw, fmt, ap);
	strbuf_addstr(&shown, prefix);
	term_escape(&shown, raw.buf, raw.len);
	strbuf_addch(&shown, '\n');
	fputs(shown.buf, stderr);
	strbuf_release(&raw);
	strbuf_release(&shown);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message("mamori: ", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message("mamori: warning: ", fmt, ap);
	va_end(ap);
}

static char command_path[128];

void cli_set_command(const char *group, const char *sub)
{
	snprintf(command_path, sizeof(command_path), "%s%s%s", group, sub ? " " : "",
	         sub ? sub : "");
}

const char *cli_command(void)
{
	return command_path;
}

static void group_help(const char *group, const struct command *table, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t width = 0;

	for (const struct command *c = table; c->name; c++)
		if (strlen(c->name) > width)
			width = strlen(c->name);
	strbuf_addf(&sb, "usage: mamori %s <command> [options]\n\ncommands:\n", group);
	for (const struct command *c = table; c->name; c++) {
		strbuf_addstr(&sb, "    ");
		strbuf_add_padded(&sb, c->name, width);
		strbuf_addf(&sb, "  %s\n", c->summary);
	}
	strbuf_addf(&sb, "\nsee 'mamori %s <command> --help' for the options of each\n", group);
	fputs(sb.buf, out);
	strbuf_release(&sb);
}

int cli_run_subcommand(struct cli_ctx *ctx, const char *group, const struct command *table,
                       int argc, const char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub) {
		group_help(group, table, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(sub, "help") || !strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		group_help(group, table, stdout);
		return EXIT_DONE;
	}
	for (const struct command *c = table; c->name; c++)
		if (!strcmp(c->name, sub)) {
			cli_set_command(group, c->name);
			return c->fn(ctx, argc - 1, argv + 1);
		}
	cli_error("'%s' is not a '%s' command; see 'mamori %s help'", sub, group, group);
	return EXIT_USAGE;
}

int cli_print_bytes(const struct strbuf *sb)
{
	if (fwrite(sb->buf, 1, sb->len, stdout) != sb->len || fflush(stdout) != 0) {
		cli_error("cannot write the output: %m");
		return EXIT_FAILED;
	}
	return EXIT_DONE;
}

int cli_print(const struct strbuf *sb)
{
	struct strbuf shown = STRBUF_INIT;
	int ret = EXIT_DONE;

	/* Stored text (titles, names, comments) never reaches the terminal raw: ESC, the 8-bit
	 * CSI U+009B and bidi overrides are shown as escapes (JSON stays valid: inside strings
	 * "\u009b" is the same character). */
	term_escape(&shown, sb->buf, sb->len);
	if (fwrite(shown.buf, 1, shown.len, stdout) != shown.len || fflush(stdout) != 0) {
		cli_error("cannot write the output: %m");
		ret = EXIT_FAILED;
	}
	strbuf_release(&shown);
	return ret;
}
