#!/bin/sh
# t0007: one catalogue says every message in Japanese: each _() and N_() string of the web,
# each refusal of the door (act_refuse's format, shown on refusal pages as the detail), each
# error the core and the policy engine answer with (error_set in src/core and src/policy: the
# door's acts and what they call, shown on pages and by the CLI), each error of the layers
# below (error_set and N_() in src/store, ledger, fim, ingest, agent, monitor, base, auth: said
# by the CLI and serve), each error of the web (error_set in src/web: serve's startup errors,
# said through the CLI's error capture), and each message of the CLI
# (T_(), N_(), cli_error and cli_warn formats in src/cli and src/main.c) has a translation in
# po/ja.po, and the catalogue compiles with its format strings checked.
. "$(dirname "$0")/lib.sh"

SRC=${MAMORI_SRCDIR:?}
check "po/ja.po compiles, formats checked" "msgfmt --check -o /dev/null '$SRC/po/ja.po'"
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ \
	--keyword=act_refuse:2 --flag=act_refuse:2:c-format --no-wrap -o "$TMP/all.pot" \
	src/web/*.c src/core/*.c) 2>"$TMP/xgettext.err"
# The core's errors (bad input: a date that is none, a value not among a field's, a section or
# person that does not exist) reach the web as message ids too (act_result.detail_fmt when
# act_run fails), and the CLI says them in Japanese (cli/cli.c): every file of the core and of
# the policy engine it runs.
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword= --keyword=error_set:2 \
	--flag=error_set:2:c-format --keyword=say:1 --keyword=said:2 --no-wrap -j -o "$TMP/all.pot" \
	src/core/*.c src/policy/*.c) 2>>"$TMP/xgettext.err"
# A new password's refusal (too short, too easy) is the strength check's own message.
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword= --keyword=error_set:2 \
	--keyword=refuse:3 --flag=refuse:3:c-format --no-wrap -j -o "$TMP/all.pot" \
	src/auth/password.c) 2>>"$TMP/xgettext.err"
# The errors of the layers below the core, which a person meets through the CLI and serve: the
# store (a database missing, busy, full, newer), the ledger (its key, a damaged entry, a
# checkpoint), file integrity, log collection, the agent, the log rules, the configuration,
# CSV and library loaders (base) and the directory (auth); and their N_() (the ledger's entry
# kinds).
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword= --keyword=error_set:2 \
	--flag=error_set:2:c-format --keyword=N_ --no-wrap -j -o "$TMP/all.pot" \
	src/store/*.c src/ledger/*.c src/fim/*.c src/ingest/*.c src/agent/*.c src/monitor/*.c \
	src/base/*.c src/auth/*.c) 2>>"$TMP/xgettext.err"
# The web's own errors (error_set in src/web): serve's startup errors (--listen it cannot read
# or bind, TLS files it cannot read, the configuration's [totp] and [iccard]) reach the operator
# through the CLI's error capture, which says them from this catalogue. The rest of src/web's
# errors are scanned with them, so that none is left without its Japanese.
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword= --keyword=error_set:2 \
	--flag=error_set:2:c-format --no-wrap -j -o "$TMP/all.pot" \
	src/web/*.c) 2>>"$TMP/xgettext.err"
# File integrity's configuration diagnostics (diag(), 'mamori fim config check' says them).
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword= --keyword=diag:3 \
	--flag=diag:3:c-format --no-wrap -j -o "$TMP/all.pot" src/fim/*.c) 2>>"$TMP/xgettext.err"
# The CLI's own messages: what it prints for people (T_, N_), its errors and warnings, and the
# help of every option (--help: the OPT_* declarations).
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword= --keyword=T_ --keyword=N_ \
	--keyword=cli_error:1 --keyword=cli_warn:1 --flag=cli_error:1:c-format \
	--flag=cli_warn:1:c-format --keyword=OPT_BOOL:4 --keyword=OPT_STRING:5 \
	--keyword=OPT_INT:5 --keyword=OPT_STRING_LIST:5 --keyword=add_check:4 \
	--keyword=add_check:5 --flag=add_check:5:c-format --no-wrap -j -o "$TMP/all.pot" \
	src/cli/*.c src/cli/*.h src/main.c) 2>>"$TMP/xgettext.err"
check "xgettext read the sources" "[ -s '$TMP/all.pot' ]"
check "the door's input errors are among them" "grep -q 'must be a date (YYYY-MM-DD), not' '$TMP/all.pot'"
check "the door's refusals are among them" "grep -q 'cannot approve request %lld: it waits for %s' '$TMP/all.pot'"
check "the core's other errors are among them" "grep -q \"no section '%s'; see 'mamori section list'\" '$TMP/all.pot'"
check "the store's errors are among them" "grep -q \"no Mamori database in '%s'\" '$TMP/all.pot'"
check "the ledger's errors are among them" "grep -q 'the ledger head is damaged' '$TMP/all.pot'"
check "the web's errors are among them" "grep -q \"cannot listen on '%s': the address may be in use\" '$TMP/all.pot'"
check "file integrity's errors are among them" "grep -q \"cannot read baseline '%s': %s\" '$TMP/all.pot'"
check "log collection's errors are among them" "grep -q 'cannot listen for syslog over %s' '$TMP/all.pot'"
check "fim's configuration diagnostics are among them" "grep -q 'no rules: add a line such as' '$TMP/all.pot'"
check "the ledger's entry kinds are among them" "grep -q '^msgid \"key_rotation\"' '$TMP/all.pot'"
check "the CLI's messages are among them" "grep -q \"unknown option '%s'; see 'mamori %s --help'\" '$TMP/all.pot'"
check "the CLI's outcomes are among them" "grep -q 'Waiting for approval: request %lld' '$TMP/all.pot'"
check "the CLI's option help is among them" "grep -q 'only the records LOGIN may read' '$TMP/all.pot'"
msgmerge --quiet --no-wrap --no-fuzzy-matching -o "$TMP/merged.po" "$SRC/po/ja.po" "$TMP/all.pot"
# "%s" alone is a message made elsewhere (act_refuse(s, "%s", why)): it has no id of its own.
msgattrib --untranslated --no-obsolete --no-wrap "$TMP/merged.po" |
	awk '/^msgid /{print}' | grep -v '^msgid ""$' | grep -v '^msgid "%s"$' >"$TMP/missing"
check "every message has its Japanese ($(wc -l <"$TMP/missing") missing: $(head -3 "$TMP/missing" | tr '\n' ' '))" \
	"[ ! -s '$TMP/missing' ]"
done_testing
