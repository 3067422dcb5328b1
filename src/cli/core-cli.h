/* core-cli: what the core's command groups share: the door, acts, key=value lists, output. */
#ifndef MAMORI_CLI_CORE_CLI_H
#define MAMORI_CLI_CORE_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "core/act.h"

struct reader;
/* The reader for --as LOGIN, or the data directory's operator (every record) without it. */
int cli_reader(struct door *d, const char *as, struct reader **ret, struct strbuf *err);

/* Opens the data directory's door; on failure prints why and returns the exit code. */
int cli_door_open(struct cli_ctx *ctx, unsigned flags, struct door **ret);

/* The context of an act from the command line: via "cli" and the OS user running it. */
void cli_act_context(struct act_context *c);

/*
 * Parses "key=value" items (--field, --context) into attrs (owned array; strings borrowed
 * from the list, split in place is avoided: keys are copied). Prints an error naming what
 * and returns -1 on a malformed item.
 */
struct cli_attrs {
	struct act_attr *items;
	char **keys;
	size_t nr;
};
int cli_attrs_parse(const struct string_list *l, const char *what, struct cli_attrs *ret);
void cli_attrs_release(struct cli_attrs *a);

/*
 * An act's outcome as act_result_text says it, in the CLI's language: in Japanese
 * 「完了しました。」, 「承認待ち: 申請 12（承認者: …）」, 「拒否されました: <why>（詳細: …）
 * [MIN-2-6-1]」.
 */
void cli_act_text(const struct act_result *r, struct strbuf *out);

/* The exit code for an act's outcome. */
int cli_exit_for_outcome(enum act_outcome o);

/*
 * Runs in through the door and prints the outcome: the line of act_result_text, or with
 * json the object of act_result_json. Returns the exit code; res (if not NULL) keeps the
 * result for the caller, who releases it.
 */
int cli_act(struct door *d, const struct act_input *in, bool json, struct act_result *res);

/* The actor of administrative commands: --as, else $MAMORI_AS, else "admin". */
const char *cli_admin_actor(const char *as);

/* Reads one line (a password) from stdin into sb; wipe it with strbuf_release_secret. */
int cli_read_secret(struct strbuf *sb);

/* Reads a whole file for import; prints an error and returns -1 on failure. */
int cli_read_file(const char *path, struct strbuf *sb, size_t limit);

/*
 * Files an act adds (--attach FILE, repeatable): each is read, checked and stored in the data
 * directory (core/attach.h attach_put) before the act; ret->items is what act_input.attachments
 * takes. Prints why and returns -1 when a file cannot be added.
 */
struct cli_files {
	struct act_attachment *items;
	char **names, **hashes;
	size_t nr;
};
int cli_files_store(struct door *d, const struct string_list *paths, struct cli_files *ret);
void cli_files_release(struct cli_files *f);

/* The first of names that is a column of csv (read with a header), or -1. */
struct csv;
int cli_csv_column(const struct csv *csv, const char *const *names);

/*
 * Runs an import's acts through the door all or nothing (act_run_all). On failure prints
 * "'PATH' line N: <why>; nothing imported" for the CSV line of the act that failed
 * (order[i] maps act i to its CSV record; NULL when they are in file order) and returns
 * EXIT_REFUSED or EXIT_FAILED; on success releases the results and returns EXIT_DONE,
 * and the caller says what was imported.
 */
int cli_import_run(struct door *d, const char *path, const struct csv *csv, const size_t *order,
                   const struct act_input *in, struct act_result *res);

/*
 * --csv [--cp932] [-o FILE] of a listing: CSV for Excel, UTF-8 with BOM or CP932, formulas
 * neutralised. cli_csv_usage: EXIT_USAGE with a message when --cp932 or -o come without
 * --csv, else 0. cli_csv_begin starts w on out; cli_csv_end finishes it (warning about
 * characters CP932 lacks), writes FILE (which must not exist yet) or stdout byte for byte,
 * and returns the exit code.
 */
struct cli_csv {
	bool csv, cp932;
	const char *output;
};
#define OPT_CSV(o)                                                                                 \
	OPT_BOOL(0, "csv", &(o)->csv, "write CSV for Excel (UTF-8 with BOM)"),                     \
	    OPT_BOOL(0, "cp932", &(o)->cp932, "with --csv: CP932 (Shift_JIS) for old Excel"),      \
	    OPT_STRING('o', "output", &(o)->output, "FILE", "with --csv: write FILE (new)")
struct csv_writer;
int cli_csv_usage(const struct cli_csv *o);
void cli_csv_begin(const struct cli_csv *o, struct csv_writer *w, struct strbuf *out);
int cli_csv_end(const struct cli_csv *o, struct csv_writer *w, struct strbuf *out);

/* `mamori user transfer` (cmd-transfer.c): 人事異動 from CSV. */
int cmd_user_transfer(struct cli_ctx *ctx, int argc, const char **argv);

/* A history (core/history.h) as a JSON array. */
struct json_writer;
struct history;
void cli_history_json(struct json_writer *w, const struct history *h);

#endif
