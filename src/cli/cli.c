/* cli: error reporting and subcommand dispatch shared by every command. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/escape.h"
#include "base/fmtargs.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "web/i18n.h"

static bool lang_ja;

/* "ja", "ja_JP.UTF-8", "ja_JP" ...: a locale or language that names Japanese. */
static bool names_japanese(const char *v)
{
	return !strncmp(v, "ja", 2) && (!v[2] || strchr("_.@-", v[2]));
}

int cli_lang_init(const char *lang)
{
	static const char *const locale_vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v = lang && *lang ? lang : getenv("MAMORI_LANG");
	int ret = 0;

	lang_ja = false;
	if (v && *v) {
		if (!strcmp(v, "ja") || !strcmp(v, "en"))
			lang_ja = !strcmp(v, "ja");
		else
			ret = -1;
	} else {
		/* POSIX order: the first of these that is set and not empty decides. */
		for (size_t i = 0; i < sizeof(locale_vars) / sizeof(locale_vars[0]); i++) {
			v = getenv(locale_vars[i]);
			if (v && *v) {
				lang_ja = names_japanese(v);
				break;
			}
		}
	}
	/* The core's errors keep their message ids for the whole command (base/strbuf.h). */
	if (lang_ja)
		error_capture_begin();
	return ret;
}

bool cli_lang_ja(void)
{
	return lang_ja;
}

const char *cli_gettext(const char *msgid)
{
	return lang_ja ? i18n_gettext_ja(msgid) : msgid;
}

void cli_time(struct strbuf *sb, int64_t ms)
{
	struct strbuf iso = STRBUF_INIT;

	time_format_local(&iso, ms, TOKYO_OFFSET_MS); /* "2026-11-22 11:46" */
	if (lang_ja && iso.len == 16) {
		time_format_wareki(sb, ms, TOKYO_OFFSET_MS);
		strbuf_addstr(sb, iso.buf + 10);
	} else {
		strbuf_add(sb, iso.buf, iso.len);
	}
	strbuf_release(&iso);
}

void cli_date(struct strbuf *sb, const char *date)
{
	int64_t ms;

	if (lang_ja && date && strlen(date) == 10 && time_parse_date(date, &ms) == 0)
		time_format_wareki(sb, ms, 0);
	else
		strbuf_addstr(sb, date ? date : "");
}

const char *cli_state_name(const char *code)
{
	/* The states of requests, accounts and audits as the catalogue says them. */
	static const struct {
		const char *code, *name;
	} names[] = {
		{ "pending", N_("waiting for approval") },
		{ "approved", N_("approved") },
		{ "rejected", N_("rejected") },
		{ "expired", N_("expired") },
		{ "withdrawn", N_("withdrawn") },
		{ "cancelled", N_("cancelled") },
		{ "active", N_("active") },
		{ "suspended", N_("suspended") },
		{ "retired", N_("retired") },
		/* an act's outcome and the policy's decision (a record's history) */
		{ "done", N_("done") },
		{ "refused", N_("refused") },
		{ "allow", N_("allow") },
		{ "deny", N_("deny") },
	};

	if (!lang_ja || !code)
		return code;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].code, code))
			return i18n_gettext_ja(names[i].name);
	return i18n_gettext_ja(code);
}

/* Arguments said again in Japanese, kept until the message is written. */
struct said {
	char *kept[8];
	size_t n;
	unsigned depth; /* errors said inside errors (arg_in_japanese) */
};

/* A phrase of the catalogue's ("short", a system's "No such file or directory") in Japanese;
 * NULL keeps it as it is. */
static const char *phrase_in_japanese(void *ctx, const char *arg)
{
	const char *ja = *arg ? i18n_gettext_ja(arg) : arg;

	(void)ctx;
	return ja != arg ? ja : NULL;
}

/*
 * An argument of a message in Japanese: the core's error (its message id translated, with its
 * own arguments said so too: phrases, and an error said inside it, as serve's "cannot open the
 * database connection that signs …: %s" holds the store's), or a phrase of the catalogue's.
 * NULL keeps it as it is.
 */
static const char *arg_in_japanese(void *ctx, const char *arg)
{
	struct said *said = ctx;
	struct fmtargs a = { 0 };
	const char *fmt = said->depth < 3 ? error_captured(arg, &a) : NULL, *ja;

	if (fmt && (ja = i18n_gettext_ja(fmt)) != fmt &&
	    said->n < sizeof(said->kept) / sizeof(char *)) {
		struct strbuf sb = STRBUF_INIT;

		said->depth++;
		fmtargs_render(&sb, ja, &a, arg_in_japanese, said);
		said->depth--;
		fmtargs_release(&a);
		if (said->n >= sizeof(said->kept) / sizeof(char *)) { /* taken inside */
			strbuf_release(&sb);
			return NULL;
		}
		return said->kept[said->n++] = strbuf_detach(&sb, NULL);
	}
	fmtargs_release(&a);
	return phrase_in_japanese(NULL, arg);
}

bool cli_say_core_error(struct strbuf *out, const char *msg)
{
	struct said said = { 0 };
	const char *tail = NULL, *ja;
	size_t n;
	char *head;

	if (!lang_ja || !msg || !*msg)
		return false;
	/* "<message> [MIN-5-5-5-1]": a clause the core put after its message */
	n = strlen(msg);
	if (msg[n - 1] == ']' && (tail = strrchr(msg, '[')) && tail > msg && tail[-1] == ' ')
		n = (size_t)(tail - 1 - msg);
	head = xstrndup(msg, n);
	ja = arg_in_japanese(&said, head);
	if (ja) {
		strbuf_addstr(out, ja);
		strbuf_addstr(out, msg + n);
	}
	for (size_t i = 0; i < said.n; i++)
		free(said.kept[i]);
	free(head);
	return ja != NULL;
}

void cli_vsay(struct strbuf *out, const char *fmt, va_list ap)
{
	struct fmtargs a = { 0 };
	struct said said = { 0 };
	int saved = errno, r;
	va_list aq;

	if (!lang_ja) {
		strbuf_vaddf(out, fmt, ap);
		return;
	}
	va_copy(aq, ap);
	r = fmtargs_capture(&a, fmt, aq);
	va_end(aq);
	if (r == 0) {
		fmtargs_render(out, i18n_gettext_ja(fmt), &a, arg_in_japanese, &said);
	} else {
		errno = saved; /* %m */
		strbuf_vaddf(out, i18n_gettext_ja(fmt), ap);
	}
	fmtargs_release(&a);
	for (size_t i = 0; i < said.n; i++)
		free(said.kept[i]);
}

/* Messages may quote stored text (a title, a name): escaped for the terminal like output. */
static void message(const char *prefix, const char *fmt, va_list ap)
{
	struct strbuf raw = STRBUF_INIT, shown = STRBUF_INIT;

	cli_vsay(&raw, fmt, ap);
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
	message(lang_ja ? "mamori: 警告: " : "mamori: warning: ", fmt, ap);
	va_end(ap);
}

void cli_vsay_kind(const char *kind, const char *fmt, va_list ap)
{
	struct strbuf prefix = STRBUF_INIT;

	strbuf_addf(&prefix, "mamori: %s: ", cli_gettext(kind));
	message(prefix.buf, fmt, ap);
	strbuf_release(&prefix);
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

static char **main_argv;

void cli_set_argv(char **argv)
{
	main_argv = argv;
}

char **cli_argv(void)
{
	return main_argv;
}

static void group_help(const char *group, const struct command *table, FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t width = 0;

	for (const struct command *c = table; c->name; c++)
		if (strlen(c->name) > width)
			width = strlen(c->name);
	strbuf_addf(&sb, T_("usage: mamori %s <command> [options]\n\ncommands:\n"), group);
	for (const struct command *c = table; c->name; c++) {
		strbuf_addstr(&sb, "    ");
		strbuf_add_padded(&sb, c->name, width);
		strbuf_addf(&sb, "  %s\n", T_(c->summary));
	}
	strbuf_addf(&sb, T_("\nsee 'mamori %s <command> --help' for the options of each\n"), group);
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
