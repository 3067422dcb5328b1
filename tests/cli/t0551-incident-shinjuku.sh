#!/bin/sh
# t0551: a Shinjuku 情報セキュリティ障害 as its text routes it: staff report to their section's
# 情報セキュリティ責任者 (SHJ-6-3-1-a), who reports to the 情報化統括管理者 and the ネットワーク管理者
# (SHJ-6-3-1-i); the network manager investigates, cuts the network off (SHJ-6-3-2-a), and
# reports recurrence prevention to the 情報化戦略本部, which deliberates it (SHJ-6-3-4-a/i). The
# emergency path: an urgent report reaches the network manager at once, who cuts off before
# the relay and reports afterwards. Closing by anyone else is refused with the clause.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/shinjuku"

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

expect "init --profile shinjuku" 0 "$MAMORI" --dir "$D" init --profile shinjuku --ward-name 新宿区
for s in "somubu 総務部 -" "jouhou 情報政策課 somubu" "zeimu 税務課 -" "kumin 区民課 -"; do
	set -- $s
	if [ "$3" = - ]; then m section add "$1" --name "$2" >/dev/null; else
		m section add "$1" --name "$2" --parent "$3" >/dev/null; fi || not_ok "section $1"
done
m system add kokuho --name 国保システム --section zeimu >/dev/null || not_ok "system"
for u in "zeimu-1 zeimu" "zeimu-kacho zeimu" "kumin-kacho kumin" "joho-1 jouhou" \
	"zeimu-sa zeimu" "fukukucho somubu" "somubucho somubu"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" --employment 職員 >/dev/null || not_ok "user $1"
done
for g in "zeimu-kacho security_officer@section:zeimu" "kumin-kacho security_officer@section:kumin" \
	"joho-1 network_manager@org" "zeimu-sa system_manager@system:kokuho" "fukukucho cio@org" \
	"somubucho strategy_hq@org" "somubucho general_security_officer@org"; do
	set -- $g
	m role grant "$1" "$2" >/dev/null || not_ok "grant $1 $2"
done

expect "zeimu-1 reports a failure" 0 "$MAMORI" --dir "$D" incident report --title 国保システムの障害 \
	--found-at 2026-02-01T13:00 --system kokuho --as zeimu-1 --json
I=$(jget "$TMP/out" 'd["id"]')
check "routed to the section's 情報セキュリティ責任者 (SHJ-6-3-1-a)" \
	"[ '$(jget "$TMP/out" '",".join(r["role"]+"@"+r["scope"] for r in d["routed_to"])')' = security_officer@section:zeimu ]"
expect "the network manager does not read it yet" 1 "$MAMORI" --dir "$D" incident show "$I" --as joho-1
expect "another section's officer may not relay it" 3 "$MAMORI" --dir "$D" incident step "$I" \
	escalated --as kumin-kacho
out_has "the refusal cites SHJ-6-3-1-i" "SHJ-6-3-1-i"
expect "the officer relays it (escalated)" 0 "$MAMORI" --dir "$D" incident step "$I" escalated \
	--as zeimu-kacho --json
check "to the 情報化統括管理者 and the ネットワーク管理者 (SHJ-6-3-1-i)" \
	"[ '$(jget "$TMP/out" '",".join(sorted(r["role"] for r in d["routed_to"]))')' = cio,network_manager ]"
expect "the network manager reads it now" 0 "$MAMORI" --dir "$D" incident show "$I" --as joho-1
expect "the CIO may not close it" 3 "$MAMORI" --dir "$D" incident step "$I" closed --as fukukucho
out_has "the refusal cites the clause" "SHJ-6-3-4-a"
expect "staff may not close it" 3 "$MAMORI" --dir "$D" incident step "$I" closed --as zeimu-1
out_has "not allowed, whatever the state" "not allowed"
expect "the network manager receives it" 0 "$MAMORI" --dir "$D" incident step "$I" received --as joho-1
expect "a cut-off needs its reason (ア–オ)" 3 "$MAMORI" --dir "$D" incident act "$I" \
	disconnect_network --as joho-1
expect "the network manager cuts the network off (SHJ-6-3-2-a)" 0 "$MAMORI" --dir "$D" incident \
	act "$I" disconnect_network --field target=庁内LAN \
	--field trigger=不正なプログラムへの感染又はその疑い --as joho-1 --json
check "and tells the CIO (SHJ-6-4-4)" "[ '$(jget "$TMP/out" '",".join(r["role"] for r in d["routed_to"])')' = cio ]"
expect "the system's manager stops it (SHJ-6-3-2-i)" 0 "$MAMORI" --dir "$D" incident act "$I" \
	stop_system --field target=国保システム --field trigger=不正なプログラムへの感染又はその疑い \
	--as zeimu-sa
expect "the network manager may not stop a system" 3 "$MAMORI" --dir "$D" incident act "$I" \
	stop_system --field target=国保システム --field trigger=その他被害が想定される --as joho-1
expect "investigating" 0 "$MAMORI" --dir "$D" incident step "$I" investigating --as joho-1 \
	--field result=感染経路は電子メール
expect "the HQ report (期限)" 0 "$MAMORI" --dir "$D" incident act "$I" report_out \
	--field deadline=情報化戦略本部への報告 --as joho-1
expect "recovered" 0 "$MAMORI" --dir "$D" incident step "$I" recovered --as joho-1
expect "monitoring (SHJ-6-3-3-ka)" 0 "$MAMORI" --dir "$D" incident step "$I" monitoring --as joho-1
asks "the recurrence prevention goes to the 情報化戦略本部" "情報化戦略本部" "$MAMORI" --dir "$D" \
	incident step "$I" prevention --as joho-1 --field risk_analysis=添付ファイルの検査を強化
expect "the network manager may not approve it" 3 "$MAMORI" --dir "$D" request approve "$req" --as joho-1
expect "the HQ approves (SHJ-6-3-4-i)" 0 "$MAMORI" --dir "$D" request approve "$req" --as somubucho
expect "the network manager closes it" 0 "$MAMORI" --dir "$D" incident step "$I" closed --as joho-1
expect "show --json" 0 "$MAMORI" --dir "$D" incident show "$I" --json
cp "$TMP/out" "$TMP/show.json"
check "closed" "[ '$(jget "$TMP/show.json" 'd["status"]')' = closed ]"
check "the HQ deadline is met" "[ '$(jget "$TMP/show.json" '[x["done"] for x in d["deadlines"] if x["kind"]=="hq"][0]')' = True ]"
check "not reportable: no personal data deadlines" "[ '$(jget "$TMP/show.json" '",".join(x["kind"] for x in d["deadlines"])')' = hq ]"
check "the approval is on the timeline" "[ '$(jget "$TMP/show.json" 'any(e["what"].startswith("承認") for e in d["timeline"])')' = True ]"

# ---- the emergency path ---------------------------------------------------------------------
expect "an urgent report" 0 "$MAMORI" --dir "$D" incident report --title 不正アクセスが継続している \
	--found-at 2026-02-02T09:00 --urgent --sensitive --as zeimu-1 --json
U=$(jget "$TMP/out" 'd["id"]')
check "reaches the network manager at once" \
	"[ '$(jget "$TMP/out" '",".join(sorted(r["role"] for r in d["routed_to"]))')' = network_manager,security_officer ]"
expect "the network manager cuts off before the relay" 0 "$MAMORI" --dir "$D" incident act "$U" \
	disconnect_network --field trigger=異常なアクセスの継続又は不正なアクセスの判明 --as joho-1 --json
check "and reports afterwards to the CIO and the section's officer" \
	"[ '$(jget "$TMP/out" '",".join(sorted(r["role"]+"@"+r["scope"] for r in d["routed_to"]))')' = cio@org,security_officer@section:zeimu ]"
expect "要配慮個人情報: reportable" 0 "$MAMORI" --dir "$D" incident show "$U" --json
check "the 速報 is due in 3 days" \
	"[ '$(jget "$TMP/out" '[x["due"] for x in d["deadlines"] if x["kind"]=="ppc_preliminary"][0]')' = 2026-02-05T09:00:00+09:00 ]"
expect "a report that is not urgent" 0 "$MAMORI" --dir "$D" incident report --title 誤操作 \
	--found-at 2026-02-02T10:00 --as zeimu-1 --json
N=$(jget "$TMP/out" 'd["id"]')
expect "is not cut off before the relay" 3 "$MAMORI" --dir "$D" incident act "$N" \
	disconnect_network --field trigger=その他被害が想定される --as joho-1
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
