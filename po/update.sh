#!/bin/sh
# Refreshes po/mamori.pot from the web's sources and the door's refusals and merges it into po/ja.po.
# Run after changing a _() or N_() string; then translate what msgfmt --statistics reports.
set -eu
cd "$(dirname "$0")/.."
# The door's refusals (act_refuse's format, core/act.h detail_fmt) are message ids too.
xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=act_refuse:2 \
	--flag=act_refuse:2:c-format --add-comments=TRANSLATORS \
	--package-name=mamori --msgid-bugs-address= --no-wrap --sort-by-file \
	-o po/mamori.pot src/web/*.c src/core/*.c
if [ -f po/ja.po ]; then
	msgmerge --quiet --update --backup=none --no-wrap po/ja.po po/mamori.pot
else
	msginit --no-translator --locale=ja_JP.UTF-8 -i po/mamori.pot -o po/ja.po
fi
msgfmt --check --statistics -o /dev/null po/ja.po
