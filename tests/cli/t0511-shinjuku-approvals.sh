#!/bin/sh
# t0511: every approval and permission row B1–B16 of the Shinjuku text (clauses-summary.md
# (e)) through the CLI. Shinjuku sends the high-risk approvals to the 情報化統括管理者 (CIO);
# its text has no applicant≠approver clause (S8), yet Mamori never lets an applicant approve
# their own request: the refusal says so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/shinjuku"

expect "init --profile shinjuku" 0 "$MAMORI" --dir "$D" init --profile shinjuku \
	--ward-name 新宿区
out_has "the ward's name" "ward: 新宿区"

for s in "somubu 総務部 -" "jouhou 情報政策課 somubu" "zeimu 税務課 -" "kumin 区民課 -"; do
	set -- $s
	if [ "$3" = - ]; then m section add "$1" --name "$2" >/dev/null; else
		m section add "$1" --name "$2" --parent "$3" >/dev/null; fi || not_ok "section $1"
done
m system add kokuho --name 国保システム --section zeimu >/dev/null
for u in "zeimu-1 zeimu 職員" "zeimu-kacho zeimu 職員" "kumin-kacho kumin 職員" \
	"joho-kacho jouhou 職員" "joho-1 jouhou 職員" "fukukucho somubu 職員" \
	"somubucho somubu 職員" "haken-1 zeimu 派遣労働者" "kaikei-p1 zeimu 非常勤職員"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" --employment "$3" >/dev/null || not_ok "user $1"
done
for g in "zeimu-kacho security_officer@section:zeimu" "kumin-kacho security_officer@section:kumin" \
	"joho-kacho security_officer@section:jouhou" "joho-1 network_manager@org" \
	"zeimu-kacho system_manager@system:kokuho" "fukukucho cio@org" \
	"somubucho general_security_officer@org" "somubucho contracts_office@org"; do
	set -- $g
	m role grant "$1" "$2" >/dev/null || not_ok "grant $1 $2"
done
expect "非常勤職員 is stored as the profile's 会計年度任用職員" 0 "$MAMORI" --dir "$D" user show kaikei-p1
out_has "employment resolved" "会計年度任用職員"
ISO="税務課 情報セキュリティ責任者"
CIO="情報化統括管理者"
CONTENT="--field content=課税資料 --field purpose=説明会 --field method=暗号化USB --field management=施錠保管"
INSIDE="--context place=building --context device=issued"
# refused_ctx NAME CMD...: the door refuses an act whose request leaves out context the
# action needs (missing_context), and decides nothing on a guess.
refused_ctx() {
	_rc=$1
	shift
	expect "$_rc" 3 "$@" --json
	out_has "$_rc: reason missing_context" '"reason":"missing_context"'
	run "$@"
}

new_record "a Class I asset" asset --field title=課税台帳 --field cia=機密性高 \
	--field label_displayed=true --level I --section zeimu --as zeimu-kacho
A=$rec

# B1 SHJ-2-4-2-i: Class I out of the section, or transmitted: 内容・使用目的・持出し方法・管理方法
# stated, the ISO approves.
refused "B1 a take-out without 内容, 使用目的, 持出し方法, 管理方法 is refused" SHJ-2-4-2-i \
	"$MAMORI" --dir "$D" act "$A" asset.take_out --as zeimu-1 $INSIDE
out_has "B1 the refusal names the missing 使用目的" "purpose"
# Fail closed (issue 10 §2): a take-out that does not say where, or on what, is not decided.
refused_ctx "B1 a take-out that does not say where it goes is refused" \
	"$MAMORI" --dir "$D" act "$A" asset.take_out --as zeimu-1 $CONTENT --context device=issued
out_has "B1 the refusal names the missing place" "place (持出し先: building, outside)"
asks "B1 take-out of Class I" "$ISO" "$MAMORI" --dir "$D" act "$A" asset.take_out --as zeimu-1 \
	$CONTENT $INSIDE
approval_round B1 "$req" zeimu-1 kumin-kacho zeimu-kacho -
allowed "B1 it is brought back" "$MAMORI" --dir "$D" act "$A" asset.bring_back --as zeimu-1
asks "B1 transmission of Class I inside the ward" "$ISO" "$MAMORI" --dir "$D" act "$A" \
	asset.transmit --as zeimu-1 $CONTENT --context channel=lgwan --context recipient=internal \
	--context device=issued
approval_round "B1 transmit" "$req" zeimu-1 joho-kacho zeimu-kacho -

# B8 SHJ-5-2-2-a-pa: Class I taken out of the building needs the ISO.
asks "B8 Class I out of the building" "$ISO" "$MAMORI" --dir "$D" act "$A" asset.take_out \
	--as zeimu-1 $CONTENT --context place=outside --context device=issued
approval_round B8 "$req" zeimu-1 kumin-kacho zeimu-kacho -
allowed "B8 it is brought back" "$MAMORI" --dir "$D" act "$A" asset.bring_back --as zeimu-1

# B9 SHJ-5-2-2-a-pi: Class I over the Internet outside the ward: the ISO and the CIO, each a
# different person.
refused_ctx "B9 Class I over the Internet without saying the recipient is refused, not decided \
without the CIO" "$MAMORI" --dir "$D" act "$A" asset.transmit --as zeimu-1 $CONTENT \
	--context channel=internet --context device=issued
out_has "B9 the refusal names the recipient" "recipient (送信先: internal, external)"
refused "B9 without recording the measures taken (SHJ-5-2-2-i) it is refused" SHJ-5-2-2-i \
	"$MAMORI" --dir "$D" act "$A" asset.transmit --as zeimu-1 $CONTENT \
	--context channel=internet --context recipient=external --context device=issued
asks "B9 Class I over the Internet" "$ISO、$CIO" "$MAMORI" --dir "$D" act "$A" asset.transmit \
	--as zeimu-1 $CONTENT --context channel=internet --context recipient=external \
	--context device=issued --field measures=電子署名,通信経路の暗号化
B9=$req
expect "B9 the ISO approves first" 0 "$MAMORI" --dir "$D" request approve "$B9" --as zeimu-kacho
out_has "B9 still waiting for the CIO" "pending: request $B9 (承認者: $CIO)"
expect "B9 the ISO cannot give the CIO's approval too" 3 \
	"$MAMORI" --dir "$D" request approve "$B9" --as zeimu-kacho
approval_round B9 "$B9" zeimu-1 somubucho fukukucho -

# B6 SHJ-4-1-1: third-party viewing needs the ISO.
new_record "a Class II asset" asset --field title=窓口案内 --field cia=一般 \
	--field label_displayed=true --level II --section zeimu --as zeimu-kacho
asks "B6 a third party views an asset" "$ISO" \
	"$MAMORI" --dir "$D" act "$rec" asset.show_third_party --as zeimu-1
approval_round B6 "$req" zeimu-1 kumin-kacho zeimu-kacho -

# B2 SHJ-2-4-4: Class I media disposal needs the ISO, and complete erasure.
new_record "a Class I medium" media --field label=USB-01 --field location=書庫 --field lockable=true \
	--field issued=true --field write_protected=true --level I --section zeimu --as zeimu-kacho
asks "B2 Class I media disposal" "$ISO" "$MAMORI" --dir "$D" act "$rec" media.dispose \
	--as zeimu-1 --field method=完全消去
approval_round B2 "$req" zeimu-1 kumin-kacho zeimu-kacho -

# Equipment of 税務課.
new_record "a computer" device --field asset_number=PC-1 --field kind=端末 --field location=税務課 \
	--field issued=true --field compatibility_check=済 --section zeimu --field system=kokuho \
	--as zeimu-kacho
DEV=$rec

# SHJ-5-2-4: hardware may not be modified at all (no approval route).
refused "SHJ-5-2-4 modifying a terminal's hardware is forbidden" SHJ-5-2-4 \
	"$MAMORI" --dir "$D" act "$DEV" device.modify --as zeimu-kacho

# B7 SHJ-4-1-2: equipment out of the building needs the ISO.
asks "B7 equipment take-out" "$ISO" "$MAMORI" --dir "$D" act "$DEV" device.take_out --as zeimu-1 \
	--field destination=研修会場 --field purpose=研修
approval_round B7 "$req" zeimu-1 kumin-kacho zeimu-kacho -
allowed "B7 it is brought back" "$MAMORI" --dir "$D" act "$DEV" device.bring_back --as zeimu-1

# B11 SHJ-6-3-2-u: detaching one's terminal needs the network administrator's permission.
asks "B11 detaching a terminal" "ネットワーク管理者" "$MAMORI" --dir "$D" act "$DEV" device.detach \
	--as zeimu-1 --field reason=ウイルス感染の疑い
approval_round B11 "$req" zeimu-1 zeimu-kacho joho-1 -
allowed "B11 reattached" "$MAMORI" --dir "$D" act "$DEV" device.reattach --as zeimu-1

# B3 SHJ-3-1-3-a: equipment installed outside the 庁舎: the ISO applies, the CIO permits.
asks "B3 equipment outside the building" "$CIO" "$MAMORI" --dir "$D" act "$DEV" \
	device.install_offsite --as zeimu-kacho --field location=出張所
approval_round B3 "$req" zeimu-kacho somubucho fukukucho -

# B4 SHJ-3-2-2-a-pa: entry to 管理区域Ⅰ, permitted by the ISO who designated it.
new_record "a controlled area I" area --field name=サーバー室 --field kind=管理区域Ⅰ \
	--field section=jouhou --as joho-kacho
asks "B4 entry to area I" "情報政策課 情報セキュリティ責任者" "$MAMORI" --dir "$D" act "$rec" \
	area.enter --as zeimu-1 --field person=zeimu-1 --field entered_at=2026-04-01T09:00:00+09:00
approval_round B4 "$req" zeimu-1 zeimu-kacho joho-kacho -

# Networks.
new_record "a network" network --field name=庁内LAN --field diagram=情報政策課の施錠書庫 \
	--field external_access=なし --as joho-1
NET=$rec

# B5 SHJ-3-3-1: a connection to parties outside the ward: the ISO applies, the CIO permits.
asks "B5 external connection" "$CIO" "$MAMORI" --dir "$D" act "$NET" network.connect_external \
	--as joho-kacho --field counterpart=国保連合会 --field study=影響なしを確認
approval_round B5 "$req" joho-kacho somubucho fukukucho -

# B10 SHJ-5-4-5: an important network change: the NWA applies, the CIO approves.
asks "B10 important network change" "$CIO" "$MAMORI" --dir "$D" act "$NET" network.change \
	--as joho-1 --field description=基幹スイッチ更新 --context impact=important
approval_round B10 "$req" joho-1 zeimu-kacho fukukucho -
allowed "B10 a routine change is the NWA's own" "$MAMORI" --dir "$D" act "$NET" network.change \
	--as joho-1 --field description=ポート設定 --context impact=routine

# B12 SHJ-6-7-1: an exception measure: the ISO (or ISA) applies, the CIO permits.
asks "B12 exception measure" "$CIO" "$MAMORI" --dir "$D" record add exception --section zeimu \
	--field reason=システム更新期間 --field measure=紙で代替 --as zeimu-kacho
approval_round B12 "$req" zeimu-kacho somubucho fukukucho -

# B13 SHJ-5-2-3-a: software on the ISA's list needs no approval; other software is refused.
new_record "B13 listed software is installed" software --field name=PDF閲覧 --field allowed=true \
	--field source=公式サイト --field source_reliable=true --as zeimu-1
SW=$rec
refused "B13 unlisted software is refused" SHJ-5-2-3-a "$MAMORI" --dir "$D" record add software \
	--field name=ゲーム --field allowed=false --field source=不明 --field source_reliable=true --as zeimu-1
refused "SHJ-5-2-3-i software from a source not confirmed reliable is refused" SHJ-5-2-3-i \
	"$MAMORI" --dir "$D" record add software --field name=ツール --field allowed=true \
	--field source=不明 --field source_reliable=false --as zeimu-1

# B14 SHJ-6-4-3: the network administrator suspends a violator's use (no approval).
new_record "a system user registered by the ISO" user --field user_id=zeimu-1 --field section=zeimu \
	--field system=kokuho --as zeimu-kacho
expect "B14 an ISO cannot suspend use" 3 "$MAMORI" --dir "$D" act "$rec" user.suspend \
	--as zeimu-kacho --field violation=私的利用
allowed "B14 the NWA suspends" "$MAMORI" --dir "$D" act "$rec" user.suspend --as joho-1 \
	--field violation=私的利用

# B15 SHJ-5-2-5: lending software to another section, after a legal check.
allowed "B15 lending software" "$MAMORI" --dir "$D" act "$SW" software.lend --as zeimu-kacho \
	--field to_section=kumin --field legal_check=著作権法上問題なし --field terms=目的外利用禁止

# B16 SHJ-5-4-4-a: outsourcing development: the Contracts Section investigates the vendor.
new_record "B16 outsourcing development" contractor --field name=開発会社 \
	--field kind=情報システムの開発委託 --field security_level=同等 --as joho-1

expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
expect "request list for the CIO is empty now" 0 "$MAMORI" --dir "$D" request list --to-approve \
	--as fukukucho --json
out_has "nothing left for the CIO" "[]"
expect "B9 shows both approvers" 0 "$MAMORI" --dir "$D" request show "$B9" --json
out_has "B9 approved by the ISO" '"approved_by":"zeimu-kacho"'
out_has "B9 approved by the CIO" '"approved_by":"fukukucho"'
I=$(m request show "$B9" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["history"][-1]["ledger_index"])')
m ledger checkpoint >/dev/null 2>&1
proof_ok "the approval that applied B9 (entry $I) has a valid inclusion proof" "$I"
done_testing
