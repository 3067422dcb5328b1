/* incident: the subcommands of `mamori incident` (cmd-incident.c: report, step, act, note,
 * evidence; cmd-incident-read.c: show, list, export, verify-export); docs/cli.md. */
#ifndef MAMORI_CLI_INCIDENT_H
#define MAMORI_CLI_INCIDENT_H

#include <stdint.h>

struct cli_ctx;

/* A case's number from s; prints why not and returns -1. */
int incident_parse_id(const char *s, int64_t *ret);

int incident_show(struct cli_ctx *ctx, int argc, const char **argv);
int incident_list_cmd(struct cli_ctx *ctx, int argc, const char **argv);
int incident_export_cmd(struct cli_ctx *ctx, int argc, const char **argv);
int incident_verify_cmd(struct cli_ctx *ctx, int argc, const char **argv);

#endif
