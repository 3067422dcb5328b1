#!/bin/sh
# t0510: every approval row A1–A21 of the Minato text (clauses-summary.md (e)) through the CLI:
# who applies, who is asked, a wrong approver refused, self-approval refused citing MIN-2-6-1,
# the approval, and the ledger entries verified with `mamori ledger verify` and proofs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
out_has "init prints the administrator's password once" "administrator: admin  password:"

# The ward: sections, systems, people, roles (MIN-2-3-1, 2-4-1, 2-5-1: the 情報政策課長 is
# システム統括管理者, the security officer of 情報政策課 and the system administrator of its systems).
for s in "somubu 総務部 -" "somu 総務課 somubu" "jouhou 情報政策課 somubu" "zeimu 税務課 -" \
	"kumin 区民課 -"; do
	set -- $s
	if [ "$3" = - ]; then m section add "$1" --name "$2" >/dev/null; else
		m section add "$1" --name "$2" --parent "$3" >/dev/null; fi || not_ok "section $1"
done
m system add kokuho --name 国保システム --section zeimu >/dev/null
m system add lan --name 庁内LAN --section jouhou >/dev/null
for u in "zeimu-1 zeimu 職員" "zeimu-kacho zeimu 職員" "kumin-kacho kumin 職員" \
	"joho-kacho jouhou 職員" "joho-1 jouhou 職員" "fukukucho somubu 職員" \
	"somubucho somubu 職員" "kuminbucho kumin 職員" "dm-1 kumin 指定管理者" \
	"visitor kumin 来訪者" "op-1 zeimu 職員" "p-1 zeimu 非常勤職員"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" --employment "$3" >/dev/null || not_ok "user $1"
done
for g in "zeimu-kacho security_officer@section:zeimu" "zeimu-kacho system_manager@system:kokuho" \
	"kumin-kacho security_officer@section:kumin" "joho-kacho system_chief@org" \
	"joho-kacho security_officer@section:jouhou" "joho-kacho system_manager@system:lan" \
	"fukukucho ciso@org" "somubucho deputy_ciso@org" "fukukucho council@org" \
	"somubucho council@org" "kuminbucho council@org" "op-1 operator@system:kokuho"; do
	set -- $g
	m role grant "$1" "$2" >/dev/null || not_ok "grant $1 $2"
done
expect "the organization is in place" 0 "$MAMORI" --dir "$D" role list --role system_chief
out_has "情報政策課長 is システム統括管理者" "joho-kacho"
SO="税務課 セキュリティ責任者"
SA="国保システム システム管理者"
CHIEF="システム統括管理者"

# A1 MIN-3-3-3: copying, sending on media or transmitting level 3/2 needs the SO.
new_record "an asset of level 3" asset --field title=課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
A=$rec
asks "A1 copy of level 3" "$SO" "$MAMORI" --dir "$D" act "$A" asset.copy --as zeimu-1
approval_round A1 "$req" zeimu-1 kumin-kacho zeimu-kacho MIN-2-6-1
asks "A1 transmission of level 3, even internal" "$SO" \
	"$MAMORI" --dir "$D" act "$A" asset.transmit --as zeimu-1 --context channel=lgwan
approval_round "A1 transmit" "$req" zeimu-1 joho-kacho zeimu-kacho MIN-2-6-1
new_record "an asset of level 1" asset --field title=区報原稿 --field access_controlled=true \
	--level 1 --section zeimu --as zeimu-1
allowed "A1 level 1 is copied without approval" "$MAMORI" --dir "$D" act "$rec" asset.copy --as zeimu-1
refused "A1 another section's staff cannot copy level 3" MIN-3-3-1 \
	"$MAMORI" --dir "$D" act "$A" asset.copy --as joho-1

# A2 MIN-3-5-4, MIN-3-5-5: disposing of level 3/2 media needs the SO, then destruction.
new_record "a USB medium of level 3" media --field label=USB-01 --field kind=USBメモリ \
	--field location=書庫 --field lockable=true --field main_network=false --level 3 --section zeimu --as zeimu-1
MEDIA=$rec
refused "A2 disposal without a method is refused" MIN-3-5 \
	"$MAMORI" --dir "$D" act "$MEDIA" media.dispose --as zeimu-1
expect "A2 a method the text forbids (initialisation) is not accepted" 1 \
	"$MAMORI" --dir "$D" act "$MEDIA" media.dispose --as zeimu-1 --field method=初期化
asks "A2 disposal of level 3 media" "$SO" \
	"$MAMORI" --dir "$D" act "$MEDIA" media.dispose --as zeimu-1 --field method=物理的破壊
approval_round A2 "$req" zeimu-1 kumin-kacho zeimu-kacho MIN-2-6-1
expect "A2 the medium is disposed of" 0 "$MAMORI" --dir "$D" record show "$MEDIA" --json
out_has "A2 state disposed" '"state":"disposed"'

# A3 MIN-3-6-4: disposing of level 3/2 input/output data (forms, printouts) needs the SO.
new_record "printouts of level 2" iodata --field title=課税通知書控 --field location=書庫 \
	--field lockable=true --level 2 --section zeimu --as zeimu-1
asks "A3 disposal of level 2 printouts" "$SO" \
	"$MAMORI" --dir "$D" act "$rec" iodata.dispose --as zeimu-1 --field method=シュレッダー
approval_round A3 "$req" zeimu-1 kumin-kacho zeimu-kacho MIN-2-6-1

# A4 MIN-4-1-2-3: a privately owned computer or medium for work needs the CSA.
new_record "a computer of 税務課" device --field asset_number=PC-0001 --field location=税務課 \
	--field kind=端末装置 --section zeimu --field system=kokuho --as zeimu-kacho
DEV=$rec
asks "A4 private device for work" "$CHIEF" \
	"$MAMORI" --dir "$D" act "$DEV" device.use_private --as zeimu-1 --field purpose=在宅作業
approval_round A4 "$req" zeimu-1 zeimu-kacho joho-kacho MIN-2-6-1

# A5 MIN-4-1-3-2: modifying a computer or adding equipment needs the SA.
asks "A5 modification of a computer" "$SA" \
	"$MAMORI" --dir "$D" act "$DEV" device.modify --as zeimu-1 --field description=メモリ増設
approval_round A5 "$req" zeimu-1 joho-kacho zeimu-kacho MIN-2-6-1

# A6 MIN-4-1-3-3: installing software needs the SA.
asks "A6 software installation" "$SA" "$MAMORI" --dir "$D" record add software \
	--field name=PDF閲覧ソフト --field license=フリーウェア --field business_need=通知書の閲覧 \
	--field system=kokuho --as zeimu-1
approval_round A6 "$req" zeimu-1 kumin-kacho zeimu-kacho MIN-2-6-1

# A7 MIN-4-1-3-4: taking information assets out of the building needs the SO.
asks "A7 take-out of a level 2 asset" "$SO" "$MAMORI" --dir "$D" act "$A" asset.take_out \
	--as zeimu-1 --field destination=区民センター --field purpose=出張窓口
approval_round A7 "$req" zeimu-1 kumin-kacho zeimu-kacho MIN-2-6-1

# A8 MIN-5-2-3-1: the main network: new connections and changes need the CSA. The CSA is
# also the SA applying (S4): he is the only system_chief, so the profile's fallback asks
# for an exception; he can never approve it himself.
new_record "the main network" network --field name=庁内LAN --field main=true \
	--field system=lan --field configuration=コアスイッチ2台・フロアスイッチ12台 --field device_locations=本庁舎サーバ室 --field cabling_route=本庁舎EPS経由 --field access_allowed=情報政策課の担当者 --field external_points=1 --as joho-kacho
MAIN=$rec
asks "A8 a staff member's main network connection" "$CHIEF" "$MAMORI" --dir "$D" act "$MAIN" \
	network.connect --as zeimu-1 --field description=税務課の端末を接続
approval_round A8 "$req" zeimu-1 zeimu-kacho joho-kacho MIN-2-6-1
asks "A8 the CSA's own change of the main network" "$CHIEF" "$MAMORI" --dir "$D" act "$MAIN" \
	network.change --as joho-kacho --field description=基幹スイッチ更新
out_has "A8 the CSA holds the role alone: an exception is needed" "例外措置が必要"
expect "A8 the CSA cannot approve his own change" 3 \
	"$MAMORI" --dir "$D" request approve "$req" --as joho-kacho
out_has "A8 citing MIN-2-6-1" MIN-2-6-1

# A9 MIN-5-4-1-1: connecting the main network to an external network needs the Council.
asks "A9 main network to an external network" "港区情報システムセキュリティ会議" \
	"$MAMORI" --dir "$D" act "$MAIN" network.connect_external --as joho-kacho \
	--field counterpart=LGWAN --field purpose=国との連携
approval_round A9 "$req" joho-kacho zeimu-kacho fukukucho MIN-2-6-1

# A10, A11 MIN-5-4-1-1: another network (also one processing personal information) to an
# external network needs the CSA.
new_record "a network of 国保" network --field name=国保業務LAN --field main=false \
	--field processes_pi=true --field system=kokuho --field configuration=コアスイッチ2台・フロアスイッチ12台 --field device_locations=本庁舎サーバ室 --field cabling_route=本庁舎EPS経由 --field access_allowed=情報政策課の担当者 --field external_points=1 --as zeimu-kacho
asks "A10/A11 another network to an external one" "$CHIEF" "$MAMORI" --dir "$D" act "$rec" \
	network.connect_external --as zeimu-kacho --field counterpart=国保連合会 --field purpose=請求
approval_round A10 "$req" zeimu-kacho kumin-kacho joho-kacho MIN-2-6-1

# A12 MIN-5-3-2-3: operations on an information system, as the SA's procedure says.
new_record "the 国保 system" system --field name=国保システム --field section=zeimu \
	--field authentication=true --system kokuho --as zeimu-kacho
SYS=$rec
allowed "A12 the system starts operating" "$MAMORI" --dir "$D" act "$SYS" system.start_operation \
	--field implementation_procedure=国保システム実施手順 --field manual=国保システム操作手順書（サーバ室に常備） \
	--field failure_procedure=国保システム障害対応手順 --field access_log=true \
	--field user_procedure=利用者登録・抹消申請書による --as zeimu-kacho
asks "A12 an operator's operation" "$SA" "$MAMORI" --dir "$D" act "$SYS" system.operate --as op-1 \
	--field operation=月次バッチ
approval_round A12 "$req" op-1 kumin-kacho zeimu-kacho MIN-2-6-1

# A13 MIN-5-5-3-5: exceptional use beyond the access restrictions.
asks "A13 an exception" "$SA" "$MAMORI" --dir "$D" record add exception --field system=kokuho \
	--field reason=障害対応 --field scope=全件照会 --as zeimu-1
approval_round A13 "$req" zeimu-1 kumin-kacho zeimu-kacho MIN-2-6-1

# A14 MIN-5-5-4-1: granting administrator privileges.
asks "A14 administrator privileges" "$SA" "$MAMORI" --dir "$D" record add admin \
	--field holder=op-1 --field system=kokuho --field privilege=DB管理者 --field reason=保守 \
	--as zeimu-1
approval_round A14 "$req" zeimu-1 kumin-kacho zeimu-kacho MIN-2-6-1

# A15 MIN-5-5-3-4: the SO requests a user registration (a request-and-fulfil step).
new_record "A15 the SO registers a user of the system" user --field user_id=zeimu-1 \
	--field section=zeimu --field system=kokuho --as zeimu-kacho
expect "A15 plain staff cannot" 3 "$MAMORI" --dir "$D" record add user --field user_id=zeimu-1 \
	--field section=zeimu --field system=kokuho --as zeimu-1

# A16 MIN-6-1-1, A17 MIN-6-3-2: entry to a controlled area; non-staff entry needs the SA,
# attended by staff (MIN-6-3-3: escort ≠ visitor).
new_record "the server room of 国保" area --field name=サーバー室 --field kind=サーバー等の設置場所 \
	--field system=kokuho --as zeimu-kacho
AREA=$rec
asks "A16 staff entry to the server room" "$SA" "$MAMORI" --dir "$D" act "$AREA" area.enter \
	--as zeimu-1 --field person=zeimu-1 --field entered_at=2026-04-01T09:00:00+09:00 \
	--field purpose=点検
approval_round A16 "$req" zeimu-1 kumin-kacho zeimu-kacho MIN-2-6-1
refused "A17 the escort must be another person" MIN-6-3-3 "$MAMORI" --dir "$D" act "$AREA" \
	area.enter --as visitor --field person=visitor --field escort=visitor \
	--field entered_at=2026-04-01T10:00:00+09:00 --field purpose=保守作業
asks "A17 a visitor's entry" "$SA" "$MAMORI" --dir "$D" act "$AREA" area.enter --as visitor \
	--field person=visitor --field escort=zeimu-1 --field entered_at=2026-04-01T10:00:00+09:00 \
	--field purpose=保守作業
approval_round A17 "$req" visitor kumin-kacho zeimu-kacho MIN-2-6-1

# A18 MIN-7-5-1, A19 MIN-7-6-1: a designated manager's own systems and assets need the CSA.
new_record "a designated manager" dm --field name=区民センター管理者 --field section=kumin \
	--field can_comply=true --as kumin-kacho
DM=$rec
asks "A18 the designated manager's own system" "$CHIEF" "$MAMORI" --dir "$D" record add dm_system \
	--field dm="$DM" --field system_name=予約システム --field handover_ok=true \
	--field no_ward_connection=true --field can_comply=true --as dm-1
approval_round A18 "$req" dm-1 zeimu-kacho joho-kacho MIN-2-6-1
refused "A18 a system connected to the ward's network is refused" MIN-7-5-1-b2 \
	"$MAMORI" --dir "$D" record add dm_system --field dm="$DM" --field system_name=x \
	--field handover_ok=true --field no_ward_connection=false --field can_comply=true --as dm-1
asks "A19 the designated manager's own assets" "$CHIEF" "$MAMORI" --dir "$D" record add dm_asset \
	--field dm="$DM" --field description=自社PC --field can_comply=true --as dm-1
approval_round A19 "$req" dm-1 zeimu-kacho joho-kacho MIN-2-6-1

# A20 MIN-2-7-4: the Council decides (any member but the one who proposed).
new_record "a Council agenda" council --field topic=情報安全対策指針の評価及び見直し --field summary=年次見直し \
	--as fukukucho
asks "A20 a Council decision" "港区情報システムセキュリティ会議" \
	"$MAMORI" --dir "$D" act "$rec" council.decide --as fukukucho
approval_round A20 "$req" fukukucho zeimu-kacho somubucho MIN-2-6-1

# A21 MIN-2-2-2: the deputy CSO acts for the CSO only when the CSO cannot.
expect "A21 the deputy alone may not start an investigation" 3 "$MAMORI" --dir "$D" record add \
	investigation --field purpose=不正アクセスの調査 --field means=ログの取得・分析 --field target=国保 \
	--as somubucho
new_record "A21 acting for the CSO, the deputy may" investigation \
	--field purpose=不正アクセスの調査 --field means=ログの取得・分析 --field target=国保 \
	--as somubucho --context acting_for=ciso

# Everything above is in the ledger and verifies; proofs lead to the signed checkpoint.
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
out_has "verify says ok" "ok:"
refused "a taken-out asset cannot be copied (its state)" MIN-3-3-3 \
	"$MAMORI" --dir "$D" act "$A" asset.copy --as zeimu-1
allowed "it is brought back" "$MAMORI" --dir "$D" act "$A" asset.bring_back --as zeimu-1
expect "an approval act, as JSON" 0 "$MAMORI" --dir "$D" act "$A" asset.copy --as zeimu-1 --json
out_has "JSON outcome" '"outcome":"pending"'
out_has "JSON approvers" '"approvers":[{"role":"security_officer","name":"セキュリティ責任者","scope":"section:zeimu"'
I=$(json_field ledger_index)
m ledger checkpoint >/dev/null 2>&1
proof_ok "the request's ledger entry $I has a valid inclusion proof" "$I"
expect "the record's history comes from the ledger" 0 "$MAMORI" --dir "$D" record show "$A" --history
out_has "history names the approval and its clause" "approve:security_officer@section:zeimu"
out_has "history names the refused self-approval" "MIN-2-6-1"
expect "history as JSON, every act verified against its entry" 0 \
	"$MAMORI" --dir "$D" record show "$A" --history --json
check "no act disagrees with its ledger entry" "! grep -q '\"verified\":false' '$TMP/out'"
done_testing
