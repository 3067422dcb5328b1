#!/bin/sh
# t0715-fault-dirsync: the directory syncs that make a new name durable (base/fsdir.c) fail once
# (EIO) in each of their callers, and each failure is said and handled: `mamori init` (the
# ledger's key pair in the data directory), an attachment's file and its new folders
# (core/attach.c), and the agent's followed offsets, spooled log batches and baseline
# (agent/follow.c, agent/spool.c, agent/agent-fim.c): first with no server (the agent spools for
# one that is not there, --once), then with a stub that answers 200 (nothing is sent twice).
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
export MAMORI_LANG=ja
n_inj=0
is() { # is NAME WANT GOT
	if [ "$3" = "$2" ]; then ok "$1"; else not_ok "$1 (got '$3', want '$2')"; fi
}
# failing NAME SPEC CMD...: runs CMD with SPEC's one fault; it must be injected and the run fail
# with one line; the Japanese of fs_sync_dir's message, which names the directory, is in it.
failing() {
	_name=$1 _spec=$2
	shift 2
	_before=$(injected)
	run faulty "$_spec" "$@"
	is "$_name: the fault was injected" "$((_before + 1))" "$(injected)"
	n_inj=$((n_inj + 1))
	check "$_name: exit 1" '[ "$rc" -eq 1 ]'
	err_one_line "$_name: one line"
	err_has "$_name: says which directory could not be synced" "の変更をディスクに確定できません"
}

# 1. init: the ledger's key pair, in a directory that was there (empty) and in a new one
K="$TMP/ward"
mkdir "$K"
dsyncs=$(count_calls "of=fsync path=$K" "$MAMORI" --dir "$K" init)
rm -rf "$K" && mkdir "$K"
# SQLite's syncs of the directory (as it makes its journal and log) come first; the key pair's
# is the last of a profile-less init
failing "init, key pair" "op=fsync path=$K at=$dsyncs errno=EIO" "$MAMORI" --dir "$K" init
err_has "init: says the key pair was not made and to run init again" "鍵ペアは作成していません"
is "init: and nothing on stdout (no 'initialised' line)" "" "$(cat "$TMP/out")"
is "init: the directory is left empty" "" "$(ls -A "$K")"
expect "init: the next init goes through" 0 "$MAMORI" --dir "$K" init
check "init: with its key pair" "[ -s '$K/ledger.key' ] && [ -s '$K/ledger.pub' ]"
rm -rf "$K"
failing "init of a new directory, key pair" "op=fsync path=$K at=$dsyncs errno=EIO" \
	"$MAMORI" --dir "$K" init
check "init: the directory it made is gone" "[ ! -e '$K' ]"
# the database's log (-wal): SQLite's unix VFS syncs the directory as it makes it but ignores a
# failure, so the store syncs it again once the log is there (store_open, the connection that
# made it: the one before the key pair's); every sync of the directory but the key pair's
# failing fails init (with SQLite's alone, init exited 0)
mkdir "$K"
_before=$(injected)
run faulty "op=fsync path=$K at=1 count=$((dsyncs - 1)) errno=EIO" "$MAMORI" --dir "$K" init
is "init, the database's log: SQLite's syncs and the store's failed" "$((_before + dsyncs - 1))" \
	"$(injected)"
n_inj=$((n_inj + dsyncs - 1))
check "init, the database's log: exit 1" '[ "$rc" -eq 1 ]'
err_one_line "init, the database's log: one line"
err_has "init, the database's log: says the log might not survive a power loss, in Japanese" \
	"停電で失われるおそれがあるため"
is "init, the database's log: the directory is left empty" "" "$(ls -A "$K")"
# SQLite's alone failing: the store's own sync makes the log's name durable
run faulty "op=fsync path=$K at=1 count=$((dsyncs - 2)) errno=EIO" "$MAMORI" --dir "$K" init
is "init, SQLite's syncs of the log failing alone: the store's sync covers them (exit 0)" 0 "$rc"
rm -rf "$K"

# 2. attachments: the file's folder, and the new folders the first one makes
D="$TMP/d"
m() { "$MAMORI" --dir "$D" "$@"; }
m init --profile minato >/dev/null 2>&1
m section add zeimu --name 税務課 >/dev/null
printf '%s\n' 'Kawa-Sora-Umi-2026!x' | m user add sato --name 佐藤 --section zeimu --password-stdin >/dev/null
add() { # add TITLE FILE: a record with FILE attached, by sato
	"$MAMORI" --dir "$D" record add asset --as sato --field "title=$1" --field level=1 \
		--field section=zeimu --field access_controlled=true --attach "$2"
}
titles() { sqlite3 "$D/mamori.db" "SELECT group_concat(title, ' ') FROM (SELECT json_extract(fields, '\$.title') AS title FROM records WHERE title LIKE 'att-%' ORDER BY id)"; }
# a command's open makes the database's log anew (the last close removed it): the store syncs
# the data directory once it is there, the command's first sync of it (SQLite's own comes at
# its first commit, and a failure of it is ignored); with that failing the command does nothing
failing "a command's new log" "op=fsync path=$D at=1 errno=EIO" m section add kaikei --name 会計室
err_has "a command's new log: says the log might not survive a power loss, in Japanese" \
	"停電で失われるおそれがあるため"
is "a command's new log: the section was not added" "" "$(sqlite3 "$D/mamori.db" "SELECT id FROM sections WHERE id = 'kaikei'")"
echo "点検表 1" >"$TMP/a.txt"
A=$(sha256sum "$TMP/a.txt" | cut -c1-2)
# (the data directory's second sync: the first is the store's, for its new log)
failing "attach, the new folder attachments/ in the data directory" \
	"op=fsync path=$D at=2 errno=EIO" add att-1 "$TMP/a.txt"
err_has "attach: says nothing was done and to run the command again" "何も行っていません"
check "attach: the folder not made durable is gone" "[ ! -e '$D/attachments' ]"
failing "attach, the new folder attachments/$A" \
	"op=fsync path=$D/attachments at=1 errno=EIO" add att-1 "$TMP/a.txt"
check "attach: the folder not made durable is gone" "[ ! -e '$D/attachments/$A' ]"
failing "attach, the file's name in attachments/$A" \
	"op=fsync path=$D/attachments/$A at=1 errno=EIO" add att-1 "$TMP/a.txt"
# the file stays (its name may not be durable): the next put of the same bytes syncs it again
failing "attach, the same file again, already there" \
	"op=fsync path=$D/attachments/$A at=1 errno=EIO" add att-1 "$TMP/a.txt"
is "attach: no record was made" "" "$(titles)"
syncs=$(count_calls "of=fsync path=$D/attachments/$A" add att-1 "$TMP/a.txt")
is "attach: then it goes through, the file's folder synced once" 1 "$syncs"
is "attach: one record" "att-1" "$(titles)"
# folders already there are synced into their parents too (a put stopped before its sync, or
# another's on its way to it, may have left them)
echo "点検表 2" >"$TMP/b.txt"
failing "attach, attachments/ already there" "op=fsync path=$D at=2 errno=EIO" \
	add att-2 "$TMP/b.txt"
is "attach: no second record" "att-1" "$(titles)"
check "attach: the ward is consistent" "consistent '$D' quick"

# 3. the agent: its followed offsets (staged, committed) and its spooled log batch
echo "x" >"$TMP/token"
chmod 600 "$TMP/token"
S="$TMP/state"
agent() {
	"$MAMORI" agent --server http://127.0.0.1:1 --token-file "$TMP/token" --spool "$S" \
		--follow "$TMP/app.log" --host h --once
}
spooled() { cat "$S"/spool-logs/*.ndjson 2>/dev/null | grep -o 'line-[0-9]*' | tr '\n' ' '; }
# agent_fails NAME SPEC DIR [RUN]: a fresh state and log, one run (agent, or RUN) with SPEC's
# fault, which must be said, naming DIR
agent_fails() {
	rm -rf "$S"
	printf 'line-1\nline-2\n' >"$TMP/app.log"
	_before=$(injected)
	faulty "$2" "${4:-agent}" 2>"$TMP/agent.err"
	_rc=$?
	is "agent, $1: the fault was injected" "$((_before + 1))" "$(injected)"
	n_inj=$((n_inj + 1))
	check "agent, $1: says which directory could not be synced, in Japanese" \
		"grep -q 'ディレクトリ「$3」の変更をディスクに確定できません' '$TMP/agent.err'"
	once_failed "agent, $1" "$_rc"
}
# once_failed NAME RC: --once exits 1 after a tick that failed or was held, its last line saying
# so in Japanese (after the lines that said why)
once_failed() {
	is "$1: --once exits 1" 1 "$2"
	check "$1: and its last line says the tick failed or was held, in Japanese" \
		"tail -n 1 '$TMP/agent.err' | grep -q 'この実行（--once）の処理は失敗したか保留されました'"
}
agent_fails "the offsets staged" "op=fsync path=$S at=2 errno=EIO" "$S"
is "agent: nothing spooled" "" "$(spooled)"
agent 2>"$TMP/agent.err"
is "agent: a tick that went through exits 0 (the server away is no failure)" 0 "$?"
is "agent: the next run spools the lines, once" "line-1 line-2 " "$(spooled)"
agent_fails "the log batch spooled" "op=fsync path=$S/spool-logs at=2 errno=EIO" "$S/spool-logs"
is "agent: the batch not made durable is not kept" "" "$(spooled)"
agent 2>/dev/null
is "agent: the next run spools the lines, once" "line-1 line-2 " "$(spooled)"
agent_fails "the offsets committed" "op=fsync path=$S at=3 errno=EIO" "$S"
is "agent: the batch is spooled" "line-1 line-2 " "$(spooled)"
echo "line-3" >>"$TMP/app.log"
agent 2>/dev/null
is "agent: the next run goes on from the committed offsets" "line-1 line-2 line-3 " "$(spooled)"

# the agent's file integrity: fim/current, which names the baseline in force, and the new
# baseline beside it (one sync of their folder)
mkdir -p "$TMP/tree"
echo "conf" >"$TMP/tree/app.conf"
printf 'Conf = p+u+g+s+m+c+i+n+sha256\n%s Conf\n' "$TMP/tree" >"$TMP/fim.conf"
fim_agent() {
	"$MAMORI" agent --server http://127.0.0.1:1 --token-file "$TMP/token" --spool "$S" \
		--fim-config "$TMP/fim.conf" --host h --once
}
batches() { grep -ho '"kind":"[a-z]*"' "$S"/spool/*.json 2>/dev/null | cut -d'"' -f4 | tr '\n' ' '; }
rm -rf "$S"
is "agent, the first baseline: its folder is synced once" 1 \
	"$(count_calls "of=fsync path=$S/fim" fim_agent)"
agent_fails "the first baseline" "op=fsync path=$S/fim at=1 errno=EIO" "$S/fim" fim_agent
is "agent, the first baseline: announced all the same (it is in force)" "baseline " "$(batches)"
is "agent: the next run syncs STATE/fim again" 1 "$(count_calls "of=fsync path=$S/fim" fim_agent)"
is "agent: and checks against it" "baseline check " "$(batches)"

# the agent sending to a server (a stub that answers 200 and keeps each body): while a commit of
# the offsets that failed is not completed, no log batch goes, so a restart cannot read and send
# the same lines again (settle finds the sent batch gone and goes back to the old offsets)
python3 - "$TMP/port" "$TMP/received" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open(sys.argv[2], 'ab') as f:
            f.write(body + b'\n')
        with open(sys.argv[2] + '.keys', 'a') as f:
            f.write(self.headers.get('Idempotency-Key', '-') + '\n')
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'{}')
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(sys.argv[1] + '.tmp', 'w').write(str(s.server_address[1]))
import os; os.rename(sys.argv[1] + '.tmp', sys.argv[1])
s.serve_forever()
PY
STUB=$!
trap 'kill $STUB 2>/dev/null; rm -rf "$TMP"' EXIT
for _i in $(seq 1 300); do [ -s "$TMP/port" ] && break; sleep 0.1; done
sending() {
	"$MAMORI" agent --server "http://127.0.0.1:$(cat "$TMP/port")" --token-file "$TMP/token" \
		--spool "$S" --follow "$TMP/app.log" --host h --once
}
received() { grep -o 'line-[0-9]*' "$TMP/received" 2>/dev/null | tr '\n' ' '; }
# commit_fails NAME SPEC: a fresh state and log; one run whose commit fails, one without
commit_fails() {
	rm -rf "$S" "$TMP/received"
	printf 'line-1\nline-2\n' >"$TMP/app.log"
	_before=$(injected)
	faulty "$2" sending 2>"$TMP/agent.err"
	is "agent sending, $1: the fault was injected" "$((_before + 1))" "$(injected)"
	n_inj=$((n_inj + 1))
	is "agent sending, $1: nothing sent while the commit is outstanding" "" "$(received)"
	sending 2>>"$TMP/agent.err"
	is "agent sending, $1: the next run sends each line once" "line-1 line-2 " "$(received)"
}
commit_fails "the commit's rename" "op=rename path=$S/follow.pending at=1 errno=EIO"
commit_fails "the commit's sync" "op=fsync path=$S at=3 errno=EIO"
# a batch removed after its failed put: the removal is synced too (else a power loss could
# bring it back beside a new batch of the same lines)
rm -rf "$S" "$TMP/received"
printf 'line-1\nline-2\n' >"$TMP/app.log"
_before=$(injected)
faulty "op=fsync path=$S/spool-logs at=2 count=2 errno=EIO" sending 2>"$TMP/agent.err"
is "agent sending, a failed put: its batch's removal is synced (a second fault)" \
	"$((_before + 2))" "$(injected)"
n_inj=$((n_inj + 2))
sending 2>>"$TMP/agent.err"
is "agent sending: then each line once" "line-1 line-2 " "$(received)"
# a restart holds its log batches until the state directory (the last commit) is synced: a run
# with nothing new syncs it once, and with that sync failing sends nothing and says why
is "agent sending: a start syncs the state directory once" 1 \
	"$(count_calls "of=fsync path=$S" sending)"
echo "line-3" >>"$TMP/app.log"
faulty "op=fsync path=$S at=1 count=0 errno=EIO" sending 2>"$TMP/agent.err"
once_failed "agent sending, the lines held" "$?"
n_inj=$((n_inj + 1))
is "agent sending: while it fails nothing new is sent" "line-1 line-2 " "$(received)"
check "agent sending: and the log says the lines are held, in Japanese" \
	"grep -q 'ディレクトリ「$S」の変更をディスクに確定できません' '$TMP/agent.err' && grep -q '保留' '$TMP/agent.err'"
sending 2>/dev/null
is "agent sending: then line-3 goes, once" "line-1 line-2 line-3 " "$(received)"
# a failed put whose removal fails too (op=unlink): the batch stays whole under its name, not
# spooled. The agent holds that spool (sends nothing from it, takes nothing into it: the lines
# read again would go beside it), says so and exits 1; the batch removed by a later try in the
# same run (count=1), or kept by a restart with its pending offsets (count=0, settle), each line
# goes once (without the hold the batch went at once, and the next run sent its lines again)
for _cnt in 1 0; do
	rm -rf "$S" "$TMP/received"
	printf 'line-1\nline-2\n' >"$TMP/app.log"
	_before=$(injected)
	faulty "op=fsync path=$S/spool-logs at=2 errno=EIO; op=unlink path=$S/spool-logs/0*.ndjson at=1 count=$_cnt errno=EIO" \
		sending 2>"$TMP/agent.err"
	_rc=$?
	_got=$(($(injected) - _before))
	n_inj=$((n_inj + _got))
	check "agent sending, removal failed (count=$_cnt): the sync's and the removal's faults injected" \
		"[ $_got -ge 2 ] && grep -q '^unlink EIO $S/spool-logs/0' '$FLOG'"
	is "agent sending, removal failed (count=$_cnt): nothing sent" "" "$(received)"
	check "agent sending, removal failed (count=$_cnt): says the batch could not be removed, in Japanese" \
		"grep -q 'を削除できませんでした' '$TMP/agent.err'"
	once_failed "agent sending, removal failed (count=$_cnt)" "$_rc"
	if [ "$_cnt" = 0 ]; then
		check "agent sending, removal failed (count=0): the batch is still there" \
			"ls '$S/spool-logs' | grep -q '^0.*ndjson\$'"
		check "agent sending, removal failed (count=0): and the hold is said, in Japanese" \
			"grep -q '削除できるまで' '$TMP/agent.err'"
	fi
	sending 2>>"$TMP/agent.err"
	is "agent sending, removal failed (count=$_cnt): the next run exits 0" 0 "$?"
	is "agent sending, removal failed (count=$_cnt): each line once" "line-1 line-2 " "$(received)"
	echo "line-3" >>"$TMP/app.log"
	sending 2>>"$TMP/agent.err"
	is "agent sending, removal failed (count=$_cnt): and the next line once" "line-1 line-2 line-3 " \
		"$(received)"
done
# the spool's "next" cannot be written once: a sent batch's number must not be given again after
# a restart (the server would take the new batch for the old one and drop its lines)
rm -rf "$S" "$TMP/received" "$TMP/received.keys"
printf 'line-1\n' >"$TMP/app.log"
sending 2>/dev/null
echo "line-2" >>"$TMP/app.log"
faulty "op=write path=$S/spool-logs/.next.tmp at=1 errno=EIO" sending 2>"$TMP/agent.err"
echo "line-3" >>"$TMP/app.log"
sending 2>/dev/null
is "agent sending, 'next' not written once: every batch has its own key" "" \
	"$(grep -- '-logs-' "$TMP/received.keys" | sort | uniq -d)"
is "agent sending: and every line arrived" "line-1 line-2 line-3 " "$(received)"

tally_faults "$(injected)" 0
done_testing
