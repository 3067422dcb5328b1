#!/bin/sh
# t0550-policy-fidelity: clauses the profiles said wrongly or not at all (issue 10 §5), through
# the door: contracts state every item their clause lists (MIN-8-2-1, SHJ-6-5, SHJ-6-6), an
# auditor is not the auditee (MIN-9-1-3), only the network's
# system manager applies to change the main network (MIN-5-2-2-1), a designated manager
# re-outsources as 8(1)-(4) say (MIN-8-5-1), Class I over the Internet records its measures
# (SHJ-5-2-2-i), and Shinjuku, which has no 兼務 clause, refuses a self-approval without
# speaking of 兼務.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

# ---- Minato ------------------------------------------------------------------------------
D="$TMP/minato"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
for s in "joho 情報政策課" "zeimu 税務課" "kansa 監査事務局" "kumin 区民課"; do
	set -- $s
	m section add "$1" --name "$2" >/dev/null || not_ok "section $1"
done
m system add lan --name 庁内LAN --section joho >/dev/null
for u in "chief joho 職員" "sa-lan joho 職員" "zeimu-1 zeimu 職員" "zeimu-kacho zeimu 職員" \
	"kansa-1 kansa 職員" "zeimu-kansa zeimu 職員" "dm-1 kumin 指定管理者"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" --employment "$3" >/dev/null || not_ok "user $1"
done
for g in "chief system_chief@org" "sa-lan system_manager@system:lan" \
	"zeimu-kacho security_officer@section:zeimu" "kansa-1 auditor@org" \
	"zeimu-kansa auditor@org"; do
	set -- $g
	m role grant "$1" "$2" >/dev/null || not_ok "grant $1 $2"
done

# MIN-5-2-2-1 / MIN-5-2-3-1: the main network's change is applied for by its system manager.
new_record "the main network" network --field name=庁内LAN --field main=true --field system=lan \
	--field configuration=コアスイッチ2台・フロアスイッチ12台 --field device_locations=本庁舎サーバ室 --field cabling_route=本庁舎EPS経由 --field access_allowed=情報政策課の担当者 --field external_points=1 --as chief
NET=$rec
refused "MIN-5-2-2-1 a member of staff cannot apply to change the main network" MIN-5-2-2-1 \
	m act "$NET" network.change --as zeimu-1 --field description=ハブの交換
refused "MIN-5-2-2-1 nor can the system chief, who approves it" MIN-5-2-2-1 \
	m act "$NET" network.change --as chief --field description=ハブの交換
asks "MIN-5-2-3-1 the network's system manager applies; the system chief approves" \
	"システム統括管理者" m act "$NET" network.change --as sa-lan --field description=ハブの交換
expect "the system chief approves the change" 0 m request approve "$req" --as chief

# MIN-9-1-3: the auditor is not the auditee.
refused "MIN-9-1-3 the auditor and the auditee are different people" MIN-9-1-3 \
	m record add audit --field auditor=kansa-1 --field auditee=kansa-1 --as kansa-1

# MIN-8-5-1, MIN-8-2-1: the designated manager re-outsources as 8(1)-(4) say; the contract
# states each item 8(2)① lists.
new_record "MIN-8-5-1 the designated manager selects its contractor" contractor \
	--field name=清掃会社 --field kind=指定管理業務の再委託 --field can_comply=true --as dm-1
K=$rec
refused "MIN-8-1-1 not one that cannot comply" MIN-8-1-1 \
	m record add contractor --field name=不適格社 --field kind=指定管理業務の再委託 \
	--field can_comply=false --as dm-1
expect "MIN-8-2-1 a contract that leaves out 違反時の措置 is refused" 1 \
	m act "$K" contractor.contract --as dm-1 --field contract_items=守秘義務,情報安全対策指針の遵守義務
err_has "MIN-8-2-1 the refusal names what is missing" "missing: 違反時の措置"
allowed "MIN-8-2-1 a contract stating every item is made" \
	m act "$K" contractor.contract --as dm-1 \
	--field contract_items=守秘義務,情報安全対策指針の遵守義務,違反時の措置
allowed "MIN-8-4-1 the designated manager inspects its contractor" \
	m act "$K" contractor.inspect --as dm-1 --field result=遵守を確認

# MIN-3-4-1: a copy is kept as its original: at its level or a more protected one.
new_record "a level 3 asset of 税務課" asset --field title=課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
ORIG=$rec
refused "MIN-3-4-1 a copy of level 3 registered as level 1 is refused" MIN-3-4-1 \
	m record add asset --field title=課税台帳（写し） --field access_controlled=true \
	--field original=$ORIG --level 1 --section zeimu --as zeimu-1
out_has "... naming the original's level" "レベル3"
new_record "MIN-3-4-1 the copy at the original's level is registered" asset \
	--field title=課税台帳（写し） --field access_controlled=true --field original=$ORIG \
	--level 3 --section zeimu --as zeimu-1

# ---- Shinjuku ----------------------------------------------------------------------------
D="$TMP/shinjuku"
expect "init --profile shinjuku" 0 "$MAMORI" --dir "$D" init --profile shinjuku
m section add zeimu --name 税務課 >/dev/null
m section add somu --name 総務課 >/dev/null
for u in "zeimu-1 zeimu" "zeimu-kacho zeimu" "cio somu"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" >/dev/null || not_ok "user $1"
done
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant cio cio@org >/dev/null

# SHJ-6-5, SHJ-6-6: each contract states every item of its clause.
ITEMS5=ポリシーの遵守,守秘義務,目的外利用・第三者提供の禁止,提供情報の適切な管理,複写等の禁止,再委託の禁止,返還義務,定期的な報告,区の監査に応じること,従業員への教育,インシデント発生時の報告,違反時の措置
new_record "an outsourcing contractor (contractor.register, not a development outsourcing)" contractor.register --field name=開発会社 --field kind=情報業務の委託 \
	--as zeimu-kacho
K=$rec
expect "SHJ-6-5 a contract that leaves out 再委託の禁止 is refused" 1 \
	m act "$K" contractor.contract --as zeimu-kacho \
	--field contract_items=ポリシーの遵守,守秘義務,目的外利用・第三者提供の禁止,提供情報の適切な管理,複写等の禁止,返還義務,定期的な報告,区の監査に応じること,従業員への教育,インシデント発生時の報告,違反時の措置
err_has "SHJ-6-5-6 the refusal names 再委託の禁止" "missing: 再委託の禁止"
allowed "SHJ-6-5 a contract stating all twelve items is made" \
	m act "$K" contractor.contract --as zeimu-kacho --field "contract_items=$ITEMS5"
refused "SHJ-6-6 an outsourcing is not contracted as 労働者派遣" SHJ-6-6 \
	m act "$K" contractor.dispatch_contract --as zeimu-kacho \
	--field dispatch_items=ポリシーの遵守,守秘義務,区の監査に応じること,違反時の措置
new_record "a temporary-staff agency" contractor.register --field name=派遣会社 --field kind=労働者派遣 \
	--as zeimu-kacho
allowed "SHJ-6-6 the dispatch contract states its four items" \
	m act "$rec" contractor.dispatch_contract --as zeimu-kacho \
	--field dispatch_items=ポリシーの遵守,守秘義務,区の監査に応じること,違反時の措置

# SHJ-5-2-2-i: a Class I transmission over the Internet outside records its measures.
new_record "a Class I asset" asset --field title=課税台帳 --field cia=機密性高 \
	--field label_displayed=true --level I --section zeimu --as zeimu-kacho
A=$rec
SEND="--field content=課税資料 --field purpose=国への報告 --field method=電子メール --field management=暗号化"
CTX="--context channel=internet --context recipient=external --context device=issued"
refused "SHJ-5-2-2-i without the measures taken it is refused" SHJ-5-2-2-i \
	m act "$A" asset.transmit --as zeimu-1 $SEND $CTX
asks "SHJ-5-2-2-a-pi with them it waits for the ISO and the CIO" "税務課 情報セキュリティ責任者、情報化統括管理者" \
	m act "$A" asset.transmit --as zeimu-1 $SEND $CTX --field measures=電子署名,通信経路の暗号化

# Shinjuku has no 兼務 clause: a self-approval is refused on the approval's own clause.
asks "a Class I take-out asks the ISO" "税務課 情報セキュリティ責任者" \
	m act "$A" asset.take_out --as zeimu-kacho $SEND --context place=building --context device=issued
expect "the applicant cannot approve his own take-out" 3 m request approve "$req" --as zeimu-kacho
out_has "... citing the approval's clause" "SHJ-2-4-2-i"
out_has "... saying why" "someone other than the applicant"
check "... without speaking of 兼務, which the text does not" '! grep -q 兼務 "$TMP/out" "$TMP/err"'
check "... and without citing Minato's clause" '! grep -q MIN-2-6-1 "$TMP/out" "$TMP/err"'

# SHJ-2-3-1-ア〜オ: an asset that meets a criterion of Class I is not registered as Class II.
refused "SHJ-2-3-1-u an asset meeting criterion ウ is refused as Class II" SHJ-2-3-1-u \
	"$MAMORI" --dir "$D" record add asset --field title=口座情報 --field cia=機密性高 \
	--field label_displayed=true --field criteria=ウ --level II --section zeimu --as zeimu-kacho
new_record "... and registered as Class I" asset --field title=口座情報 --field cia=機密性高 \
	--field label_displayed=true --field criteria=ウ --level I --section zeimu --as zeimu-kacho

# 基本方針4(2), 第1 3: a threat of the risk catalogue keeps its clause while someone may assess a
# risk (computed: the same profile where no rule lets anyone assess only notes it).
threat() { # threat PROFILE CLAUSE: "STRENGTH GAP threat-carrier-strength"
	"$MAMORI" policy coverage --profile "$1" --json | python3 -c '
import json, sys
for c in json.load(sys.stdin)["clauses"]:
    if c["id"] == sys.argv[1]:
        print(c["strength"], c["gap"], " ".join(k["strength"] for k in c["carriers"] if k["kind"] == "threat"))' "$2"
}
check "MIN-BP-4-2-1 is recorded by the threat intentional" '[ "$(threat minato MIN-BP-4-2-1)" = "recorded False recorded" ]'
check "SHJ-1-3-3 is recorded by the threat leakage" '[ "$(threat shinjuku SHJ-1-3-3)" = "recorded False recorded" ]'
sed 's/on: \[risk.assess, risk.reassess\]/on: [risk.reassess]/' "$MAMORI_SRCDIR/policies/minato.yaml" \
	>"$TMP/no-assess.yaml"
check "where nobody may assess a risk, the threat only notes it: a gap" \
	'[ "$(threat "$TMP/no-assess.yaml" MIN-BP-4-2-1)" = "noted True noted" ]'

done_testing
