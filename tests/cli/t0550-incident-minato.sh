#!/bin/sh
# t0550: a Minato incident from a 税務課 staff member's report to its closing by the CSIRT:
# routing to the section's security officer and on to the CSIRT (MIN-4-1-5-1, MIN-2-8-2),
# the emergency path (an urgent report reaches the CSIRT and the システム統括管理者 at once, who
# may cut the network off before the escalation, MIN-9-4-3), the legal deadlines (施行規則第43条),
# containment that suspends an account, a system stopped and a device quarantined (each undone),
# the approval of a serious case's recurrence prevention, an exercise kept out of statistics
# and recorded as the drill duty's training, and refusals that cite the clause.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

# jq-like checks with python3: jget FILE EXPR prints the value of EXPR over the JSON in FILE.
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato --ward-name 港区
for s in "somubu 総務部 -" "jouhou 情報政策課 somubu" "zeimu 税務課 -" "kumin 区民課 -"; do
	set -- $s
	if [ "$3" = - ]; then m section add "$1" --name "$2" >/dev/null; else
		m section add "$1" --name "$2" --parent "$3" >/dev/null; fi || not_ok "section $1"
done
m system add zeimu-sys --name 税務システム --section zeimu >/dev/null || not_ok "system"
for u in "zeimu-1 zeimu" "zeimu-2 zeimu" "zeimu-kacho zeimu" "kumin-kacho kumin" \
	"joho-kacho jouhou" "csirt-1 jouhou" "fukukucho somubu"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" --employment 職員 >/dev/null || not_ok "user $1"
done
for g in "zeimu-kacho security_officer@section:zeimu" "kumin-kacho security_officer@section:kumin" \
	"joho-kacho security_officer@section:jouhou" "joho-kacho system_chief@org" \
	"zeimu-kacho system_manager@system:zeimu-sys" "csirt-1 csirt@org" "fukukucho ciso@org"; do
	set -- $g
	m role grant "$1" "$2" >/dev/null || not_ok "grant $1 $2"
done

# ---- bad reports ------------------------------------------------------------------------
expect "a report needs --as" 2 "$MAMORI" --dir "$D" incident report --title x --found-at 2026-01-10T09:00
expect "a found-at that is not a time is refused" 1 "$MAMORI" --dir "$D" incident report \
	--title x --found-at yesterday --as zeimu-1
err_has "the error says what a time looks like" "2026-11-22T10:30"
err_one_line "one line on stderr"
expect "a found-at in the future is refused" 1 "$MAMORI" --dir "$D" incident report \
	--title x --found-at 2999-01-01T00:00:00+09:00 --as zeimu-1
err_has "the error says it is in the future" "in the future"
expect "occurred after found is refused" 1 "$MAMORI" --dir "$D" incident report --title x \
	--found-at 2026-01-10T09:00 --occurred-at 2026-01-11T09:00 --as zeimu-1
expect "a record the reporter may not read cannot be named" 1 "$MAMORI" --dir "$D" incident \
	report --title x --found-at 2026-01-10T09:00 --record 999 --as zeimu-1

# ---- the report goes to the section's security officer -----------------------------------
new_record "a level-3 asset of 税務課" asset --field title=住民税課税台帳 --level 3 \
	--section zeimu --field access_controlled=true --as zeimu-kacho
A=$rec
expect "zeimu-1 reports (150 people's personal data)" 0 "$MAMORI" --dir "$D" incident report \
	--title "他人の課税情報が画面に表示された" --found-at 2026-01-10T09:30 \
	--occurred-at 2026-01-10T09:10 --record "$A" --personal-data 150 --as zeimu-1 --json
cp "$TMP/out" "$TMP/report.json"
I=$(jget "$TMP/report.json" 'd["id"]')
check "the answer is {id, outcome: done}" "[ '$(jget "$TMP/report.json" 'd["outcome"]')' = done ]"
check "routed to the 税務課 security officer only" \
	"[ '$(jget "$TMP/report.json" '",".join(r["role"]+"@"+r["scope"] for r in d["routed_to"])')' = security_officer@section:zeimu ]"
expect "show --json" 0 "$MAMORI" --dir "$D" incident show "$I" --json
cp "$TMP/out" "$TMP/show.json"
check "status reported" "[ '$(jget "$TMP/show.json" 'd["status"]')' = reported ]"
check "150 people: reportable (施行規則第43条)" "[ '$(jget "$TMP/show.json" 'd["reportable"]')' = True ]"
check "the 速報 is due 3 days after discovery, RFC 3339 with +09:00" \
	"[ '$(jget "$TMP/show.json" '[x["due"] for x in d["deadlines"] if x["kind"]=="ppc_preliminary"][0]')' = 2026-01-13T09:30:00+09:00 ]"
check "the 確報 is due 30 days after discovery" \
	"[ '$(jget "$TMP/show.json" '[x["due"] for x in d["deadlines"] if x["kind"]=="ppc_final"][0]')' = 2026-02-09T09:30:00+09:00 ]"
check "the linked record is on the case" "[ '$(jget "$TMP/show.json" 'd["records"]')' = '[$A]' ]"
check "the timeline names the reporter" "[ '$(jget "$TMP/show.json" 'd["timeline"][0]["actor"]')' = zeimu-1 ]"
jget "$TMP/show.json" 'd["timeline"][0]["what"]' >"$TMP/what"
check "the timeline says what the report recorded as people read it (the section's name, the time as an office writes it)" \
	"grep -q '報告した課等: 税務課' '$TMP/what' && grep -q '発見日時: 令和8年1月10日 09:30' '$TMP/what'"
check "and no raw value (a section id, an RFC 3339 time, true)" "! grep -q 'zeimu\|T09:30\|: true' '$TMP/what'"
expect "the CSIRT does not read it before the escalation" 1 "$MAMORI" --dir "$D" incident show \
	"$I" --as csirt-1
expect "the CSIRT's list is empty" 0 "$MAMORI" --dir "$D" incident list --as csirt-1 --json
check "nothing listed" "[ \"\$(cat '$TMP/out')\" = '[]' ]"

# ---- refusals cite the clause, whatever the state ------------------------------------------
expect "the reporter may not close it" 3 "$MAMORI" --dir "$D" incident step "$I" closed --as zeimu-1
out_has "the refusal cites MIN-5-9-4" "MIN-5-9-4"
expect "another section's officer may not close it" 3 "$MAMORI" --dir "$D" incident step "$I" \
	closed --as kumin-kacho
out_has "refused for who, not for when" "not allowed"
expect "another section's officer may not escalate it" 3 "$MAMORI" --dir "$D" incident step \
	"$I" escalated --as kumin-kacho
out_has "the refusal cites MIN-2-8-2" "MIN-2-8-2"
expect "an unknown status is a usage error" 2 "$MAMORI" --dir "$D" incident step "$I" finished \
	--as zeimu-kacho
err_has "the statuses are listed" "escalated, received"

# ---- escalation, the CSIRT's work, containment -------------------------------------------
expect "the 税務課 officer escalates to the CSIRT" 0 "$MAMORI" --dir "$D" incident step "$I" \
	escalated --as zeimu-kacho --json
check "routed to the CSIRT" "[ '$(jget "$TMP/out" '",".join(r["role"] for r in d["routed_to"])')' = csirt ]"
expect "the CSIRT may not close a case it has not worked" 3 "$MAMORI" --dir "$D" incident step \
	"$I" closed --as csirt-1
out_has "said why: the state" "cannot start from state"
expect "the CSIRT receives it" 0 "$MAMORI" --dir "$D" incident step "$I" received --as csirt-1
printf '2026-01-10 09:12 zeimu-2 照会 住民税課税台帳\n' >"$TMP/extract.txt"
expect "the CSIRT takes a log extract in as evidence" 0 "$MAMORI" --dir "$D" incident evidence \
	add "$I" "$TMP/extract.txt" --as csirt-1 --json
check "its SHA-256 is the file's" \
	"[ '$(jget "$TMP/out" 'd["evidence"]["sha256"]')' = '$(sha256sum "$TMP/extract.txt" | cut -d' ' -f1)' ]"
EVIDX=$(jget "$TMP/out" 'd["evidence"]["ledger_index"]')
expect "the intake entry names the SHA-256 publicly" 0 "$MAMORI" --dir "$D" ledger entry "$EVIDX" --json
out_has "sha256 in the entry" "$(sha256sum "$TMP/extract.txt" | cut -d' ' -f1)"
expect "the system chief cuts the network off (MIN-9-4-3)" 0 "$MAMORI" --dir "$D" incident act \
	"$I" cut_off --field target=税務課LAN --as joho-kacho
expect "staff may not cut the network off" 3 "$MAMORI" --dir "$D" incident act "$I" cut_off \
	--field target=税務課LAN --as zeimu-1
expect "the system chief suspends an account" 0 "$MAMORI" --dir "$D" incident act "$I" \
	suspend_account --field account=zeimu-2 --as joho-kacho
expect "the account is suspended at once" 0 "$MAMORI" --dir "$D" user show zeimu-2
out_has "status suspended" "suspended"
expect "the suspended person's act is refused" 3 "$MAMORI" --dir "$D" incident report \
	--title x --found-at 2026-01-10T10:00 --as zeimu-2
expect "the evidence is handed over to the police" 0 "$MAMORI" --dir "$D" incident evidence \
	handover "$I" "$(sha256sum "$TMP/extract.txt" | cut -c1-16)" --to 三田警察署 \
	--reason 捜査のための提出 --as csirt-1
expect "show --json" 0 "$MAMORI" --dir "$D" incident show "$I" --json
cp "$TMP/out" "$TMP/show.json"
check "the evidence is held by the police now" "[ '$(jget "$TMP/show.json" 'd["evidence"][0]["holder"]')' = 三田警察署 ]"
check "containment in force: the cut-off and the suspension" \
	"[ '$(jget "$TMP/show.json" '",".join(sorted(c["action"] for c in d["containment"] if c["in_force"]))')' = cut_off,suspend_account ]"
expect "the account is reinstated" 0 "$MAMORI" --dir "$D" incident act "$I" reinstate_account \
	--field account=zeimu-2 --as joho-kacho
expect "and is active again" 0 "$MAMORI" --dir "$D" user show zeimu-2
out_has "status active" "active"
expect "the network is reconnected" 0 "$MAMORI" --dir "$D" incident act "$I" reconnect \
	--field target=税務課LAN --as joho-kacho
expect "the 速報 is made" 0 "$MAMORI" --dir "$D" incident act "$I" report_out \
	--field deadline=個人情報保護委員会への速報 --as joho-kacho
expect "a task is given" 0 "$MAMORI" --dir "$D" incident act "$I" task_add --field task=権限の棚卸し \
	--field assignee=zeimu-kacho --field due=2026-01-20 --as csirt-1
expect "a note on the timeline" 0 "$MAMORI" --dir "$D" incident note "$I" "税務課に聞き取り" --as csirt-1
for s in investigating recovered prevention; do
	expect "the CSIRT steps it to $s" 0 "$MAMORI" --dir "$D" incident step "$I" "$s" --as csirt-1 \
		--field cause=権限設定の誤り --field prevention=権限の定期見直し
	[ "$s" = prevention ] || true
done
expect "show --json" 0 "$MAMORI" --dir "$D" incident show "$I" --json
cp "$TMP/out" "$TMP/show.json"
check "the 速報 is done" "[ '$(jget "$TMP/show.json" '[x["done"] for x in d["deadlines"] if x["kind"]=="ppc_preliminary"][0]')' = True ]"
check "nothing in force any more" "[ '$(jget "$TMP/show.json" '[c for c in d["containment"] if c["in_force"]]')' = '[]' ]"
check "the task is listed" "[ '$(jget "$TMP/show.json" 'd["tasks"][0]["what"]')' = 権限の棚卸し ]"
check "due 2026-01-20 and open: overdue, like a risk's task (one task writer)" \
	"[ '$(jget "$TMP/show.json" '(d["tasks"][0]["done"], d["tasks"][0]["overdue"], d["tasks"][0]["done_by"])')' = '(False, True, None)' ]"
check "the timeline has the note" "[ '$(jget "$TMP/show.json" 'any("税務課に聞き取り" in e["what"] for e in d["timeline"])')' = True ]"
expect "the reporter still may not close it" 3 "$MAMORI" --dir "$D" incident step "$I" closed --as zeimu-1
out_has "the refusal cites MIN-5-9-4" "MIN-5-9-4"
expect "the CSIRT closes it" 0 "$MAMORI" --dir "$D" incident step "$I" closed --as csirt-1
expect "the case is closed" 0 "$MAMORI" --dir "$D" incident show "$I" --json
check "status closed" "[ '$(jget "$TMP/out" 'd["status"]')' = closed ]"

# ---- a serious case: the CISO approves its recurrence prevention ---------------------------
expect "a serious report" 0 "$MAMORI" --dir "$D" incident report --title 不正アクセスの疑い \
	--found-at 2026-01-12T08:00 --severity 高 --as zeimu-1 --json
S=$(jget "$TMP/out" 'd["id"]')
for s in "escalated zeimu-kacho" "received csirt-1" "recovered csirt-1"; do
	set -- $s
	expect "$1 by $2" 0 "$MAMORI" --dir "$D" incident step "$S" "$1" --as "$2"
done
asks "the recurrence prevention of a serious case" "セキュリティ統括責任者" "$MAMORI" --dir "$D" \
	incident step "$S" prevention --as csirt-1 --field cause=脆弱なパスワード \
	--field prevention=パスワードの強化
expect "the CSIRT may not approve its own report" 3 "$MAMORI" --dir "$D" request approve "$req" --as csirt-1
expect "the CISO approves" 0 "$MAMORI" --dir "$D" request approve "$req" --as fukukucho
expect "then the CSIRT closes it" 0 "$MAMORI" --dir "$D" incident step "$S" closed --as csirt-1

# ---- the emergency path ---------------------------------------------------------------------
expect "an urgent report" 0 "$MAMORI" --dir "$D" incident report --title ウイルス感染の疑い \
	--found-at 2026-01-15T10:00 --urgent --as zeimu-1 --json
U=$(jget "$TMP/out" 'd["id"]')
check "an urgent report goes to the officer, the CSIRT and the system chief at once" \
	"[ '$(jget "$TMP/out" '",".join(sorted(r["role"] for r in d["routed_to"]))')' = csirt,security_officer,system_chief ]"
expect "the CSIRT reads it before the escalation" 0 "$MAMORI" --dir "$D" incident show "$U" --as csirt-1
expect "the system chief cuts the network off before the escalation" 0 "$MAMORI" --dir "$D" \
	incident act "$U" cut_off --field target=税務課の端末 --as joho-kacho --json
check "and must report to the CISO afterwards" "[ '$(jget "$TMP/out" '",".join(r["role"] for r in d["routed_to"])')' = ciso ]"
expect "a report that is not urgent" 0 "$MAMORI" --dir "$D" incident report --title 誤送信 \
	--found-at 2026-01-15T11:00 --as zeimu-1 --json
N=$(jget "$TMP/out" 'd["id"]')
expect "is not cut off before the escalation" 3 "$MAMORI" --dir "$D" incident act "$N" cut_off \
	--field target=x --as joho-kacho

# ---- an exercise (訓練) --------------------------------------------------------------------
expect "a drill is reported" 0 "$MAMORI" --dir "$D" incident report --title 標的型メール訓練 \
	--found-at 2026-01-20T10:00 --drill --as zeimu-1 --json
R=$(jget "$TMP/out" 'd["id"]')
for s in "escalated zeimu-kacho" "received csirt-1" "recovered csirt-1" "prevention csirt-1"; do
	set -- $s
	expect "drill: $1 by $2" 0 "$MAMORI" --dir "$D" incident step "$R" "$1" --as "$2" \
		$([ "$1" = prevention ] && echo --field cause=報告の遅れ --field prevention=報告手順の再周知)
done
expect "the CISO closes the drill" 0 "$MAMORI" --dir "$D" incident step "$R" closed --as fukukucho
expect "closing the drill alone is not the drill's record" 0 "$MAMORI" --dir "$D" duty list --json
check "the drill duty is not yet done" \
	"[ '$(jget "$TMP/out" '[x.get("last_done_by") for x in (d if isinstance(d,list) else d["duties"]) if x["duty"]=="drill"][0]')' = None ]"
expect "the CISO records the drill in the training register (4(2)③)" 0 "$MAMORI" --dir "$D" \
	record add training --as fukukucho --field course=標的型メール訓練 \
	--field kind=脅威・緊急時対応の訓練 --field held_on="$(TZ=Asia/Tokyo date +%Y-%m-%d)"
expect "the drill duty is fulfilled" 0 "$MAMORI" --dir "$D" duty list --json
check "duty drill last done by the CISO" \
	"[ '$(jget "$TMP/out" '[x.get("last_done_by") for x in (d if isinstance(d,list) else d["duties"]) if x["duty"]=="drill"][0]')' = fukukucho ]"
expect "the list leaves drills out" 0 "$MAMORI" --dir "$D" incident list --json
check "no drill in real statistics" "[ '$(jget "$TMP/out" '[x["id"] for x in d if x["drill"]]')' = '[]' ]"
expect "unless asked" 0 "$MAMORI" --dir "$D" incident list --drills-only --json
check "the drill is listed" "[ '$(jget "$TMP/out" '[x["id"] for x in d]')' = '[$R]' ]"

# ---- the system's manager stops the system and quarantines a device (MIN-5-7-2-2) -------------
expect "a failure of 税務システム is reported" 0 "$MAMORI" --dir "$D" incident report \
	--title 税務システムのウイルス感染の疑い --found-at 2026-01-12T08:00 --system zeimu-sys \
	--as zeimu-1 --json
S=$(jget "$TMP/out" 'd["id"]')
expect "escalated" 0 "$MAMORI" --dir "$D" incident step "$S" escalated --as zeimu-kacho
expect "received" 0 "$MAMORI" --dir "$D" incident step "$S" received --as csirt-1
expect "staff may not stop the system" 3 "$MAMORI" --dir "$D" incident act "$S" stop_system \
	--field target=税務システム --as zeimu-1
expect "the system's manager stops it" 0 "$MAMORI" --dir "$D" incident act "$S" stop_system \
	--field target=税務システム --as zeimu-kacho
expect "and quarantines a terminal" 0 "$MAMORI" --dir "$D" incident act "$S" quarantine_device \
	--field target=税務課端末PC-12 --as zeimu-kacho
expect "show" 0 "$MAMORI" --dir "$D" incident show "$S" --json
check "both in force" \
	"[ '$(jget "$TMP/out" '",".join(sorted(c["action"] for c in d["containment"] if c["in_force"]))')' = quarantine_device,stop_system ]"
expect "the system is restarted" 0 "$MAMORI" --dir "$D" incident act "$S" restart_system \
	--field target=税務システム --as zeimu-kacho
expect "the terminal is released" 0 "$MAMORI" --dir "$D" incident act "$S" release_device \
	--field target=税務課端末PC-12 --as zeimu-kacho
expect "show" 0 "$MAMORI" --dir "$D" incident show "$S" --json
check "nothing in force; both undone" \
	"[ '$(jget "$TMP/out" 'str(sum(c["in_force"] for c in d["containment"]))+","+str(len(d["containment"]))')' = 0,2 ]"

expect "step on a record that is not an incident" 1 "$MAMORI" --dir "$D" incident show "$A"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
