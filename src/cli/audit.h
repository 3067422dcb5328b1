/* audit: what the two files of `mamori audit` share (cmd-audit.c: plan, finding add and the
 * steps of an audit or a finding; cmd-audit-read.c: show, list); docs/cli.md. */
#ifndef MAMORI_CLI_AUDIT_H
#define MAMORI_CLI_AUDIT_H

struct cli_ctx;
struct door;
struct record;

/* The record id arg names, of register reg (NULL: any); prints why not and returns -1. */
int audit_record_arg(struct door *d, const char *arg, const char *reg, struct record *ret);

int audit_show(struct cli_ctx *ctx, int argc, const char **argv);
int audit_list(struct cli_ctx *ctx, int argc, const char **argv);

#endif
