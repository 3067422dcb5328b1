#!/bin/sh
# t0004: corrupt, foreign, newer-schema, read-only and full-disk data directories give clear
# errors (exit 1, one mamori: line) and never crash or change the stored data.
. "$(dirname "$0")/lib.sh"

D="$TMP/d"
expect "init" 0 "$MAMORI" --dir "$D" init

# A corrupt database: overwrite the middle of the file (the header stays).
cp -r "$D" "$TMP/corrupt"
python3 -c "
import sys
p='$TMP/corrupt/mamori.db'
b=bytearray(open(p,'rb').read())
for i in range(100, len(b)): b[i]=0x5a
open(p,'wb').write(b)"
expect "doctor on a corrupt database fails" 1 "$MAMORI" --dir "$TMP/corrupt" doctor
out_has "corruption is named" "corrupt"

# Not an SQLite file at all.
mkdir -m 700 "$TMP/junk"
head -c 8192 /dev/urandom >"$TMP/junk/mamori.db"
chmod 600 "$TMP/junk/mamori.db"
expect "doctor on a non-SQLite file fails" 1 "$MAMORI" --dir "$TMP/junk" doctor
out_has "non-SQLite explained" "not an SQLite database"
check "junk file untouched" "[ \$(stat -c %s '$TMP/junk/mamori.db') -eq 8192 ]"

# A foreign SQLite database.
mkdir -m 700 "$TMP/foreign"
sqlite3 "$TMP/foreign/mamori.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
chmod 600 "$TMP/foreign/mamori.db"
expect "doctor on a foreign SQLite database fails" 1 "$MAMORI" --dir "$TMP/foreign" doctor
out_has "foreign database explained" "not a Mamori one"
check "foreign data untouched" "[ \"\$(sqlite3 '$TMP/foreign/mamori.db' 'SELECT count(*) FROM t')\" = 1 ]"

# A newer schema.
cp -r "$D" "$TMP/newer"
sqlite3 "$TMP/newer/mamori.db" "INSERT INTO schema_version(version, name) VALUES (9999, 'future');"
expect "doctor on a newer schema fails" 1 "$MAMORI" --dir "$TMP/newer" doctor
out_has "newer schema explained" "newer Mamori"
out_has "newer schema fix" "upgrade mamori"

# Read-only file system and a full disk: need mount (root); skipped otherwise.
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	cat >"$TMP/mounts.sh" <<SH
set -e
mkdir -p "$TMP/ro" "$TMP/full"
mount -t tmpfs -o size=4m tmpfs "$TMP/ro"
"$MAMORI" --dir "$TMP/ro/d" init >/dev/null
mount -o remount,ro "$TMP/ro"
set +e
"$MAMORI" --dir "$TMP/ro/d2" init 2>"$TMP/ro-init.err"; echo "ro-init=\$?"
"$MAMORI" --dir "$TMP/ro/d" doctor >"$TMP/ro-doctor.out" 2>&1; echo "ro-doctor=\$?"
mount -t tmpfs -o size=256k tmpfs "$TMP/full"
head -c 200k /dev/zero >"$TMP/full/filler" 2>/dev/null
"$MAMORI" --dir "$TMP/full/d" init 2>"$TMP/full-init.err"; echo "full-init=\$?"
ls -a "$TMP/full" >"$TMP/full.ls"
SH
	unshare -m sh "$TMP/mounts.sh" >"$TMP/mounts.out" 2>&1
	check "init on a read-only file system exits 1" "grep -q '^ro-init=1' '$TMP/mounts.out'"
	check "read-only error is one mamori: line" "[ \$(wc -l <'$TMP/ro-init.err') -eq 1 ] && grep -q '^mamori: ' '$TMP/ro-init.err'"
	check "doctor on a read-only file system does not crash" "grep -Eq '^ro-doctor=[01]$' '$TMP/mounts.out'"
	check "init on a full disk exits 1" "grep -q '^full-init=1' '$TMP/mounts.out'"
	check "full-disk error names the problem" "grep -Eqi 'full|space' '$TMP/full-init.err'"
	check "full-disk init leaves nothing half-made" "! grep -qx d '$TMP/full.ls'"
else
	for t in ro-init ro-err ro-doctor full-init full-err full-clean; do
		_n=$((_n + 1)); echo "ok $_n # SKIP $t: needs root and mount namespaces"
	done
fi
done_testing
