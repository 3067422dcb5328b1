#!/bin/sh
# t0520-cli-escapes: stored text never drives the terminal (ESC, U+009B, bidi overrides are
# shown as escapes), and names and titles refuse characters that spoof (issue 11, finding 10).
. "$(dirname "$0")/lib.sh"
D="$TMP/d"
m() { "$MAMORI" --dir "$D" "$@"; }
PW='Kawa-Sora-Umi-2026!x'
m init --profile minato >/dev/null 2>&1
m section add zeimu --name 税務課 >/dev/null
printf '%s\n' "$PW" | m user add sato --name 佐藤花子 --section zeimu --password-stdin >/dev/null
ESC=$(printf '\033')
CSI=$(printf '\302\233')
RLO=$(printf '\342\200\256')
ZWSP=$(printf '\342\200\213')

# Refused when stored.
expect "a title with ESC is refused" 1 m record add asset --as sato --field "title=a${ESC}[2Jb" --field level=2 --field section=zeimu --field access_controlled=true
err_has "the error says why" "control characters"
expect "a title with U+009B is refused" 1 m record add asset --as sato --field "title=a${CSI}31mb" --field level=2 --field section=zeimu --field access_controlled=true
expect "a title with a bidi override is refused" 1 m record add asset --as sato --field "title=invoice${RLO}gpj.exe" --field level=2 --field section=zeimu --field access_controlled=true
err_has "the error names the spoofing" "direction-changing"
expect "a title with a zero-width space is refused" 1 m record add asset --as sato --field "title=住民${ZWSP}台帳" --field level=2 --field section=zeimu --field access_controlled=true
expect "a user name with a bidi override is refused" 1 sh -c "printf '%s\n' '$PW' | '$MAMORI' --dir '$D' user add suzuki --name 'suzu${RLO}ki' --section zeimu --password-stdin"
expect "a section name with a zero-width space is refused" 1 m section add kumin --name "区民${ZWSP}課"
expect "a plain Japanese title is fine" 0 m record add asset --as sato --field title=住民税課税台帳 --field level=2 --field section=zeimu --field access_controlled=true --json
id=$(sed 's/.*"record":\([0-9]*\).*/\1/' "$TMP/out")

# Shown escaped when already stored (data from before these checks, or written around them).
sqlite3 "$D/mamori.db" "PRAGMA foreign_keys=OFF; UPDATE records SET fields = json_set(fields, '\$.title', 'x' || char(27) || '[2Jy' || char(155) || '31m' || char(8238) || 'z') WHERE id = $id" 2>"$TMP/sqlerr"
check "the test planted escapes in the stored title" 'sqlite3 "$D/mamori.db" "SELECT json_extract(fields, '"'"'\$.title'"'"') FROM records WHERE id = $id" | grep -q "$ESC"'
expect "record show" 0 m record show "$id"
check "record show prints no ESC" '! grep -q "$ESC" "$TMP/out"'
check "record show prints no U+009B" '! grep -q "$CSI" "$TMP/out"'
check "record show prints no U+202E" '! grep -q "$RLO" "$TMP/out"'
out_has "record show shows the escapes" '\x1b[2Jy\u009b31m\u202ez'
expect "record list" 0 m record list asset
check "record list prints no ESC, U+009B or U+202E" '! grep -q "$ESC" "$TMP/out" && ! grep -q "$CSI" "$TMP/out" && ! grep -q "$RLO" "$TMP/out"'
expect "record show --json" 0 m record show "$id" --json
cat >"$TMP/j.py" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["fields"]["title"]
assert t == "x\x1b[2Jy\x9b31m\u202ez", repr(t)
PY
check "the JSON is still valid and keeps the characters" 'python3 "$TMP/j.py" "$TMP/out"'
check "and raw, the JSON has no ESC, U+009B or U+202E" '! grep -q "$ESC" "$TMP/out" && ! grep -q "$CSI" "$TMP/out" && ! grep -q "$RLO" "$TMP/out"'
done_testing
