#!/bin/sh
# t0007: one catalogue says every message in Japanese: each _() and N_() string of the web,
# each refusal of the door (act_refuse's format, shown on refusal pages as the detail), each
# error the core and the policy engine answer with (error_set in src/core and src/policy: the
# door's acts and what they call, shown on pages and by the CLI), each error of the layers
# below (error_set and N_() in src/store, ledger, fim, ingest, agent, monitor, base, auth: said
# by the CLI and serve), each error of the web (error_set in src/web: serve's startup errors,
# said through the CLI's error capture), and each message of the CLI
# (T_(), N_(), cli_error and cli_warn formats in src/cli and src/main.c) has a translation in
# po/ja.po, and the catalogue compiles with its format strings checked. po/mamori.pot, the
# template a translator works from, holds every one of them and no other (po/update.sh writes it).
. "$(dirname "$0")/lib.sh"

SRC=${MAMORI_SRCDIR:?}
check "po/ja.po compiles, formats checked" "msgfmt --check -o /dev/null '$SRC/po/ja.po'"
# Every message marked for translation, by the one list of what is (po/pot.sh, which also
# writes po/mamori.pot).
sh "$SRC/po/pot.sh" "$TMP/all.pot" 2>"$TMP/xgettext.err"
check "xgettext read the sources" "[ -s '$TMP/all.pot' ]"
check "the door's input errors are among them" "grep -q 'must be a date (YYYY-MM-DD), not' '$TMP/all.pot'"
check "the door's refusals are among them" "grep -q 'cannot approve request %lld: it waits for %s' '$TMP/all.pot'"
check "the core's other errors are among them" "grep -q \"no section '%s'; see 'mamori section list'\" '$TMP/all.pot'"
check "the store's errors are among them" "grep -q \"no Mamori database in '%s'\" '$TMP/all.pot'"
check "the ledger's errors are among them" "grep -q 'the ledger head is damaged' '$TMP/all.pot'"
check "the web's errors are among them" "grep -q \"cannot start the web server on '%s' (see the microhttpd message above)\" '$TMP/all.pot'"
check "file integrity's errors are among them" "grep -q \"cannot read baseline '%s': %s\" '$TMP/all.pot'"
check "log collection's errors are among them" "grep -q \"cannot read --syslog-%s '%s'\" '$TMP/all.pot'"
check "fim's configuration diagnostics are among them" "grep -q 'no rules: add a line such as' '$TMP/all.pot'"
check "the ledger's entry kinds are among them" "grep -q '^msgid \"key_rotation\"' '$TMP/all.pot'"
check "the CLI's messages are among them" "grep -q \"unknown option '%s'; see 'mamori %s --help'\" '$TMP/all.pot'"
check "the CLI's outcomes are among them" "grep -q 'Waiting for approval: request %lld' '$TMP/all.pot'"
check "the CLI's option help is among them" "grep -q 'only the records LOGIN may read' '$TMP/all.pot'"
msgids() { # msgids FILE: each message's context and id on one line, sorted (not the header)
	awk '/^msgctxt /{ctx=$0; next}
		/^msgid /{id=$0; in_id=1; next}
		/^"/{if (in_id) id=id $0; next}
		{if (in_id && id != "msgid \"\"") print ctx " " id; if (in_id) ctx=""; in_id=0}
		END{if (in_id && id != "msgid \"\"") print ctx " " id}' "$1" | LC_ALL=C sort -u
}
msgids "$TMP/all.pot" >"$TMP/ids.src"
msgids "$SRC/po/mamori.pot" >"$TMP/ids.pot"
LC_ALL=C comm -23 "$TMP/ids.src" "$TMP/ids.pot" >"$TMP/pot-missing"
LC_ALL=C comm -13 "$TMP/ids.src" "$TMP/ids.pot" >"$TMP/pot-stale"
# what a list holds is said in diagnostics: a message may hold a '#', which TAP reads as a directive
pot_check() { # pot_check NAME LIST: ok when the messages LIST is empty, else not ok and ten of them
	if [ ! -s "$2" ]; then ok "$1"; else
		not_ok "$1 ($(wc -l <"$2"); run po/update.sh)"
		diag "$(head -10 "$2")"
	fi
}
pot_check "po/mamori.pot has every message of the sources" "$TMP/pot-missing"
pot_check "po/mamori.pot has no message the sources no longer say" "$TMP/pot-stale"
msgmerge --quiet --no-wrap --no-fuzzy-matching -o "$TMP/merged.po" "$SRC/po/ja.po" "$TMP/all.pot"
# "%s" alone is a message made elsewhere (act_refuse(s, "%s", why)): it has no id of its own.
msgattrib --untranslated --no-obsolete --no-wrap "$TMP/merged.po" |
	awk '/^msgid /{print}' | grep -v '^msgid ""$' | grep -v '^msgid "%s"$' >"$TMP/missing"
pot_check "every message has its Japanese" "$TMP/missing"
done_testing
