#!/bin/sh
# t0007: one catalogue says every message in Japanese: each _() and N_() string of the web,
# each refusal of the door (act_refuse's format, shown on refusal pages as the detail) and each
# error the door answers bad input with (error_set in the door's files) has a translation in
# po/ja.po, and the catalogue compiles with its format strings checked.
. "$(dirname "$0")/lib.sh"

SRC=${MAMORI_SRCDIR:?}
check "po/ja.po compiles, formats checked" "msgfmt --check -o /dev/null '$SRC/po/ja.po'"
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ \
	--keyword=act_refuse:2 --flag=act_refuse:2:c-format --no-wrap -o "$TMP/all.pot" \
	src/web/*.c src/core/*.c) 2>"$TMP/xgettext.err"
# The door's errors (bad input: a date that is none, a value not among a field's) reach the
# web as message ids too (act_result.detail_fmt when act_run fails): the door's files and the
# field checks it runs.
(cd "$SRC" && xgettext --from-code=UTF-8 --language=C --keyword= --keyword=error_set:2 \
	--flag=error_set:2:c-format --no-wrap -j -o "$TMP/all.pot" \
	src/core/act*.c src/core/door-batch.c src/core/records.c src/policy/field.c) 2>>"$TMP/xgettext.err"
check "xgettext read the sources" "[ -s '$TMP/all.pot' ]"
check "the door's input errors are among them" "grep -q 'must be a date (YYYY-MM-DD), not' '$TMP/all.pot'"
check "the door's refusals are among them" "grep -q 'cannot approve request %lld: it waits for %s' '$TMP/all.pot'"
msgmerge --quiet --no-wrap --no-fuzzy-matching -o "$TMP/merged.po" "$SRC/po/ja.po" "$TMP/all.pot"
# "%s" alone is a message made elsewhere (act_refuse(s, "%s", why)): it has no id of its own.
msgattrib --untranslated --no-obsolete --no-wrap "$TMP/merged.po" |
	awk '/^msgid /{print}' | grep -v '^msgid ""$' | grep -v '^msgid "%s"$' >"$TMP/missing"
check "every message has its Japanese ($(wc -l <"$TMP/missing") missing: $(head -3 "$TMP/missing" | tr '\n' ' '))" \
	"[ ! -s '$TMP/missing' ]"
done_testing
