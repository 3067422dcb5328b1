/* options: declare a command's options once; parse argv and print usage from it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "cli/options.h"

void string_list_append(struct string_list *l, const char *s)
{
	if (l->nr >= l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 4;
		l->items = xreallocarray(l->items, (size_t)l->alloc, sizeof(*l->items));
	}
	l->items[l->nr++] = s;
}

void string_list_clear(struct string_list *l)
{
	free(l->items);
	l->items = NULL;
	l->nr = l->alloc = 0;
}

static void option_name(struct strbuf *sb, const struct option *o)
{
	if (o->short_name && o->long_name)
		strbuf_addf(sb, "-%c, --%s", o->short_name, o->long_name);
	else if (o->long_name)
		strbuf_addf(sb, "    --%s", o->long_name);
	else
		strbuf_addf(sb, "-%c", o->short_name);
	if (o->argh)
		strbuf_addf(sb, " %s", o->argh);
}

void print_usage(const char *const *usage, const struct option *opts, bool to_stderr)
{
	static const struct option help = OPT_BOOL('h', "help", NULL, "show this help");
	struct strbuf sb = STRBUF_INIT, n = STRBUF_INIT;
	size_t width = 0;
	const struct option *o;

	for (int i = 0; usage && usage[i]; i++)
		strbuf_addf(&sb, "%s%s\n", i ? T_("   or: ") : T_("usage: "), T_(usage[i]));
	strbuf_addch(&sb, '\n');
	for (int pass = 0; pass < 2; pass++) {
		for (o = opts;; o++) {
			bool last = !o || o->type == OPTION_END;
			const struct option *row = last ? &help : o;
			strbuf_reset(&n);
			option_name(&n, row);
			if (pass == 0) {
				if (utf8_strwidth(n.buf) > width)
					width = utf8_strwidth(n.buf);
			} else {
				strbuf_addstr(&sb, "    ");
				strbuf_add_padded(&sb, n.buf, width);
				strbuf_addf(&sb, "  %s\n", row->help ? T_(row->help) : "");
			}
			if (last)
				break;
		}
	}
	fputs(sb.buf, to_stderr ? stderr : stdout);
	strbuf_release(&n);
	strbuf_release(&sb);
}

static const struct option *find_long(const struct option *opts, const char *name, size_t len)
{
	for (const struct option *o = opts; o->type != OPTION_END; o++)
		if (o->long_name && strlen(o->long_name) == len &&
		    !strncmp(o->long_name, name, len))
			return o;
	return NULL;
}

static const struct option *find_short(const struct option *opts, char c)
{
	for (const struct option *o = opts; o->type != OPTION_END; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static int set_value(const struct option *o, const char *arg, const char *shown)
{
	int r;

	switch (o->type) {
	case OPTION_BOOL:
		*(bool *)o->value = true;
		return 0;
	case OPTION_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPTION_STRING_LIST:
		string_list_append(o->value, arg);
		return 0;
	case OPTION_INT:
		r = parse_int64(arg, o->min, o->max, o->value);
		if (r == -ERANGE) {
			cli_error("option '%s' must be between %lld and %lld, not '%s'", shown,
			          (long long)o->min, (long long)o->max, arg);
			return -1;
		} else if (r < 0) {
			cli_error("option '%s' needs a whole number, not '%s'", shown, arg);
			return -1;
		}
		return 0;
	case OPTION_END:
		break;
	}
	return -1;
}

int parse_options(int argc, const char **argv, const struct option *opts, const char *const *usage)
{
	int npos = 0;
	bool only_pos = false;
	static const struct option none[] = { OPT_END() };
	/* Positionals are moved down over argv[0]: keep the command's name for messages. */
	const char *cmd = *cli_command() ? cli_command() : argv[0];

	if (!opts)
		opts = none;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option *o;
		const char *val = NULL;

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			argv[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(usage, opts, false);
			return PARSE_OPT_HELP;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			o = find_long(opts, a + 2, len);
			if (!o) {
				cli_error("unknown option '%.*s'; see 'mamori %s --help'",
				          (int)(len + 2), a, cmd);
				return PARSE_OPT_ERROR;
			}
			if (eq) {
				if (o->type == OPTION_BOOL) {
					cli_error("option '--%s' takes no value", o->long_name);
					return PARSE_OPT_ERROR;
				}
				val = eq + 1;
			}
		} else {
			o = find_short(opts, a[1]);
			if (!o || a[2]) {
				cli_error("unknown option '%s'; see 'mamori %s --help'", a, cmd);
				return PARSE_OPT_ERROR;
			}
		}
		if (o->type != OPTION_BOOL && !val) {
			if (i + 1 >= argc) {
				cli_error("option '%s' needs a value (%s)", a,
				          o->argh ? o->argh : "VALUE");
				return PARSE_OPT_ERROR;
			}
			val = argv[++i];
		}
		if (set_value(o, val, a) < 0)
			return PARSE_OPT_ERROR;
	}
	return npos;
}

int parse_options_count(int argc, const char **argv, const struct option *opts,
                        const char *const *usage, int min, int max, int *ret_exit)
{
	int n = parse_options(argc, argv, opts, usage);

	if (n == PARSE_OPT_HELP) {
		*ret_exit = EXIT_DONE;
		return -1;
	}
	if (n < 0) {
		*ret_exit = EXIT_USAGE;
		return -1;
	}
	if (n < min || n > max) {
		cli_error("%s; see 'mamori %s --help'",
		          n < min ? N_("missing argument") : N_("too many arguments"),
		          *cli_command() ? cli_command() : "help");
		print_usage(usage, opts, true);
		*ret_exit = EXIT_USAGE;
		return -1;
	}
	return n;
}
