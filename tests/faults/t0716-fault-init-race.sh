#!/bin/sh
# t0716-fault-init-race: two `mamori init` of one directory at once. The first stops itself (the
# shim's errno=stop) just before it makes the database, once in an empty directory that was there
# and once in a new one it made; a second init run meanwhile is refused, says in Japanese that
# another init is making the directory, and touches nothing; the first then goes on, and its
# ward is whole. (Without init's lock the second made a ward of its own in the same directory,
# and the first, finding a database there, failed and removed the second's files.) An init that
# stops just before it locks the directory it opened, which is removed (or removed and made
# again) meanwhile, refuses and touches nothing (it went on, into the new directory too). Any
# other holder of the lock is named neutrally; a file system that refuses flock (ENOLCK,
# EOPNOTSUPP, EBADF; not NFS or SMB, whose Linux clients lock on the host and succeed) lets
# init go on with a warning, any other error refuses. A directory whose mode cannot be set:
# refused in Japanese, its reason too. A group-writable directory into which something is put
# between init's emptiness check and its chmod to 0700 is refused, its mode put back. A
# directory of another user's is refused before anything is done.
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
export MAMORI_LANG=ja
# A stopped init is woken and ended however the test ends (a kill, meson's timeout: the signal
# made an exit, so that the EXIT trap runs): never left behind
A=
trap '[ -z "$A" ] || { kill -CONT "$A"; kill "$A"; } 2>/dev/null; chattr -i "$TMP/fixed" 2>/dev/null; rm -rf "$TMP"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
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
	err_has "$_name: it says another process (another init) holds the directory, in Japanese" \
		"「$K」は別のプロセス（別の mamori init など）がロックしています"
	err_one_line "$_name: in one line"
	is "$_name: and nothing on stdout" "" "$(cat "$TMP/out")"
	is "$_name: it touched nothing" "$_there" "$(ls -A "$K" 2>&1)"
	kill -CONT "$A"
	wait "$A"
	is "$_name: the first init then goes through" 0 "$?"
	A=
	check "$_name: with its key pair" "[ -s '$K/ledger.key' ] && [ -s '$K/ledger.pub' ]"
	expect "$_name: and its ward verifies" 0 "$MAMORI" --dir "$K" ledger verify
	expect "$_name: a third init is refused: not empty" 1 "$MAMORI" --dir "$K" init
	err_has "$_name: (says so)" "空ではありません"
}

mkdir "$TMP/ward"
race "an empty directory" "$TMP/ward"
race "a new directory" "$TMP/new"

# swapped NAME DIR removed|replaced: init A stopped just before it locks DIR (opened already);
# meanwhile DIR is removed (and made again, empty, as a third init would); then A goes on
swapped() {
	_name=$1 K=$2
	_before=$(injected)
	LD_PRELOAD="$FAULT_SHIM" MAMORI_FAULT="op=flock path=*/${K##*/} at=1 errno=stop" \
		MAMORI_FAULT_LOG="$FLOG" "$MAMORI" --dir "$K" init >"$TMP/out" 2>"$TMP/err" &
	A=$!
	check "$_name: init stopped just before it locks the directory" "stopped $A"
	is "$_name: (the stop was the shim's)" "$((_before + 1))" "$(injected)"
	rmdir "$K"
	[ "$3" = removed ] || mkdir "$K"
	kill -CONT "$A"
	wait "$A"
	is "$_name: init then refuses" 1 "$?"
	A=
	if [ "$3" = removed ]; then
		err_has "$_name: it says the directory was removed, in Japanese" \
			"「$K」は init がロックした時点で削除されていました"
		check "$_name: and made nothing" "[ ! -e '$K' ]"
	else
		err_has "$_name: it says the directory was replaced, in Japanese" \
			"「$K」は init がロックした時点で別のディレクトリに置き換えられていました"
		is "$_name: and put nothing in the new one" "" "$(ls -A "$K" 2>&1)"
	fi
	err_one_line "$_name: in one line"
	is "$_name: and nothing on stdout" "" "$(cat "$TMP/out")"
}
mkdir "$TMP/gone" "$TMP/swap"
swapped "an empty directory removed" "$TMP/gone" removed
swapped "an empty directory replaced" "$TMP/swap" replaced
expect "the replacement is then an init's as any empty directory" 0 "$MAMORI" --dir "$TMP/swap" init
swapped "a directory init made, removed" "$TMP/made" removed
swapped "a directory init made, replaced" "$TMP/made2" replaced

# Another process (not an init) holding the directory's lock: named neutrally, nothing done
mkdir "$TMP/held"
expect "a directory another process has locked is refused" 1 \
	flock -o "$TMP/held" "$MAMORI" --dir "$TMP/held" init
err_has "(said neutrally, in Japanese)" "「$TMP/held」は別のプロセス（別の mamori init など）がロックしています"
is "(nothing made in it)" "" "$(ls -A "$TMP/held" 2>&1)"

# A file system whose flock fails as unsupported (no lock records; one that refuses flock):
# init goes on, with one Japanese warning that concurrent inits are not excluded there
for e in ENOLCK EOPNOTSUPP EBADF; do
	expect "flock failing with $e: init goes on" 0 \
		faulty "op=flock path=*/nfs-$e at=1 errno=$e" "$MAMORI" --dir "$TMP/nfs-$e" init
	err_has "$e: it warns in Japanese that concurrent inits are not excluded there" \
		"mamori: 警告: 「$TMP/nfs-$e」のファイルシステムはロックできません"
	err_has "$e: (run only one)" "一度に一つだけ実行してください"
	expect "$e: and its ward verifies" 0 "$MAMORI" --dir "$TMP/nfs-$e" ledger verify
done
expect "flock failing otherwise (EIO) refuses" 1 \
	faulty "op=flock path=*/lock-eio at=1 errno=EIO" "$MAMORI" --dir "$TMP/lock-eio" init
err_has "(said in Japanese)" "「$TMP/lock-eio」を別の init から守るロックを取得できません: 入出力エラー"
is "(nothing made in it)" "" "$(ls -A "$TMP/lock-eio" 2>&1)"
check "(the directory it made itself is left, empty: docs/cli.md)" "[ -d '$TMP/lock-eio' ]"

# A directory whose mode cannot be set (immutable: fchmod fails even for root), said in one
# Japanese line, the reason too (it was '%m': the reason stayed English)
mkdir "$TMP/fixed"
if chattr +i "$TMP/fixed" 2>/dev/null; then
	expect "a directory whose mode cannot be set is refused" 1 "$MAMORI" --dir "$TMP/fixed" init
	err_has "(said in Japanese, with the reason)" \
		"「$TMP/fixed」のモードを 0700 にできません: 操作は許可されていません"
	chattr -i "$TMP/fixed"
else
	ok "# SKIP chattr +i is not possible here"
fi

# A directory its group may write to (0770), into which something is put between init's check
# that it is empty and its chmod to 0700 (init stopped just before the chmod): refused once the
# mode is 0700, the mode put back, what was put there left alone and nothing else made
mkdir "$TMP/grp" && chmod 0770 "$TMP/grp"
_before=$(injected)
LD_PRELOAD="$FAULT_SHIM" MAMORI_FAULT="op=fchmod path=$TMP/grp at=1 errno=stop" \
	MAMORI_FAULT_LOG="$FLOG" "$MAMORI" --dir "$TMP/grp" init >"$TMP/out" 2>"$TMP/err" &
A=$!
check "a group's directory: init stopped just before its chmod" "stopped $A"
is "(the stop was the shim's)" "$((_before + 1))" "$(injected)"
ln -s "$TMP/elsewhere.db" "$TMP/grp/mamori.db"
kill -CONT "$A"
wait "$A"
is "something put there meanwhile: init refuses" 1 "$?"
A=
err_has "(said in Japanese)" "「$TMP/grp」に、init が 0700 にする間に何かが置かれました（元は 0770）"
err_one_line "(in one line)"
is "(nothing on stdout)" "" "$(cat "$TMP/out")"
is "(the mode put back)" 770 "$(stat -c %a "$TMP/grp")"
is "(what was put there left alone, and nothing made)" "mamori.db" "$(ls -A "$TMP/grp")"
check "(the link's target not made)" "[ ! -e '$TMP/elsewhere.db' ]"
rm "$TMP/grp/mamori.db"
expect "emptied, it is then an init's as any empty directory" 0 "$MAMORI" --dir "$TMP/grp" init
is "(and 0700)" 700 "$(stat -c %a "$TMP/grp")"

# A directory of another user's (root running init in a user's directory): refused before
# anything is done, as its owner could put a link named mamori.db there at any time, even after
# init's chmod to 0700 (init went on and made its ward there)
if [ "$(id -u)" -eq 0 ]; then
	mkdir "$TMP/theirs" && chmod 0770 "$TMP/theirs" && chown 65534 "$TMP/theirs"
	expect "a directory of another user's is refused" 1 "$MAMORI" --dir "$TMP/theirs" init
	err_has "(said in Japanese, naming both users)" \
		"「$TMP/theirs」は別のユーザー nobody（uid 65534）のもので、init を実行している root（uid 0）のものではありません。何も行っていません"
	err_has "(what to run: init as its owner)" "所有者として init を実行してください（'sudo -u nobody mamori --dir $TMP/theirs init'）"
	err_has "(or, to keep it root's, chown first)" "先にディレクトリを root に渡してください（'chown root $TMP/theirs'）"
	err_one_line "(in one line)"
	is "(nothing on stdout)" "" "$(cat "$TMP/out")"
	is "(its mode and owner unchanged)" "770 65534" "$(stat -c '%a %u' "$TMP/theirs")"
	is "(nothing made in it)" "" "$(ls -A "$TMP/theirs")"
	chown 0 "$TMP/theirs"
	expect "made the running user's, it is then an init's" 0 "$MAMORI" --dir "$TMP/theirs" init
	is "(and 0700)" 700 "$(stat -c %a "$TMP/theirs")"
	# A directory init makes that the file system gives to another uid (NFS's root_squash, a
	# mount's uid=; here chowned while init is stopped just before its lock): said so
	_before=$(injected)
	LD_PRELOAD="$FAULT_SHIM" MAMORI_FAULT="op=flock path=$TMP/squashed at=1 errno=stop" \
		MAMORI_FAULT_LOG="$FLOG" "$MAMORI" --dir "$TMP/squashed" init >"$TMP/out" 2>"$TMP/err" &
	A=$!
	check "a new directory: init stopped just before its lock" "stopped $A"
	is "(the stop was the shim's)" "$((_before + 1))" "$(injected)"
	chown 65534 "$TMP/squashed"
	kill -CONT "$A"
	wait "$A"
	is "a new directory the file system gave to another uid: refused" 1 "$?"
	A=
	err_has "(said in Japanese: the file system's doing)" \
		"init が作ったばかりの「$TMP/squashed」を、ファイルシステムが init を実行している root（uid 0）ではなく nobody（uid 65534）のものにしました（NFS の root_squash やマウントの uid= オプションによるものです）"
	err_one_line "(in one line)"
	is "(nothing made in it)" "" "$(ls -A "$TMP/squashed")"
else
	ok "# SKIP not root: a directory cannot be given to another user here"
fi

tally_faults "$(injected)" 0
done_testing
