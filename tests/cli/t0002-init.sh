#!/bin/sh
# t0002: init creates 0700/0600, refuses non-empty or non-directory targets, honours MAMORI_DIR.
. "$(dirname "$0")/lib.sh"

expect "init a new directory" 0 "$MAMORI" --dir "$TMP/d" init
out_has "init says what it did" "initialised Mamori data directory"
check "directory mode 0700" "[ \"\$(stat -c %a '$TMP/d')\" = 700 ]"
check "database mode 0600" "[ \"\$(stat -c %a '$TMP/d/mamori.db')\" = 600 ]"
expect "init refuses a non-empty directory" 1 "$MAMORI" --dir "$TMP/d" init
err_one_line "refusal is one mamori: line"
err_has "refusal says it is not empty" "is not empty"
mkdir "$TMP/empty"
chmod 755 "$TMP/empty"
expect "init accepts an existing empty directory" 0 "$MAMORI" --dir "$TMP/empty" init
check "existing directory tightened to 0700" "[ \"\$(stat -c %a '$TMP/empty')\" = 700 ]"
: >"$TMP/file"
expect "init refuses a file" 1 "$MAMORI" --dir "$TMP/file" init
err_has "file refusal explained" "not a directory"
expect "init with a missing parent fails" 1 "$MAMORI" --dir "$TMP/no/such/parent" init
err_has "missing parent explained" "cannot create"
check "nothing half-made left" "[ ! -e '$TMP/no' ]"
MAMORI_DIR="$TMP/env" expect "MAMORI_DIR is used without --dir" 0 "$MAMORI" init
check "MAMORI_DIR directory created" "[ -f '$TMP/env/mamori.db' ]"
cd "$TMP" || exit 1
expect "default ./mamori-data" 0 "$MAMORI" init
cd - >/dev/null || exit 1
check "default directory created" "[ -f '$TMP/mamori-data/mamori.db' ]"
done_testing
