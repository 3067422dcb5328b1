#!/bin/sh
# t0716-fault-init-race: two `mamori init` of one directory at once. The first stops itself (the
# shim's errno=stop) just before it makes the database, once in an empty directory that was there
# and once in a new one it made; a second init run meanwhile is refused, says in Japanese that
# another init is making the directory, and touches nothing; the first then goes on, and its
# ward is whole. (Without init's lock the second made a ward of its own in the same directory,
# and the first, finding a database there, failed and removed the second's files.)
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
export MAMORI_LANG=ja
is() { # is NAME WANT GOT
	if [ "$3" = "$2" ]; then ok "$1"; else not_ok "$1 (got '$3', want '$2')"; fi
}
# stopped PID: whether PID has stopped (state T), waiting 30 s at most
stopped() {
	for _i in $(seq 1 600); do
		case $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) in
		T) return 0 ;;
		'') return 1 ;;
		esac
		sleep 0.05
	done
	return 1
}
# race NAME DIR: init A stopped before its database; init B meanwhile; then A goes on
race() {
	_name=$1 K=$2
	_before=$(injected)
	LD_PRELOAD="$FAULT_SHIM" MAMORI_FAULT="op=open path=$K/mamori.db at=1 errno=stop" \
		MAMORI_FAULT_LOG="$FLOG" "$MAMORI" --dir "$K" init >"$TMP/a.out" 2>"$TMP/a.err" &
	A=$!
	check "$_name: the first init stopped just before it made the database" "stopped $A"
	is "$_name: (the stop was the shim's)" "$((_before + 1))" "$(injected)"
	_there=$(ls -A "$K" 2>&1)
	expect "$_name: a second init meanwhile is refused" 1 "$MAMORI" --dir "$K" init
	err_has "$_name: it says another init is making the directory, in Japanese" \
		"別の mamori init が「$K」を作成中です"
	err_one_line "$_name: in one line"
	is "$_name: and nothing on stdout" "" "$(cat "$TMP/out")"
	is "$_name: it touched nothing" "$_there" "$(ls -A "$K" 2>&1)"
	kill -CONT "$A"
	wait "$A"
	is "$_name: the first init then goes through" 0 "$?"
	check "$_name: with its key pair" "[ -s '$K/ledger.key' ] && [ -s '$K/ledger.pub' ]"
	expect "$_name: and its ward verifies" 0 "$MAMORI" --dir "$K" ledger verify
	expect "$_name: a third init is refused: not empty" 1 "$MAMORI" --dir "$K" init
	err_has "$_name: (says so)" "空ではありません"
}

mkdir "$TMP/ward"
race "an empty directory" "$TMP/ward"
race "a new directory" "$TMP/new"

tally_faults "$(injected)" 0
done_testing
