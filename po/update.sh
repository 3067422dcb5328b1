#!/bin/sh
# po/update.sh [--merge]: writes po/mamori.pot afresh from the sources (po/pot.sh: every message
# marked for translation) and prints, as PO entries to translate and add to po/ja.po, the
# messages ja.po has no Japanese for. Run after adding or changing a message; t0007 fails until
# the template and ja.po have every message. --merge also merges the template into po/ja.po
# itself (msgmerge: ja.po then follows the template's order and its file names, a large diff).
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-po.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# xgettext's chatter (no --msgid-bugs-address, add_check's two argument specs) is shown only
# when it fails
sh po/pot.sh po/mamori.pot 2>"$tmp/xgettext.err" || { cat "$tmp/xgettext.err" >&2; exit 1; }
if [ "${1:-}" = --merge ]; then
	msgmerge --quiet --update --backup=none --no-wrap po/ja.po po/mamori.pot
	cp po/ja.po "$tmp/merged.po"
else
	msgmerge --quiet --no-wrap --no-fuzzy-matching -o "$tmp/merged.po" po/ja.po po/mamori.pot
fi
# "%s" alone is a message made elsewhere (act_refuse(s, "%s", why)): it has no id of its own.
msgattrib --untranslated --no-obsolete --no-wrap --no-location "$tmp/merged.po" |
	msggrep --invert-match -K -E -e '^%s$' --no-wrap | sed '1,/^$/d' >"$tmp/missing.po"
echo "po/mamori.pot: $(grep -c '^msgid ' po/mamori.pot) messages (the header included)"
if [ -s "$tmp/missing.po" ]; then
	echo "po/ja.po lacks the Japanese of these (add them with their msgstr):"
	cat "$tmp/missing.po"
fi
msgfmt --check --statistics -o /dev/null po/ja.po
