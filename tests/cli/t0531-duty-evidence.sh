#!/bin/sh
# t0531-duty-evidence: a duty is fulfilled only by its own evidence (issue 10 §3): the
# evidence action with the duty's field values, by a holder of the duty's role at the duty's
# scope, dated no later than it was recorded. A check of another kind, someone else's check,
# a check of another system or a future date fulfils nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"
# is NAME ACTUAL EXPECTED: a string comparison with both shown when it fails.
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got:  $2" "want: $3"; fi
}

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add joho --name 情報政策課 >/dev/null
m section add zeimu --name 税務課 >/dev/null
m system add lan --name 庁内LAN --section joho >/dev/null
m system add kokuho --name 国保システム --section zeimu >/dev/null
for u in "sa-lan joho" "sa-kokuho zeimu" "zeimu-1 zeimu"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" >/dev/null || not_ok "user $1"
done
m role grant sa-lan system_manager@system:lan >/dev/null
m role grant sa-kokuho system_manager@system:kokuho >/dev/null

# duty DUTY SCOPE KEY: one key of the duty's status at that scope (python expression on x).
duty() {
	m duty list --json >"$TMP/duties"
	python3 -c 'import json,sys
d=[x for x in json.load(open(sys.argv[1])) if x["duty"]==sys.argv[2] and x["scope"]==sys.argv[3]]
print(eval(sys.argv[4], {"x": d[0]}) if d else "no such duty")' "$TMP/duties" "$1" "$2" "$3"
}
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
later=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
check_rec() { # check_rec AS KIND CHECKED_AT SYSTEM
	m record add check --as "$1" --field "kind=$2" --field "checked_at=$3" --field "system=$4" \
		--field result=異常なし
}

is "the tamper check of system:lan is owed by its system manager" \
	"$(duty tamper-check system:lan 'x["owed_by"]')" "['sa-lan']"
is "and typed: check.record of its own kind" \
	"$(duty tamper-check system:lan 'x["evidence"]')" "check.record"
check "a check of another kind (antivirus) is recorded" \
	'check_rec sa-lan ウイルス検査と対策ソフトの更新 "$now" lan >/dev/null'
is "it fulfils the antivirus duty" "$(duty antivirus system:lan 'x["last_done_by"]')" sa-lan
is "but not the tamper check" "$(duty tamper-check system:lan 'x["last_done"]')" None
check "a tamper check dated three days ahead is recorded" \
	'check_rec sa-lan 設定ファイル・公開ファイルの改ざん確認 "$later" lan >/dev/null'
is "a date in the future fulfils nothing" "$(duty tamper-check system:lan 'x["last_done"]')" None
check "the system manager of another system records a tamper check" \
	'check_rec sa-kokuho 設定ファイル・公開ファイルの改ざん確認 "$now" kokuho >/dev/null'
is "it fulfils the duty at its own system" \
	"$(duty tamper-check system:kokuho 'x["last_done_by"]')" sa-kokuho
is "not at system:lan" "$(duty tamper-check system:lan 'x["last_done"]')" None
check "the system manager of system:lan records today's tamper check" \
	'check_rec sa-lan 設定ファイル・公開ファイルの改ざん確認 "$now" lan >/dev/null'
is "now the tamper check is done at system:lan" \
	"$(duty tamper-check system:lan 'x["last_done_by"]')" sa-lan
is "and not due" "$(duty tamper-check system:lan 'x["due"]')" False
refused "staff without the role cannot record a check" MIN \
	"$MAMORI" --dir "$D" record add check --as zeimu-1 --field kind=障害検知 \
	--field "checked_at=$now" --field result=x

# Backups: each kind of backup fulfils its own duty (3(4)②, 5(2)2)④, 5(3)2)①).
check "a backup of information is recorded" \
	'm record add backup --as sa-lan --field target=ファイルサーバ --field kind=情報 --field location=別館 --field "taken_at=$now" >/dev/null'
is "it fulfils backup-info" "$(duty backup-info system:lan 'x["last_done_by"]')" sa-lan
is "not the network equipment's backup" "$(duty backup-network system:lan 'x["last_done"]')" None

# Training (4(2)): the drill is fulfilled by a drill, not by any training the CISO records.
m user add kucho --name 副区長 --section joho >/dev/null
m role grant kucho ciso@org >/dev/null
check "the CISO records a course of the privacy training" \
	'm record add training --as kucho --field course=個人情報保護研修 --field kind=個人情報保護・情報安全対策指針の研修 --field held_on=$(date +%Y-%m-%d) >/dev/null'
is "it does not fulfil the drill" "$(duty drill org 'x["last_done"]')" None
check "the CISO records a drill" \
	'm record add training --as kucho --field course=標的型攻撃訓練 --field kind=脅威・緊急時対応の訓練 --field held_on=$(date +%Y-%m-%d) >/dev/null'
is "the drill is done" "$(duty drill org 'x["last_done_by"]')" kucho

# 2(7)④・3つ目: the council decides the implementation of the audits; only its decision on that
# topic (the council's approval of council.decide) fulfils its yearly duty, not another topic's.
m user add kaigi --name 会議委員 --section joho >/dev/null
m role grant kaigi council@org >/dev/null
council_decides() { # council_decides TOPIC: the CISO convenes, asks, the council approves
	m record add council --as kucho --field "topic=$1" --field summary=決定 >"$TMP/c" &&
		m act "$(cat "$TMP/c")" council.decide --as kucho >"$TMP/out" &&
		m request approve "$(last_request)" --as kaigi >/dev/null
}
check "the council decides the review of the systems' measures" \
	'council_decides 情報システムの情報セキュリティ対策の評価及び見直し'
is "the audit decision is owed by the council" "$(duty council-audit-decision org 'x["owed_by"]')" "['kaigi']"
is "it does not fulfil the audit decision" "$(duty council-audit-decision org 'x["last_done"]')" None
check "the council decides to carry out the audits" 'council_decides セキュリティ監査の実施'
is "the council's duty is done" "$(duty council-audit-decision org 'x["last_done_by"]')" kaigi

# Coverage: every duty of both profiles is typed, so each carries its clauses.
for id in minato shinjuku; do
	check "$id: every duty is typed (enforced)" \
		"\"$MAMORI\" policy coverage --profile $id --json | python3 -c 'import json,sys; d=json.load(sys.stdin); bad=[k[\"name\"] for c in d[\"clauses\"] for k in c[\"carriers\"] if k[\"kind\"]==\"duty\" and k[\"strength\"]!=\"enforced\"]; assert not bad, bad'"
done
done_testing
