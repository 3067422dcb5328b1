#!/bin/sh
# po/pot.sh OUT: writes the template of every message Mamori says to a person (OUT, usually
# po/mamori.pot), from the sources: the one list of what is marked for translation, read by
# po/update.sh and by t0007 (tests/cli/t0007-catalog.sh), which fails when po/mamori.pot or
# po/ja.po lacks a message of it. Messages sorted, each with the files that say it (no line
# numbers, so the template changes only when a message does); run from anywhere.
set -eu
out=$1
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
cd "$(dirname "$0")/.."
rm -f "$out"
xg() { xgettext --from-code=UTF-8 --language=C --package-name=mamori --msgid-bugs-address= \
	--add-comments=TRANSLATORS --add-location=file --sort-output --no-wrap -o "$out" \
	$([ -f "$out" ] && echo -j) "$@"; }
# The web's _() and N_(), the door's refusals (act_refuse's format, shown on refusal pages as
# the detail; core/act.h detail_fmt) and the core's N_().
xg --keyword=_ --keyword=N_ --keyword=act_refuse:2 --flag=act_refuse:2:c-format \
	src/web/*.c src/core/*.c
# The core's errors (bad input: a date that is none, a value not among a field's, a section or
# person that does not exist) reach the web as message ids too (act_result.detail_fmt when
# act_run fails), and the CLI says them in Japanese (cli/cli.c): every file of the core and of
# the policy engine it runs.
xg --keyword= --keyword=error_set:2 --flag=error_set:2:c-format --keyword=say:1 \
	--keyword=said:2 src/core/*.c src/policy/*.c
# A new password's refusal (too short, too easy) is the strength check's own message.
xg --keyword= --keyword=error_set:2 --keyword=refuse:3 --flag=refuse:3:c-format \
	src/auth/password.c
# The errors of the layers below the core, which a person meets through the CLI and serve: the
# store (a database missing, busy, full, newer), the ledger (its key, a damaged entry, a
# checkpoint), file integrity, log collection, the agent, the log rules, the configuration,
# CSV and library loaders (base) and the directory (auth); and their N_() (the ledger's entry
# kinds).
xg --keyword= --keyword=error_set:2 --flag=error_set:2:c-format --keyword=N_ \
	src/store/*.c src/ledger/*.c src/fim/*.c src/ingest/*.c src/agent/*.c src/monitor/*.c \
	src/base/*.c src/auth/*.c
# What the agent logs while it runs (agent_say: mamori agent says them through the CLI's
# cli_vsay, in the reader's language).
xg --keyword= --keyword=agent_say:1 --flag=agent_say:1:c-format src/agent/*.c
# The web's own errors (error_set in src/web): serve's startup errors (--listen it cannot read
# or bind, TLS files it cannot read, the configuration's [totp] and [iccard]) reach the operator
# through the CLI's error capture, which says them from this catalogue. The rest of src/web's
# errors are scanned with them, so that none is left without its Japanese.
xg --keyword= --keyword=error_set:2 --flag=error_set:2:c-format src/web/*.c
# File integrity's configuration diagnostics (diag(), 'mamori fim config check' says them).
xg --keyword= --keyword=diag:3 --flag=diag:3:c-format src/fim/*.c
# The CLI's own messages: what it prints for people (T_, N_), its errors and warnings, and the
# help of every option (--help: the OPT_* declarations).
xg --keyword= --keyword=T_ --keyword=N_ --keyword=cli_error:1 --keyword=cli_warn:1 \
	--flag=cli_error:1:c-format --flag=cli_warn:1:c-format --keyword=OPT_BOOL:4 \
	--keyword=OPT_STRING:5 --keyword=OPT_INT:5 --keyword=OPT_STRING_LIST:5 \
	--keyword=add_check:4 --keyword=add_check:5 --flag=add_check:5:c-format \
	src/cli/*.c src/cli/*.h src/main.c
