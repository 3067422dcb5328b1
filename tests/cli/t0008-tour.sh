#!/bin/sh
# t0008: the README's tour shows the main pages as their people see them (issue 12, "Done
# means": screenshots at 1366 px and 390 px wide under docs/screenshots/, linked from the
# README): every page tests/browser/screenshots.js takes is committed at both widths, each
# picture is a PNG of that width, and the README links each one; no picture is left unlinked.
. "$(dirname "$0")/lib.sh"

SRC=${MAMORI_SRCDIR:?}
SHOTS=$SRC/docs/screenshots
# The pages screenshots.js takes: ['name', 'who', '/path'] rows of its PAGES table.
sed -n "s/^  \['\([a-z-]*\)', '[^']*', '[^']*'\],\$/\1/p" "$SRC/tests/browser/screenshots.js" >"$TMP/pages"
check "screenshots.js names the tour's pages ($(wc -l <"$TMP/pages"))" "[ \$(wc -l <'$TMP/pages') -ge 8 ]"

# png_width FILE: the width in the PNG's IHDR chunk (bytes 16..19, big-endian).
png_width() {
	od -An -tu1 -j16 -N4 "$1" | awk '{ print ((($1 * 256 + $2) * 256 + $3) * 256 + $4) }'
}
png_magic() {
	[ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ]
}
while read -r name; do
	for w in 1366 390; do
		f=$SHOTS/$name-$w.png
		if [ -f "$f" ] && png_magic "$f" && [ "$(png_width "$f")" = "$w" ]; then
			ok "$name at $w px is committed, a PNG $w px wide"
		else
			not_ok "$name at $w px is committed, a PNG $w px wide"
			diag "$f: $( [ -f "$f" ] && echo "width $(png_width "$f")" || echo missing)"
		fi
		check "the README links $name-$w.png" \
			"grep -q '(docs/screenshots/$name-$w.png)' '$SRC/README.md'"
	done
done <"$TMP/pages"

# Every picture under docs/screenshots is one of the tour's and linked.
for f in "$SHOTS"/*.png; do
	b=$(basename "$f")
	grep -q "(docs/screenshots/$b)" "$SRC/README.md" || echo "$b" >>"$TMP/unlinked"
done
check "no picture is left out of the tour ($(cat "$TMP/unlinked" 2>/dev/null | tr '\n' ' '))" \
	"[ ! -s '$TMP/unlinked' ]"
done_testing
