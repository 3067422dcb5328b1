/* options: declare a command's options once; parse argv and print usage from it. */
#ifndef MAMORI_CLI_OPTIONS_H
#define MAMORI_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

enum option_type {
	OPTION_END = 0,
	OPTION_BOOL,        /* value: bool*; --flag */
	OPTION_STRING,      /* value: const char**; --name VALUE or --name=VALUE */
	OPTION_INT,         /* value: int64_t*; checked against [min, max] */
	OPTION_STRING_LIST, /* value: struct string_list*; repeatable */
};

struct string_list {
	const char **items;
	int nr, alloc;
};
void string_list_append(struct string_list *l, const char *s);
void string_list_clear(struct string_list *l);

/*
 * One row per option:
 *   type      how the value is parsed (enum option_type)
 *   short_name one letter or 0
 *   long_name without the dashes
 *   argh      the value's placeholder in the usage ("FILE"), NULL for bool
 *   help      one line for the usage text
 *   value     where the parsed value goes
 *   min, max  bounds for OPTION_INT
 */
struct option {
	enum option_type type;
	char short_name;
	const char *long_name;
	const char *argh;
	const char *help;
	void *value;
	int64_t min, max;
};

#define OPT_BOOL(s, l, v, h)                                                                       \
	{                                                                                          \
		OPTION_BOOL, (s), (l), NULL, (h), (v), 0, 0                                        \
	}
#define OPT_STRING(s, l, v, a, h)                                                                  \
	{                                                                                          \
		OPTION_STRING, (s), (l), (a), (h), (v), 0, 0                                       \
	}
#define OPT_INT(s, l, v, a, h, lo, hi)                                                             \
	{                                                                                          \
		OPTION_INT, (s), (l), (a), (h), (v), (lo), (hi)                                    \
	}
#define OPT_STRING_LIST(s, l, v, a, h)                                                             \
	{                                                                                          \
		OPTION_STRING_LIST, (s), (l), (a), (h), (v), 0, 0                                  \
	}
#define OPT_END()                                                                                  \
	{                                                                                          \
		OPTION_END, 0, NULL, NULL, NULL, NULL, 0, 0                                        \
	}

/*
 * usage: NULL-terminated lines, the first being "mamori CMD [options] ARGS".
 * Parses argv[1..argc) (argv[0] is the command name). Options may come in
 * any order among positionals; "--" ends options. "-h"/"--help" prints the
 * usage to stdout and returns PARSE_OPT_HELP. Errors print one "mamori:"
 * line plus the usage to stderr and return PARSE_OPT_ERROR.
 * On success, returns the number of positionals, moved to argv[0..n).
 */
#define PARSE_OPT_HELP  (-1)
#define PARSE_OPT_ERROR (-2)
int parse_options(int argc, const char **argv, const struct option *opts, const char *const *usage);
/*
 * parse_options, then checks that the number of positionals is within [min, max]; a wrong
 * count prints one "mamori:" line ("missing argument", "too many arguments") and the usage on
 * stderr. Returns the count, or -1 with *ret_exit set to the exit code to return: EXIT_DONE
 * after --help, EXIT_USAGE for every usage error.
 */
int parse_options_count(int argc, const char **argv, const struct option *opts,
                        const char *const *usage, int min, int max, int *ret_exit);
/* Prints usage lines and the option table to stdout or stderr. */
void print_usage(const char *const *usage, const struct option *opts, bool to_stderr);

#endif
