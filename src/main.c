/* main: global options and the command table (git style). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "store/store.h"
#include "version.h"

/*
 * The command table. Columns:
 *   name     the command as typed after `mamori [--dir DIR]`
 *   fn       its handler in src/cli/cmd-<name>.c; a group dispatches its subcommands itself
 *   summary  the line `mamori help` shows
 */
static const struct command commands[] = {
	{ "init", cmd_init, N_("create a data directory and its database") },
	{ "migrate", cmd_migrate,
	  N_("move a ward from SQLite to PostgreSQL (--from DIR --to URL)") },
	{ "doctor", cmd_doctor, N_("check a data directory and say how to fix what is wrong") },
	{ "policy", cmd_policy, N_("check, query and show the ward's policy profile") },
	{ "ledger", cmd_ledger, N_("the tamper-evident log: checkpoints, proofs, verify, export") },
	{ "log", cmd_log, N_("bring other systems' access logs into the ledger") },
	{ "alert", cmd_alert, N_("alerts raised by the log analysis and file integrity checks") },
	{ "incident", cmd_incident, N_("incidents: report, step, evidence, deadlines, export") },
	{ "risk", cmd_risk, N_("risks: threats, assessment, acceptance, the register") },
	{ "serve", cmd_serve, N_("run the web interface and the JSON API") },
	{ "section", cmd_section, N_("the ward's sections (課等) and departments (部)") },
	{ "system", cmd_system, N_("information systems, the scope of system roles") },
	{ "user", cmd_user, N_("people: add, suspend, retire, passwords, CSV import") },
	{ "role", cmd_role, N_("role assignments role@scope with start and end dates") },
	{ "record", cmd_record, N_("the registers' records: add, list, show, CSV") },
	{ "act", cmd_act, N_("do an action on a record (register.action) through the door") },
	{ "request", cmd_request, N_("approval requests: list, show, approve, reject") },
	{ "duty", cmd_duty, N_("periodic duties: what is due, and recording fulfilment") },
	{ "attach", cmd_attach, N_("files kept with records, requests and duties") },
	{ "audit", cmd_audit,
	  N_("audits: plans with an independent team, findings, improvements") },
	{ "inspection", cmd_inspection,
	  N_("self-inspection checklists generated from the profile") },
	{ "report", cmd_report,
	  N_("the compliance report per clause (遵守状況報告書): HTML, CSV, PDF") },
	{ "takeout", cmd_takeout, N_("what is out of the office now (持出し中), overdue first") },
	{ "inbox", cmd_inbox, N_("what waits for a person: decisions, duties, overdue take-outs") },
	{ "notify", cmd_notify, N_("e-mail digests of what waits for each person (SMTP)") },
	{ "backup", cmd_backup, N_("take a checked online backup (ledgered)") },
	{ "restore", cmd_restore,
	  N_("restore a backup into a new data directory, verified first") },
	{ "agent", cmd_agent,
	  N_("on a ward's server: file integrity checks sent to Mamori (HTTPS)") },
	{ "fim", cmd_fim,
	  N_("file integrity: baselines, checks, accepting changes (AIDE's syntax)") },
	{ NULL, NULL, NULL },
};

static void print_help(FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t width = 0;

	for (const struct command *c = commands; c->name; c++)
		if (strlen(c->name) > width)
			width = strlen(c->name);
	strbuf_addstr(
	    &sb, T_("usage: mamori [--dir DIR] [--lang ja|en] <command> [options] [args]\n"
	            "       mamori help <command> | mamori <command> --help | mamori --version\n"
	            "\nMamori (守り) runs a ward's information security standards as software.\n"
	            "\ncommands:\n"));
	for (const struct command *c = commands; c->name; c++) {
		strbuf_addstr(&sb, "    ");
		strbuf_add_padded(&sb, c->name, width);
		strbuf_addf(&sb, "  %s\n", T_(c->summary));
	}
	strbuf_addstr(
	    &sb, T_("\nglobal options (before the command):\n"
	            "    --dir DIR      data directory (else $MAMORI_DIR, else ./mamori-data)\n"
	            "    --lang ja|en   the language of messages (else $MAMORI_LANG, else the "
	            "locale)\n"
	            "    --version      print the version, git revision and build type\n"
	            "\nexit codes:\n"
	            "    0  done (including \"request created, waiting for approval\")\n"
	            "    1  failed (not found, invalid input, I/O)\n"
	            "    2  usage error\n"
	            "    3  refused by policy\n"));
	fputs(sb.buf, out);
	strbuf_release(&sb);
}

static const struct command *find_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int unknown_command(const char *name)
{
	cli_error("'%s' is not a mamori command; see 'mamori help'", name);
	return EXIT_USAGE;
}

/* --lang ja|en (or --lang=...) at av[*i]: 1 when it was one (taken), 0 when not, -1 bad. */
static int lang_option(int argc, const char **av, int *i)
{
	const char *v;

	if (!strcmp(av[*i], "--lang"))
		v = *i + 1 < argc ? av[++*i] : "";
	else if (!strncmp(av[*i], "--lang=", 7))
		v = av[*i] + 7;
	else
		return 0;
	++*i;
	if (cli_lang_init(v) < 0 || !*v) {
		cli_error("option '--lang' takes ja or en, not '%s'", v);
		return -1;
	}
	return 1;
}

/* The store's lines on stderr (store_set_say), in the reader's language. */
static void store_said(enum store_say kind, const char *fmt, va_list ap)
{
	cli_vsay_kind(kind == STORE_SAY_WARNING ? N_("warning")
	              : kind == STORE_SAY_ERROR ? N_("error")
	                                        : N_("stopping"),
	              fmt, ap);
}

static int run(int argc, const char **av)
{
	struct cli_ctx ctx = { 0 };
	int i = 1, r;

	if (cli_lang_init(NULL) < 0)
		cli_warn("MAMORI_LANG is '%s': it takes ja or en; English is used",
		         getenv("MAMORI_LANG"));
	store_set_say(store_said);
	/* Global options come before the command. */
	while (i < argc && av[i][0] == '-') {
		if ((r = lang_option(argc, av, &i)) != 0) {
			if (r < 0)
				return EXIT_USAGE;
		} else if (!strcmp(av[i], "--dir")) {
			if (i + 1 >= argc || !av[i + 1][0]) {
				cli_error("option '--dir' needs a directory");
				return EXIT_USAGE;
			}
			ctx.dir = av[i + 1];
			i += 2;
		} else if (!strncmp(av[i], "--dir=", 6)) {
			if (!av[i][6]) {
				cli_error("option '--dir' needs a directory");
				return EXIT_USAGE;
			}
			ctx.dir = av[i] + 6;
			i++;
		} else if (!strcmp(av[i], "--version")) {
			printf("mamori %s (%s, %s build)\n", MAMORI_VERSION, MAMORI_GIT_DESCRIBE,
			       MAMORI_BUILD_TYPE);
			return fflush(stdout) ? EXIT_FAILED : EXIT_DONE;
		} else if (!strcmp(av[i], "-h") || !strcmp(av[i], "--help")) {
			print_help(stdout);
			return EXIT_DONE;
		} else {
			cli_error("unknown global option '%s'; see 'mamori help'", av[i]);
			return EXIT_USAGE;
		}
	}
	if (!ctx.dir) {
		const char *env = getenv("MAMORI_DIR");
		ctx.dir = env && *env ? env : "mamori-data";
	}
	if (i >= argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(av[i], "help")) {
		if (i + 1 >= argc) {
			print_help(stdout);
			return EXIT_DONE;
		}
		const struct command *c = find_command(av[i + 1]);
		if (!c)
			return unknown_command(av[i + 1]);
		const char *hargv[] = { c->name, "--help", NULL };
		return c->fn(&ctx, 2, hargv);
	}
	const struct command *c = find_command(av[i]);
	if (!c)
		return unknown_command(av[i]);
	cli_set_command(c->name, NULL);
	return c->fn(&ctx, argc - i, av + i);
}

int main(int argc, char **argv)
{
	/* Commands move positionals within argv: give them a const-correct copy. */
	const char **av = xcalloc((size_t)argc + 1, sizeof(*av));
	int ret;

	for (int i = 0; i < argc; i++)
		av[i] = argv[i];
	cli_set_argv(argv);
	ret = run(argc, av);
	free(av);
	return ret;
}
