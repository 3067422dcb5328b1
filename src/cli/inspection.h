/* inspection: the subcommands of `mamori inspection` for self-inspection rounds
 * (cmd-inspection-round.c, cmd-inspection-show.c); docs/cli.md. */
#ifndef MAMORI_CLI_INSPECTION_H
#define MAMORI_CLI_INSPECTION_H

struct cli_ctx;

int inspection_open(struct cli_ctx *ctx, int argc, const char **argv);
int inspection_answer(struct cli_ctx *ctx, int argc, const char **argv);
int inspection_submit(struct cli_ctx *ctx, int argc, const char **argv);
int inspection_sign_off(struct cli_ctx *ctx, int argc, const char **argv);
int inspection_send_back(struct cli_ctx *ctx, int argc, const char **argv);
int inspection_raise(struct cli_ctx *ctx, int argc, const char **argv);
int inspection_show(struct cli_ctx *ctx, int argc, const char **argv);
int inspection_rollup_cmd(struct cli_ctx *ctx, int argc, const char **argv);

#endif
