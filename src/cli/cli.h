/* cli: what every command shares: context, exit codes, error reporting, subcommands. */
#ifndef MAMORI_CLI_CLI_H
#define MAMORI_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "cli/options.h"

/* Exit codes (listed in `mamori help`, docs/cli.md). */
enum {
	EXIT_DONE = 0,    /* done, including "request created, waiting for approval" */
	EXIT_FAILED = 1,  /* not found, invalid input, I/O */
	EXIT_USAGE = 2,   /* usage error */
	EXIT_REFUSED = 3, /* refused by policy */
};

struct cli_ctx {
	const char *dir; /* data directory: --dir, else $MAMORI_DIR, else ./mamori-data */
};

/* A command handler: argv[0] is the command's own name. Returns an exit code. */
typedef int (*cmd_fn)(struct cli_ctx *ctx, int argc, const char **argv);

/*
 * One row per command or subcommand:
 *   name     as typed
 *   fn       handler
 *   summary  one line for `mamori help`
 */
struct command {
	const char *name;
	cmd_fn fn;
	const char *summary;
};

/*
 * The language the CLI speaks to people (docs/cli.md, "Language"): --lang ja|en, else
 * $MAMORI_LANG, else the locale's LC_ALL, LC_MESSAGES or LANG (Japanese when it names ja,
 * ja_JP.UTF-8 ...; English otherwise). The Japanese comes from the catalogue built into the
 * binary (po/ja.po), so no system locale needs to be installed. Returns 0, or -1 when --lang
 * or $MAMORI_LANG names neither (English is kept then).
 */
int cli_lang_init(const char *lang);
bool cli_lang_ja(void);
/*
 * A message id in the CLI's language: T_("...") marks what the CLI prints for people
 * (xgettext --keyword=T_, checked by tests/cli/t0007-catalog.sh); JSON keys, ids and machine
 * output are never translated.
 */
const char *cli_gettext(const char *msgid) __attribute__((format_arg(1)));
#define T_(s) cli_gettext(s)
/*
 * Times and dates for people: "2026-11-22 11:46" (Asia/Tokyo), in Japanese as the office
 * writes them, "令和8年11月22日 11:46"; cli_date takes "YYYY-MM-DD" ("令和8年11月22日").
 * Machine output (JSON, CSV, logs) keeps ISO.
 */
void cli_time(struct strbuf *sb, int64_t ms);
void cli_date(struct strbuf *sb, const char *date);
/*
 * In Japanese, appends msg said from its message id when it is the core's last error
 * (error_set), a clause in brackets after it kept; returns false (nothing appended) otherwise.
 */
bool cli_say_core_error(struct strbuf *out, const char *msg);
/*
 * Appends fmt with its arguments in the CLI's language: in Japanese the format is the message
 * id (translated from the catalogue) and an argument that is the core's last error or a phrase
 * of the catalogue's is said in Japanese too (as cli_error does).
 */
void cli_vsay(struct strbuf *out, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* A state code (pending, approved, active, retired ...) for people: the code in English. */
const char *cli_state_name(const char *code);
#ifndef N_
#define N_(s) (s)
#endif

/*
 * Prints "mamori: <message>" on stderr (one line). In Japanese the format is the message id
 * (translated from the catalogue) and an argument that is the core's error message (error_set,
 * base/strbuf.h) is said in Japanese too.
 */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "mamori: warning: <message>" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A line a layer below says (store_set_say): "mamori: ", its kind ("warning", "error",
 * "stopping": message ids, said in the reader's language) and fmt with its arguments, said as
 * cli_warn says a warning.
 */
void cli_vsay_kind(const char *kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * Runs a subcommand from table (NULL-name terminated) for a command group
 * such as `mamori ledger key`: argv[0] is the group, argv[1] the subcommand.
 * Prints the group's help for no subcommand, "help", "-h" or "--help".
 */
int cli_run_subcommand(struct cli_ctx *ctx, const char *group, const struct command *table,
                       int argc, const char **argv);

/*
 * The command being run as typed ("doctor", "record show"), for messages such as
 * "see 'mamori record show --help'". Set by main and cli_run_subcommand.
 */
void cli_set_command(const char *group, const char *sub);
const char *cli_command(void);
/* The program's arguments as main received them (NULL-terminated), for starting it again. */
void cli_set_argv(char **argv);
char **cli_argv(void);

/* Writes sb to stdout; returns EXIT_DONE or EXIT_FAILED on a write error. */
int cli_print(const struct strbuf *sb);
/* Writes sb exactly as it is: for machine formats (an entry's bytes, a CSV in CP932, a signed
 * note) that a person redirects to a file; never for text meant to be read on a terminal. */
int cli_print_bytes(const struct strbuf *sb);

/* The command handlers of src/cli/cmd-*.c, one per command group. */
int cmd_init(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_migrate(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_doctor(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_policy(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_ledger(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_log(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_log_rules(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_serve(struct cli_ctx *ctx, int argc, const char **argv);
/*
 * Tests only (tests/browser/alert-serve.c: the alert page's browser test): serve calls it with
 * the log analysis's options before it opens the analysis, to set the tests-only ones
 * (monitor.h: how many may wait, a raise that fails on demand). NULL in mamori.
 */
struct monitor_options;
extern void (*serve_monitor_test_hook)(struct monitor_options *o);

/* The core's command groups (src/cli/cmd-section.c, cmd-user.c, cmd-record.c ...). */
int cmd_section(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_system(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_user(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_user_sync(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_role(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_record(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_act(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_request(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_policy_apply(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_policy_replay(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_duty(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_attach(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_takeout(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_inbox(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_notify(struct cli_ctx *ctx, int argc, const char **argv);
/*
 * The e-mail notifier beside `serve` (cmd-notify.c): with [smtp] host set, a thread sends a
 * round of digests at start and every [notify] interval. *ret stays NULL when mail is off.
 */
struct notifier;
int notifier_start(const char *dir, struct notifier **ret, struct strbuf *err);
void notifier_stop(struct notifier *nt);
int cmd_audit(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_report(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_inspection(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_backup(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_restore(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_alert(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_incident(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_risk(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_fim(struct cli_ctx *ctx, int argc, const char **argv);
int cmd_agent(struct cli_ctx *ctx, int argc, const char **argv);

#endif
