#!/bin/sh
# t0700: file integrity on the Mamori host: AIDE configurations, init, check (exit codes, JSON
# keys), accept through the door, tamper-check duties, a baseline rewritten on disk, the ledger.
. "$(dirname "$0")/lib.sh"

D="$TMP/ward"
T="$TMP/tree"
C="$TMP/aide.conf"
json() { python3 -c "import json,sys; d=json.load(open('$TMP/out')); print($1)"; }
# is NAME ACTUAL EXPECTED: a string comparison with both shown when it fails.
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got:  $2" "want: $3"; fi
}

mkdir -p "$T/etc" "$T/www/cache"
echo "PermitRootLogin no" >"$T/etc/sshd_config"
echo "<h1>区役所</h1>" >"$T/www/index.html"
echo "tmp" >"$T/www/cache/x"
ln -s sshd_config "$T/etc/link"
cat >"$C" <<EOF
# as a ward moves it over from AIDE: database and report lines are accepted and ignored
database_in=file:/var/lib/aide/aide.db
database_out=file:/var/lib/aide/aide.db.new
report_url=stdout
gzip_dbout=no
Conf = p+u+g+s+m+c+i+n+sha256+ftype+l
$T Conf
!$T/www/cache
$T/etc/sshd_config\$ Critical
EOF

# fim config check: file:line errors, ok for a good file
expect "config check: a good file" 0 "$MAMORI" fim config check "$C"
out_has "config check says ok" "ok: 3 rules"
printf '/etc Rr\n/var R\n/x sha265\n' >"$TMP/bad.conf"
expect "config check: errors" 1 "$MAMORI" fim config check "$TMP/bad.conf"
err_has "error with file:line and a hint" "bad.conf:1: error: unknown attribute or group 'Rr' (did you mean 'R'?)"
err_has "every error is listed" "bad.conf:3: error: unknown attribute or group 'sha265' (did you mean 'sha256'?)"
expect "config check: no file" 1 "$MAMORI" fim config check "$TMP/none.conf"
expect "config check: usage" 2 "$MAMORI" fim config check

expect "init the ward" 0 "$MAMORI" --dir "$D" init --profile minato --demo

# init
expect "fim check before any baseline" 1 "$MAMORI" --dir "$D" fim check
err_has "says to run fim init" "fim init --config FILE"
expect "fim init without --config" 2 "$MAMORI" --dir "$D" fim init
expect "fim init" 0 "$MAMORI" --dir "$D" fim init --config "$C" --json
is "init: generation 1, 6 entries" "$(json 'd["generation"], d["entries"]')" '1 6'
sha1=$(json 'd["sha256"]')
ilx=$(json 'd["ledger_index"]')
expect "the baseline's ledger entry" 0 "$MAMORI" --dir "$D" ledger entry "$ilx" --json
is "ledgers the signed baseline's digest" "$(json 'd["action"] + " " + d["after"]')" "fim.baseline $sha1"
expect "init again without --as is refused" 1 "$MAMORI" --dir "$D" fim init --config "$C"
err_has "a new generation needs --as" "needs --as LOGIN"
is "the baseline file is private" "$(stat -c %a "$D"/fim/1/1.base)" 600
is "the key is private" "$(stat -c %a "$D"/fim/fim.key)" 600

# check: nothing changed
expect "check: nothing changed" 0 "$MAMORI" --dir "$D" fim check
out_has "check: clean" "clean"
expect "check --json: nothing changed" 0 "$MAMORI" --dir "$D" fim check --config "$C" --json
is "json keys id/added/removed/changed" "$(json 'sorted(k for k in d if k in ("id","added","removed","changed")), d["added"], d["removed"], d["changed"]')" "['added', 'changed', 'id', 'removed'] [] [] []"

# changes: content, mode, added, removed, a directory whose entries changed, the ignored cache
echo "PermitRootLogin yes" >"$T/etc/sshd_config"
chmod 600 "$T/www/index.html"
echo new >"$T/www/new.html"
rm "$T/etc/link"
echo more >"$T/www/cache/y"
expect "check: something changed" 1 "$MAMORI" --dir "$D" fim check --json
report=$(json 'd["id"]')
is "added: the new file, as configured (absolute)" "$(json '[x["path"] for x in d["added"]]')" "['$T/www/new.html']"
is "removed: the link" "$(json '[x["path"] for x in d["removed"]]')" "['$T/etc/link']"
is "changed: paths in order, the directories too" "$(json '[x["path"] for x in d["changed"]]')" "['$T/etc', '$T/etc/sshd_config', '$T/www', '$T/www/index.html']"
is "changed: a directory has type directory" "$(json '[x["type"] for x in d["changed"] if x["path"].endswith("/www")][0]')" directory
is "changed: the attributes that changed" "$(json '[x["attributes"] for x in d["changed"] if x["path"].endswith("index.html")][0]')" "['mode', 'ctime']"
is "changed: content is sha256" "$(json '"sha256" in [x["attributes"] for x in d["changed"] if x["path"].endswith("sshd_config")][0]')" True
is "the critical file is marked" "$(json 'd["summary"]["critical"]')" True
is "the report's digest is ledgered" "$(json 'd["ledger_index"] > 0')" True
idx=$(json 'd["ledger_index"]')
result=$(json 'd["result_sha256"]')
alert=$(json 'd["alert"]')
is "a change raises an alert" "$(json 'd["alert"] is not None')" True
is "no alert when nothing changed (the check before)" "$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM records WHERE register='alert' AND json_extract(fields,'\$.rule') LIKE 'fim%'")" 1
expect "the alert is listed" 0 "$MAMORI" --dir "$D" alert list --json
is "alert: rule, severity, the report's ledger entry" \
	"$(json '[(a["rule"], a["entries"]) for a in d if a["id"]=='"$alert"'][0]')" "('fim-changed', [$idx])"
is "a critical file's change is 緊急" "$(json '[a["severity"] for a in d if a["id"]=='"$alert"'][0]')" 緊急
case=$(json '[a["incident"] for a in d if a["id"]=='"$alert"'][0]')
is "and opens an incident, the alert linked to it" "$(test "$case" -gt 0 2>/dev/null && echo yes)" yes
expect "the CSIRT finds the case" 0 "$MAMORI" --dir "$D" incident list --as joho-2 --json
is "the case: escalated by Mamori, titled by the alert" \
	"$(json '[(c["status"], "ファイルの変更を検知" in c["title"]) for c in d if c["id"]=='"$case"'][0]')" "('escalated', True)"
expect "the case lists the alert" 0 "$MAMORI" --dir "$D" incident show "$case" --as joho-2 --json
is "its alerts are the alert" "$(json 'd["alerts"]')" "[$alert]"
expect "the ledger entry of the check" 0 "$MAMORI" --dir "$D" ledger entry "$idx" --json
out_has "kind integrity" '"kind":"integrity"'
out_has "action fim.check" '"action":"fim.check"'
out_has "the result's digest" "\"after\":\"$result\""
expect "fim show" 0 "$MAMORI" --dir "$D" fim show "$report"
out_has "fim show prints the report" "\"id\":$report"
expect "text output lists the changes" 1 "$MAMORI" --dir "$D" fim check
out_has "text: added" "added: $T/www/new.html"
out_has "text: changed with attributes" "changed: $T/www/index.html (mode, ctime)"

# accept: through the door, decided by the profile
expect "accept needs --as" 2 "$MAMORI" --dir "$D" fim accept "$report"
expect "accept: a bad report id" 2 "$MAMORI" --dir "$D" fim accept x --as joho-kacho
expect "accept: no such report" 1 "$MAMORI" --dir "$D" fim accept 999 --as joho-kacho
expect "accept: refused for staff" 3 "$MAMORI" --dir "$D" fim accept "$report" --as zeimu-1
out_has "refusal cites the clause" "MIN-5-6-2"
expect "accept: an older report is stale" 1 "$MAMORI" --dir "$D" fim accept 1 --as joho-kacho
last=$(sqlite3 "$D/mamori.db" "SELECT max(id) FROM fim_reports")
expect "accept by the system manager" 0 "$MAMORI" --dir "$D" fim accept "$last" --as joho-kacho \
	--comment "sshd の設定変更（変更管理票 12）" --json
is "generation 2 installed" "$(json 'd["generation"], d["installed"]')" '2 True'
out_has "accepted through the door" '"outcome":"done"'
alx=$(json 'd["act"]["ledger_index"]')
sha2=$(json 'd["sha256"]')
expect "the acceptance's ledger entry" 0 "$MAMORI" --dir "$D" ledger show "$alx" --payload
out_has "says who accepted" "actor     joho-kacho"
out_has "and why (the comment, in the sealed payload)" '"comment":"sshd の設定変更（変更管理票 12）"'
out_has "and the new generation's digest" "\"sha256\":\"$sha2\""
expect "accept twice" 1 "$MAMORI" --dir "$D" fim accept "$last" --as joho-kacho
err_has "accepted already" "accepted already"
expect "check after accepting: nothing changed" 0 "$MAMORI" --dir "$D" fim check
check "the previous generation is kept" "[ -f $D/fim/1/1.base ] && [ -f $D/fim/1/2.base ]"
is "the record in register fim has the generation" \
	"$(sqlite3 "$D/mamori.db" "SELECT json_extract(fields,'\$.generation') FROM records WHERE register='fim'")" 2

# re-init with --as: a new generation with the same authority
echo extra >"$T/etc/extra.conf"
expect "re-init by staff is refused" 3 "$MAMORI" --dir "$D" fim init --config "$C" --as zeimu-1
check "and leaves no baseline behind" "[ ! -e $D/fim/1/3.base ] && [ -f $D/fim/1/2.base ]"
expect "re-init by the system manager" 0 "$MAMORI" --dir "$D" fim init --config "$C" --as joho-kacho --json
is "generation 3" "$(json 'd["generation"]')" 3
expect "nothing changed after re-init" 0 "$MAMORI" --dir "$D" fim check

# duties: fim check --as fulfils the tamper-check duty (MIN-5-6-2) through the door
expect "check --as a person without the duty" 1 "$MAMORI" --dir "$D" fim check --as zeimu-1
err_has "says which role" "system_manager"
expect "check --scope without --as" 2 "$MAMORI" --dir "$D" fim check --scope system:lan
tamper_kind() { sqlite3 "$D/mamori.db" "SELECT count(*) FROM records WHERE register='check' AND json_extract(fields,'\$.kind') LIKE '%改ざん%'"; }
before=$(tamper_kind)
expect "check --as the system manager" 0 "$MAMORI" --dir "$D" fim check --as joho-kacho --json
is "one duty per scope the person holds it at" "$(json 'sorted(x["scope"] for x in d["duties"])')" "['system:groupware', 'system:lan']"
is "done through the door" "$(json 'set(x["act"]["outcome"] for x in d["duties"])')" "{'done'}"
expect "check --as --scope" 0 "$MAMORI" --dir "$D" fim check --as joho-kacho --scope system:lan --json
is "only that scope" "$(json '[x["scope"] for x in d["duties"]]')" "['system:lan']"
expect "a scope the person does not hold" 1 "$MAMORI" --dir "$D" fim check --as joho-kacho --scope system:kokuho
expect "duty list" 0 "$MAMORI" --dir "$D" duty list --json
is "the tamper check at system:lan was done by joho-kacho" \
	"$(json '[x["last_done_by"] for x in d if x["duty"]=="tamper-check" and x["scope"]=="system:lan"][0]')" joho-kacho
is "the evidence: a check record of the tamper kind per scope" "$(($(tamper_kind) - before))" 3

# a ward whose profile makes acceptance need the CISO's approval: pending, then installed
python3 - "$MAMORI_SRCDIR/policies/minato.yaml" "$TMP/minato-approval.yaml" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
old = "  - id: fim-baseline-by-system-manager\n    on: [fim.register, fim.accept, fim.read]\n"
assert old in text
text = text.replace(old, "  - id: fim-accept-needs-ciso\n    on: fim.accept\n"
                    "    when: {actor: {role: system_manager, at: any}}\n"
                    "    effect: approval\n    approver: ciso\n    clause: MIN-5-6-2\n"
                    "  - id: fim-baseline-by-system-manager\n    on: [fim.register, fim.read]\n")
open(sys.argv[2], 'w', encoding='utf-8').write(text)
PY
expect "without a review, the new version is refused" 3 "$MAMORI" --dir "$D" policy apply \
	"$TMP/minato-approval.yaml" --as admin
expect "apply a profile where fim.accept needs approval, under its review" 0 \
	apply_reviewed "$TMP/minato-approval.yaml" joho-kacho fukukucho
echo changed >"$T/www/index.html"
expect "a change" 1 "$MAMORI" --dir "$D" fim check --json
pend=$(json 'd["id"]')
plain=$(json 'd["alert"]')
expect "alerts" 0 "$MAMORI" --dir "$D" alert list --json
is "a change to a file not marked critical: 中, no incident" \
	"$(json '[(a["severity"], a["incident"]) for a in d if a["id"]=='"$plain"'][0]')" "('中', None)"
expect "accept: pending" 0 "$MAMORI" --dir "$D" fim accept "$pend" --as joho-kacho --json
is "pending, not installed" "$(json 'd["act"]["outcome"], d["installed"]')" "pending False"
req=$(json 'd["act"]["request"]')
expect "still the old generation" 1 "$MAMORI" --dir "$D" fim check
expect "the CISO approves" 0 "$MAMORI" --dir "$D" request approve "$req" --as fukukucho
expect "accept again installs what was approved" 0 "$MAMORI" --dir "$D" fim accept "$pend" \
	--as joho-kacho --json
is "installed generation 4" "$(json 'd["generation"], d["installed"]')" "4 True"
expect "nothing changed after the approved acceptance" 0 "$MAMORI" --dir "$D" fim check

# a baseline rewritten on disk is found out, and cannot be accepted
cp "$D/fim/1/4.base" "$TMP/good.base"
printf 'X' | dd of="$D/fim/1/4.base" bs=1 seek=300 conv=notrunc 2>/dev/null
expect "check: a tampered baseline" 1 "$MAMORI" --dir "$D" fim check --json
is "outcome tampered" "$(json 'd["outcome"]')" tampered
bad=$(json 'd["id"]')
talert=$(json 'd["alert"]')
expect "the tamper alert" 0 "$MAMORI" --dir "$D" alert list --json
is "tampered: rule fim-baseline-tampered" "$(json '[a["rule"] for a in d if a["id"]=='"$talert"'][0]')" fim-baseline-tampered
expect "a tampered report cannot be accepted" 1 "$MAMORI" --dir "$D" fim accept "$bad" --as joho-kacho
err_has "says to make a new baseline" "fim init"
cp "$TMP/good.base" "$D/fim/1/4.base"
# a table rewritten to another baseline no longer matches the ledger
sqlite3 "$D/mamori.db" "UPDATE fim_configs SET baseline_sha256 = '$sha1', generation = 1"
expect "check: the table no longer matches the ledger" 1 "$MAMORI" --dir "$D" fim check --json
is "tampered again" "$(json 'd["outcome"]')" tampered
out_has "names the ledger" "ledger"

expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
expect "fim list" 0 "$MAMORI" --dir "$D" fim list --json
out_has "fim list names the configuration" "\"config\":\"$C\""
# SQLite is one machine: a local configuration names no node (schema 0028)
out_has "and no node on SQLite" '"node":""'
check "the key is (host, node, path) there too" "sqlite3 '$D/mamori.db' \"SELECT sql FROM sqlite_master WHERE name = 'fim_configs'\" | grep -q 'UNIQUE (host, node, path)'"

# Shinjuku: the tamper-check duty (SHJ-5-7-3) is fulfilled by a check, at the scope where the
# person is the system manager (the demo gives each system to a staff member)
S="$TMP/shinjuku"
expect "init the Shinjuku ward" 0 "$MAMORI" --dir "$S" init --profile shinjuku --demo
expect "Shinjuku: the system managers" 0 "$MAMORI" --dir "$S" role list --json
sm=$(json '[x["login"] for x in d if x["role"]=="system_manager" and x["scope"]=="system:kokuho"][0]')
expect "Shinjuku: fim init" 0 "$MAMORI" --dir "$S" fim init --config "$C"
expect "Shinjuku: check --as the system manager of kokuho" 0 "$MAMORI" --dir "$S" fim check \
	--as "$sm" --json
is "Shinjuku: the duty at system:kokuho, done through the door" \
	"$(json '[(x["duty"], x["scope"], x["act"]["outcome"]) for x in d["duties"]]')" \
	"[('tamper-check', 'system:kokuho', 'done')]"
expect "Shinjuku: duty list" 0 "$MAMORI" --dir "$S" duty list --json
is "Shinjuku: the tamper check (SHJ-5-7-3) at system:kokuho was done by its system manager" \
	"$(json '[(x["last_done_by"], x["clauses"]) for x in d if x["duty"]=="tamper-check" and x["scope"]=="system:kokuho"][0]')" \
	"('$sm', ['SHJ-5-7-3'])"
is "and nowhere else" \
	"$(json 'sorted(x["scope"] for x in d if x["duty"]=="tamper-check" and x["last_done_by"])')" \
	"['system:kokuho']"

done_testing
