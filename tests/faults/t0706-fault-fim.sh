#!/bin/sh
# t0706-fault-fim: `mamori fim init` while the writes, the fsync and the open of its baseline
# file fail. The walk begins before the door opens and writes the baseline from its own thread
# (docs/fim.md), so a write can fail in either thread: every failed init says why in one line,
# leaves no baseline file (nor its .tmp), no generation and no ledger entry, and the next init
# without the fault makes a baseline that checks clean. Then the store's commits fail (the door's
# act that authorises a re-init, the install): only the installed generations' baselines stay.
# Last, the rename that puts a first init's baseline in its folder fails: nothing is installed.
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
T="$TMP/tree"
C="$TMP/aide.conf"
# a tree whose baseline takes several 64 KiB writes
mkdir -p "$T"
i=0
while [ $i -lt 20 ]; do
	mkdir -p "$T/d$i"
	j=0
	while [ $j -lt 60 ]; do
		echo "$i $j" >"$T/d$i/a-configuration-file-named-at-some-length-$j.conf"
		j=$((j + 1))
	done
	i=$((i + 1))
done
printf 'Conf = p+u+g+s+m+c+i+n+sha256\n%s Conf\n' "$T" >"$C"
"$MAMORI" --dir "$TMP/d0" init --profile minato >/dev/null 2>&1
fresh() { rm -rf "$TMP/d"; cp -a "$TMP/d0" "$TMP/d"; }
gens() {
	python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM fim_generations").fetchone()[0])' "$TMP/d/mamori.db"
}
fresh
W=$(count_calls "of=write path=*/fim/*.tmp" "$MAMORI" --dir "$TMP/d" fim init --config "$C")
fresh
F=$(count_calls "of=fsync path=*/fim/*.tmp" "$MAMORI" --dir "$TMP/d" fim init --config "$C")
fresh
O=$(count_calls "of=open path=*/fim/*.tmp" "$MAMORI" --dir "$TMP/d" fim init --config "$C")
check "fim init writes its baseline in pieces ($W writes, $F fsyncs, $O opens)" \
	'[ "$W" -ge 3 ] && [ "$F" -ge 1 ] && [ "$O" -ge 1 ]'
# How many writes fim init makes varies from run to run (the walk's thread hands the baseline's
# writer its pieces as they come: 3 to 5 on this tree), so a write later than the 2nd that the
# count above saw may lie past the writes of another run: such an init injects nothing, must go
# through and check clean, and is counted apart (past). Every other init injects its fault.
n=0 unclear=0 left=0 crashed=0 acked=0 bad=0 past=0
init() { # init SPEC [WRITE]: WRITE, the write SPEC fails (at=WRITE)
	n=$((n + 1))
	fresh
	_before=$(injected)
	run faulty "$1" "$MAMORI" --dir "$TMP/d" fim init --config "$C"
	if [ "$(injected)" = "$_before" ] && [ "${2:-0}" -gt 2 ] && [ "$rc" -eq 0 ]; then
		past=$((past + 1))
		diag "'$1': this run made fewer writes"
	fi
	if [ "$rc" -eq 0 ]; then
		acked=$((acked + 1))
		"$MAMORI" --dir "$TMP/d" fim check >/dev/null 2>&1 ||
			{ bad=$((bad + 1)); diag "'$1' went through, but the check is not clean"; }
	elif [ "$rc" -ge 128 ] || grep -q "Sanitizer\|runtime error" "$TMP/err"; then
		crashed=$((crashed + 1)); diag "'$1': exit $rc $(head -3 "$TMP/err")"
	else
		[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q '^mamori: ' "$TMP/err" ||
			{ unclear=$((unclear + 1)); diag "'$1': $(head -3 "$TMP/err")"; }
		files=$(find "$TMP/d/fim" -name '*.base*' 2>/dev/null)
		[ -z "$files" ] || { left=$((left + 1)); diag "'$1' left: $files"; }
		[ "$(gens)" = 0 ] || { left=$((left + 1)); diag "'$1': a failed init installed a generation"; }
		consistent "$TMP/d" quick >"$TMP/why" 2>&1 || { bad=$((bad + 1)); diag "$(head -3 "$TMP/why")"; }
	fi
}
rand=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
for i in $(printf '%s\n' 1 2 $((W / 2)) "$W" $((rand % W + 1)) | sort -nu); do
	init "op=write path=*/fim/*.tmp at=$i errno=ENOSPC" "$i"
	init "op=write path=*/fim/*.tmp at=$i errno=EIO" "$i"
	init "op=write path=*/fim/*.tmp at=$i errno=short" "$i"
done
init "op=fsync path=*/fim/*.tmp at=1 errno=EIO"
init "op=open path=*/fim/*.tmp at=1 errno=EACCES"
check "no fim init crashed ($crashed)" '[ "$crashed" -eq 0 ]'
check "every failed fim init said why in one line ($unclear unclear)" '[ "$unclear" -eq 0 ]'
check "no failed fim init left a file or a generation ($left)" '[ "$left" -eq 0 ]'
check "what went through checks clean, the rest stayed consistent ($bad)" '[ "$bad" -eq 0 ]'
check "short writes went through ($acked)" '[ "$acked" -ge 1 ]'
fresh
expect "without faults fim init makes a baseline" 0 "$MAMORI" --dir "$TMP/d" fim init --config "$C"
expect "which checks clean" 0 "$MAMORI" --dir "$TMP/d" fim check

# The door's act and the install fail (the store's commits, one fsync of its log at a time): a
# baseline written for a generation the store does not keep is removed. A re-init by the system
# manager (the act that authorises it, then the install) and a first init (the install alone),
# on a small tree: after a failed init fim/ holds exactly the installed generations' baselines.
S="$TMP/small"
mkdir -p "$S"
echo a >"$S/a.conf"
echo b >"$S/b.conf"
printf 'Conf = p+u+g+s+m+c+i+n+sha256\n%s Conf\n' "$S" >"$TMP/small.conf"
rm -rf "$TMP/e0"
cp -a "$TMP/d0" "$TMP/e0"
for c in "section add joho --name 情報政策課" "system add lan --name 庁内LAN --section joho" \
	"user add joho-kacho --name 情報課長 --section joho" "role grant joho-kacho system_manager@system:lan"; do
	# shellcheck disable=SC2086 # the words of each command
	"$MAMORI" --dir "$TMP/e0" $c >/dev/null 2>&1 || not_ok "set-up: $c"
done
rm -rf "$TMP/e1"
cp -a "$TMP/e0" "$TMP/e1"
"$MAMORI" --dir "$TMP/e1" fim init --config "$TMP/small.conf" >/dev/null 2>&1 || not_ok "set-up: fim init"
# kept: "ok" when fim/ holds one baseline per installed generation (CONFIG/GEN.base) and no other
kept() {
	python3 - "$TMP/d" <<'PY'
import os, sqlite3, sys
d = sys.argv[1]
rows = sqlite3.connect(os.path.join(d, 'mamori.db')).execute('SELECT config_id, generation FROM fim_generations')
want = sorted('%d/%d.base' % r for r in rows)
top = os.path.join(d, 'fim')
have = sorted(os.path.relpath(os.path.join(p, f), top) for p, _, fs in os.walk(top) for f in fs if '.base' in f)
print('ok' if want == have else 'installed %s, files %s' % (want, have))
PY
}
fim_records() { sqlite3 "$TMP/d/mamori.db" "SELECT count(*) FROM records WHERE register = 'fim'"; }
acted=0 unacted=0 left=0
store_fails() { # store_fails BASE-WARD ARGS...: each commit of fim init ARGS fails in turn
	_base=$1
	shift
	rm -rf "$TMP/d"
	cp -a "$_base" "$TMP/d"
	_k=$(count_calls "of=fsync path=*/mamori.db-wal" "$MAMORI" --dir "$TMP/d" fim init "$@")
	_i=1
	while [ "$_i" -le "$_k" ]; do
		rm -rf "$TMP/d"
		cp -a "$_base" "$TMP/d"
		_recs=$(fim_records)
		run faulty "op=fsync path=*/mamori.db-wal at=$_i errno=EIO" "$MAMORI" --dir "$TMP/d" fim init "$@"
		if [ "$rc" -ne 0 ]; then
			_why=$(kept)
			[ "$_why" = ok ] || { left=$((left + 1)); diag "fsync $_i of fim init $*: $_why"; }
			if [ "$(fim_records)" = "$_recs" ]; then unacted=$((unacted + 1)); else acted=$((acted + 1)); fi
		fi
		_i=$((_i + 1))
	done
}
store_fails "$TMP/e1" --config "$TMP/small.conf" --as joho-kacho
store_fails "$TMP/e0" --config "$TMP/small.conf"
check "a failed act or install left only installed baselines in fim/ ($left)" '[ "$left" -eq 0 ]'
check "the act failed ($unacted), or was done and the install failed ($acted)" \
	'[ "$unacted" -ge 2 ] && [ "$acted" -ge 1 ]'

# A first init writes its baseline under a temporary name (fim/0/PID.base) and renames it into
# its configuration's folder (fim/ID/1.base) once the configuration has its id. That rename
# fails: nothing is installed (no configuration, no generation, no ledger entry, no baseline
# file in fim/), and one line says why, in Japanese for a Japanese user.
rm -rf "$TMP/d"
cp -a "$TMP/e0" "$TMP/d"
R=$(count_calls "of=rename path=*/fim/0/*.base" "$MAMORI" --dir "$TMP/d" fim init --config "$TMP/small.conf")
check "a first init renames its baseline into its folder once ($R)" '[ "$R" -eq 1 ]'
rm -rf "$TMP/d"
cp -a "$TMP/e0" "$TMP/d"
"$MAMORI" --dir "$TMP/d" ledger tail -n 1 >"$TMP/tail.before" 2>&1
run faulty "op=rename path=*/fim/0/*.base at=1 errno=EIO" env MAMORI_LANG=ja "$MAMORI" --dir "$TMP/d" \
	fim init --config "$TMP/small.conf"
check "the failed rename fails the init (exit $rc)" '[ "$rc" -eq 1 ]'
err_one_line "and says why in one line"
err_has "in Japanese: the baseline could not be put in place" "配置できません"
check "no configuration or generation was installed ($(gens))" \
	'[ "$(gens)" = 0 ] && [ "$(sqlite3 "$TMP/d/mamori.db" "SELECT count(*) FROM fim_configs")" = 0 ]'
"$MAMORI" --dir "$TMP/d" ledger tail -n 1 >"$TMP/tail.after" 2>&1
check "no ledger entry was appended" 'cmp -s "$TMP/tail.before" "$TMP/tail.after"'
check "no baseline file is left in fim/ ($(find "$TMP/d/fim" -name '*.base*' | tr '\n' ' ')), nor its folder" \
	'[ -z "$(find "$TMP/d/fim" -name "*.base*")" ] && [ ! -e "$TMP/d/fim/1" ]'
check "the ward stays consistent" 'consistent "$TMP/d" quick >"$TMP/why" 2>&1 || { diag "$(head -3 "$TMP/why")"; false; }'
expect "the next first init without the fault goes through" 0 "$MAMORI" --dir "$TMP/d" fim init --config "$TMP/small.conf"
expect "and checks clean" 0 "$MAMORI" --dir "$TMP/d" fim check
# The move is made durable before the commit: both folders it changed are synced (fim/ID, then
# fim/0), and a sync that fails installs nothing either, and leaves no file or folder.
for f in 1 0; do
	rm -rf "$TMP/d"
	cp -a "$TMP/e0" "$TMP/d"
	S=$(count_calls "of=fsync path=*/fim/$f" "$MAMORI" --dir "$TMP/d" fim init --config "$TMP/small.conf")
	check "a first init syncs fim/$f once ($S)" '[ "$S" -eq 1 ]'
	rm -rf "$TMP/d"
	cp -a "$TMP/e0" "$TMP/d"
	run faulty "op=fsync path=*/fim/$f at=1 errno=EIO" env MAMORI_LANG=ja "$MAMORI" --dir "$TMP/d" \
		fim init --config "$TMP/small.conf"
	check "a failed sync of fim/$f fails the init, in one Japanese line (exit $rc)" \
		'[ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "何も登録していません" "$TMP/err"'
	check "and installs nothing: no generation, no baseline file, no folder fim/1" \
		'[ "$(gens)" = 0 ] && [ -z "$(find "$TMP/d/fim" -name "*.base*")" ] && [ ! -e "$TMP/d/fim/1" ]'
done
N=$(injected)
check "faults were injected ($N in $n inits, $past past the writes of their run)" \
	'[ "$N" -ge $((n - past)) ]'
tally_faults "$N" 0
done_testing
