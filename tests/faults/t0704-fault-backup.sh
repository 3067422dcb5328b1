#!/bin/sh
# t0704-fault-backup: `mamori backup` and `mamori restore` while opens, writes and fsyncs of the
# copy fail. A failed backup says why in one line, leaves no file (nor a partial directory)
# behind and no ledger entry; a failed restore leaves no half-restored directory. With the
# fault gone the live directory verifies, and the next backup restores and verifies. make check
# tries a sample of the points, make check-long every one (t0704-fault-backup-sweep).
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
D="$TMP/d"
m() { "$MAMORI" --dir "$D" "$@"; }
m init --profile minato >/dev/null 2>&1
m section add zeimu --name 税務課 >/dev/null
printf '%s\n' 'Kawa-Sora-Umi-2026!x' | m user add sato --name 佐藤 --section zeimu --password-stdin >/dev/null
for i in $(seq 1 20); do
	m record add asset --as sato --field "title=b$i" --field level=1 --field section=zeimu \
		--field access_controlled=true >/dev/null
done
mkdir -p "$TMP/bk"
W=$(count_calls "of=write path=*/bk/*" "$MAMORI" --dir "$D" backup "$TMP/bk/probe.db" --as admin)
F=$(count_calls "of=fsync path=*/bk/*" "$MAMORI" --dir "$D" backup "$TMP/bk/probe2.db" --as admin)
O=$(count_calls "of=open path=*/bk/*" "$MAMORI" --dir "$D" backup "$TMP/bk/probe3.db" --as admin)
rm -f "$TMP"/bk/probe*
check "a backup writes its copy ($W writes, $F fsyncs, $O opens)" '[ "$W" -gt 3 ] && [ "$F" -gt 0 ] && [ "$O" -gt 0 ]'
n=0 unclear=0 left=0 bad_state=0 crashed=0 acked=0
backup() { # backup SPEC
	n=$((n + 1))
	acts=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM acts WHERE kind = \"backup.create\" OR action = \"backup.create\"").fetchone()[0])' "$D/mamori.db")
	run faulty "$1" "$MAMORI" --dir "$D" backup "$TMP/bk/b$n.db" --as admin
	if [ "$rc" -eq 0 ]; then
		acked=$((acked + 1))
		check "'$1' went through anyway: the copy restores" '"$MAMORI" restore "$TMP/bk/b$n.db" --dir "$TMP/r$n" >/dev/null 2>&1'
	elif [ "$rc" -ge 128 ] || grep -q "Sanitizer\|runtime error" "$TMP/err"; then
		crashed=$((crashed + 1)); diag "'$1': exit $rc $(head -3 "$TMP/err")"
	else
		[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q '^mamori: ' "$TMP/err" ||
			{ unclear=$((unclear + 1)); diag "'$1': $(head -3 "$TMP/err")"; }
		[ -z "$(ls -A "$TMP/bk")" ] || { left=$((left + 1)); diag "'$1' left: $(ls "$TMP/bk")"; }
		after=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM acts WHERE kind = \"backup.create\" OR action = \"backup.create\"").fetchone()[0])' "$D/mamori.db")
		[ "$after" = "$acts" ] || { left=$((left + 1)); diag "'$1': a failed backup was ledgered"; }
	fi
	rm -f "$TMP"/bk/*
	consistent "$D" quick >"$TMP/why" 2>&1 || { bad_state=$((bad_state + 1)); diag "$(head -3 "$TMP/why")"; }
}
# make check: writes of the copy at points spread over it and one at random, each way a write
# can fail; fsyncs likewise (the first, the middle, the last and one at random: a backup fsyncs
# each file it copies); a sample of the opens (lib.sh, sampled). make check-long (FAULT_SWEEP=1): every write (EIO;
# every sixth also ENOSPC and short), every fsync and every open.
if [ "$FAULT_STRIDE" -le 1 ]; then
	writes=$(seq 1 "$W")
	fsyncs=$(seq 1 "$F")
else
	rand=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	writes="1 8 55 $((rand % W + 1))"
	fsyncs="1 $((rand % F + 1)) $((F / 2)) $F"
	diag "sampled writes: $writes; fsyncs: $fsyncs"
fi
for i in $(printf '%s\n' $writes | sort -nu); do
	[ "$i" -le "$W" ] || continue
	backup "op=write path=*/bk/* at=$i errno=EIO"
	if [ "$FAULT_STRIDE" -le 1 ] && [ $((i % 6)) -eq 1 ]; then
		backup "op=write path=*/bk/* at=$i errno=ENOSPC"
		backup "op=write path=*/bk/* at=$i errno=short"
	fi
done
if [ "$FAULT_STRIDE" -gt 1 ]; then
	for i in 1 $((W / 2)); do
		backup "op=write path=*/bk/* at=$i errno=ENOSPC"
		backup "op=write path=*/bk/* at=$i errno=short"
	done
fi
for i in $(printf '%s\n' $fsyncs | sort -nu); do
	[ "$i" -ge 1 ] && [ "$i" -le "$F" ] && backup "op=fsync path=*/bk/* at=$i errno=EIO"
done
i=1
while [ "$i" -le "$O" ]; do
	sampled "$i" "$O" && backup "op=open path=*/bk/* at=$i errno=EACCES"
	i=$((i + 1))
done
check "no backup crashed ($crashed)" '[ "$crashed" -eq 0 ]'
check "every failed backup said why in one line ($unclear unclear)" '[ "$unclear" -eq 0 ]'
check "no failed backup left a file, a partial directory or a ledger entry ($left)" '[ "$left" -eq 0 ]'
check "the live directory stayed consistent ($bad_state)" '[ "$bad_state" -eq 0 ]'

# Restore under faults: never a half-restored directory.
expect "a backup without faults" 0 m backup "$TMP/good.db" --as admin
RW=$(count_calls "of=write path=*/restored/*" "$MAMORI" restore "$TMP/good.db" --dir "$TMP/probe-restored")
rm -rf "$TMP/probe-restored"
half=0
for k in 1 2 3 $((RW / 2)) "$RW"; do
	run faulty "op=write path=*/restored/* at=$k errno=ENOSPC" "$MAMORI" restore "$TMP/good.db" --dir "$TMP/restored"
	if [ "$rc" -ne 0 ] && [ -e "$TMP/restored/mamori.db" ]; then
		half=$((half + 1)); diag "restore failing at write $k left $(ls "$TMP/restored")"
	fi
	rm -rf "$TMP/restored"
done
check "a failed restore leaves nothing half-restored ($half)" '[ "$half" -eq 0 ]'
expect "the backup restores" 0 "$MAMORI" restore "$TMP/good.db" --dir "$TMP/restored"
expect "the restored ledger verifies" 0 "$MAMORI" --dir "$TMP/restored" ledger verify
check "at the end the live directory is consistent" 'consistent "$D"'
N=$(injected)
check "faults were injected ($N in $n backups and the restores)" '[ "$N" -ge "$n" ]'
tally_faults "$N" 0
done_testing
