#!/bin/sh
# t0560: a Minato risk from its threat (基本方針4(2)) to its acceptance: the section's security
# officer assesses it through the door (staff are refused with the clause), a measure whose duty
# is overdue keeps the residual as high as the inherent risk until the duty is done, the owner
# may raise the residual only with a reason, a residual above the ward's threshold (15) needs the
# CISO, and an incident on the record afterwards makes the acceptance stale.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
today=$(TZ=Asia/Tokyo date +%Y-%m-%d)
yesterday=$(TZ=Asia/Tokyo date -d yesterday +%Y-%m-%d)

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato --ward-name 港区
m section add zeimu --name 税務課 >/dev/null || not_ok "section zeimu"
m section add kumin --name 区民課 >/dev/null || not_ok "section kumin"
for u in "zeimu-1 zeimu" "zeimu-kacho zeimu" "kumin-kacho kumin" "fukukucho kumin"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" --employment 職員 >/dev/null || not_ok "user $1"
done
# The officer has held the role since 2024: the yearly section inspection (MIN-9-2-1) is overdue.
m role grant zeimu-kacho security_officer@section:zeimu --from 2024-04-01 >/dev/null ||
	not_ok "grant zeimu-kacho"
m role grant kumin-kacho security_officer@section:kumin >/dev/null || not_ok "grant kumin-kacho"
m role grant fukukucho ciso@org >/dev/null || not_ok "grant fukukucho"

# ---- the threats are the text's -------------------------------------------------------------
expect "risk threats --json" 0 "$MAMORI" --dir "$D" risk threats --json
check "four threats, the text's ids" \
	"[ '$(jget "$TMP/out" '",".join(t["id"] for t in d)')' = intentional,negligence,failure,disaster ]"
check "each names its clause (故意: MIN-BP-4-2-1)" \
	"[ '$(jget "$TMP/out" 'd[0]["clauses"][0]')' = MIN-BP-4-2-1 ]"
check "with the text's name" "jget '$TMP/out' 'd[3][\"name\"]' | grep -q 災害"
expect "risk threats (text)" 0 "$MAMORI" --dir "$D" risk threats
out_has "the text lists names" "故意"

new_record "a level-3 asset of 税務課" asset --field title=住民税課税台帳 --level 3 \
	--section zeimu --field access_controlled=true --as zeimu-kacho
A=$rec

# ---- bad input: a clear error, nothing recorded ------------------------------------------------
expect "an unknown threat is refused" 1 "$MAMORI" --dir "$D" risk assess "$A" --threat kaiju \
	--likelihood 3 --impact 3 --as zeimu-kacho
err_has "the error lists the catalogue" "intentional"
err_one_line "one line on stderr"
expect "a likelihood off the scale is refused" 1 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat intentional --likelihood 6 --impact 3 --as zeimu-kacho
err_has "the error gives the scale" "from 1 to 5"
expect "a measure that is not a clause is refused" 1 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat intentional --likelihood 3 --impact 3 --measure MIN-99 --as zeimu-kacho
err_has "the error names it" "MIN-99"
expect "a record that does not exist is refused" 1 "$MAMORI" --dir "$D" risk assess 999 \
	--threat intentional --likelihood 3 --impact 3 --as zeimu-kacho
expect "a missing --impact is a usage error" 2 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat intentional --likelihood 3 --as zeimu-kacho
expect "a risk cannot be written by hand (its values are Mamori's)" 1 "$MAMORI" --dir "$D" record \
	add risk --field target="$A" --field threat=intentional --section zeimu --field likelihood=5 \
	--field impact=5 --field inherent=25 --field residual=1 --field band=受容基準以内 \
	--as zeimu-kacho
err_has "the error names the command" "mamori risk assess"
expect "nothing was recorded" 0 "$MAMORI" --dir "$D" risk list --json
check "the register is empty" "[ \"\$(cat '$TMP/out')\" = '[]' ]"

# ---- only the owner the profile names assesses ------------------------------------------------
expect "staff may not assess (exit 3)" 3 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat intentional --likelihood 4 --impact 5 --as zeimu-1 --json
check "refused" "[ '$(jget "$TMP/out" 'd["outcome"]')' = refused ]"
out_has "the refusal cites the rule's clause" "MIN-BP-4-2"
expect "another section's officer may not even read the asset" 1 "$MAMORI" --dir "$D" risk \
	assess "$A" --threat intentional --likelihood 4 --impact 5 --as kumin-kacho
err_has "the error says so" "may read"

# ---- a measure whose duty is overdue keeps the residual high ------------------------------------
expect "the officer assesses 故意 (4 × 5) treated by the section inspection" 0 "$MAMORI" \
	--dir "$D" risk assess "$A" --threat intentional --likelihood 4 --impact 5 \
	--measure MIN-9-2-1 --treatment reduce --as zeimu-kacho --json
R=$(jget "$TMP/out" 'd["id"]')
check "inherent 20" "[ '$(jget "$TMP/out" 'd["inherent"]')' = 20 ]"
check "residual 20: the overdue duty's measure does not count" \
	"[ '$(jget "$TMP/out" 'd["residual"]')' = 20 ]"
expect "risk show --json" 0 "$MAMORI" --dir "$D" risk show "$R" --json
cp "$TMP/out" "$TMP/show.json"
check "the measure is enforced by the profile" \
	"[ '$(jget "$TMP/show.json" 'd["measures"][0]["strength"]')' = enforced ]"
check "but does not count: its duty is overdue" \
	"[ '$(jget "$TMP/show.json" 'd["measures"][0]["why_not"]')' = duty_overdue ]"
check "the evidence names the duty at 税務課" \
	"[ '$(jget "$TMP/show.json" 'd["measures"][0]["evidence"]["duties"][0]["scope"]')' = section:zeimu ]"
check "above the threshold" "[ '$(jget "$TMP/show.json" 'd["band"]')' = 受容基準超 ]"
check "not accepted" "[ '$(jget "$TMP/show.json" 'd["accepted_by"]')' = None ]"
check "the target is the asset" "[ '$(jget "$TMP/show.json" 'd["target"]["id"]')' = $A ]"
expect "the officer may not accept a residual above 15" 3 "$MAMORI" --dir "$D" risk accept "$R" \
	--as zeimu-kacho

# The section inspects itself (MIN-9-2-1): the CISO opens the round, the staff answer and hand it
# in, the officer signs it off: the duty is met, the measure counts.
expect "the CISO opens 税務課's self-inspection" 0 "$MAMORI" --dir "$D" inspection open \
	--round 令和8年度 --section zeimu --due "$today" --items MIN-3-2-1 --as fukukucho --json
I=$(python3 -c "import json; print(json.load(open('$TMP/out'))[0]['id'])")
expect "the staff answer" 0 "$MAMORI" --dir "$D" inspection answer "$I" --clause MIN-3-2-1 \
	--result 適合 --as zeimu-1
expect "and hand it in" 0 "$MAMORI" --dir "$D" inspection submit "$I" --as zeimu-1
expect "the officer signs it off" 0 "$MAMORI" --dir "$D" inspection sign-off "$I" --as zeimu-kacho
expect "show after the inspection" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "the measure counts now" "[ '$(jget "$TMP/out" 'd["measures"][0]["counts"]')' = True ]"
check "the acts that cited the clause are its evidence" \
	"[ '$(jget "$TMP/out" 'd["measures"][0]["evidence"]["acts"] >= 1')' = True ]"
check "computed residual 10 (likelihood 4 - 2)" \
	"[ '$(jget "$TMP/out" 'd["computed_residual"]')' = 10 ]"
check "the recorded residual stays until reassessed" "[ '$(jget "$TMP/out" 'd["residual"]')' = 20 ]"

# ---- the owner confirms or raises, never lowers ----------------------------------------------
expect "lowering below the measures is refused" 1 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat intentional --likelihood 4 --impact 5 --measure MIN-9-2-1 --residual 5 \
	--as zeimu-kacho
err_has "the error says why" "not lower"
expect "raising without a reason is refused" 1 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat intentional --likelihood 4 --impact 5 --measure MIN-9-2-1 --residual 12 \
	--as zeimu-kacho
expect "the officer reassesses: the same risk, residual 10" 0 "$MAMORI" --dir "$D" risk assess \
	"$A" --threat intentional --likelihood 4 --impact 5 --measure MIN-9-2-1 --as zeimu-kacho --json
check "the same risk" "[ '$(jget "$TMP/out" 'd["id"]')' = '$R' ]"
check "residual 10" "[ '$(jget "$TMP/out" 'd["residual"]')' = 10 ]"

# ---- acceptance by the owner -------------------------------------------------------------------
expect "the CISO may not accept what is the section's to accept" 3 "$MAMORI" --dir "$D" risk \
	accept "$R" --as fukukucho
expect "the officer accepts residual 10" 0 "$MAMORI" --dir "$D" risk accept "$R" \
	--as zeimu-kacho --comment 点検で確認
expect "show after the acceptance" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "accepted by the officer" "[ '$(jget "$TMP/out" 'd["accepted_by"]')' = zeimu-kacho ]"
check "at residual 10" "[ '$(jget "$TMP/out" 'd["accepted_residual"]')' = 10 ]"
check "state accepted" "[ '$(jget "$TMP/out" 'd["state"]')' = accepted ]"
check "not stale" "[ '$(jget "$TMP/out" 'd["stale"]')' = False ]"
expect "accepting twice is refused (state)" 3 "$MAMORI" --dir "$D" risk accept "$R" --as zeimu-kacho

# ---- an incident on the record makes the acceptance stale ---------------------------------------
expect "zeimu-1 reports an incident on the asset" 0 "$MAMORI" --dir "$D" incident report \
	--title 課税台帳の誤表示 --found-at "${yesterday}T09:00" --record "$A" --as zeimu-1 --json
I=$(jget "$TMP/out" 'd["id"]')
expect "show after the incident" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "stale" "[ '$(jget "$TMP/out" 'd["stale"]')' = True ]"
check "because of the incident" "[ '$(jget "$TMP/out" '",".join(d["stale_reasons"])')' = incident:$I ]"
expect "risk list shows it stale" 0 "$MAMORI" --dir "$D" risk list --section zeimu
out_has "要再評価 in the list" "要再評価"

# ---- reassessed above the threshold: the CISO accepts ------------------------------------------
expect "the officer raises the residual to 16 with a reason" 0 "$MAMORI" --dir "$D" risk assess \
	"$A" --threat intentional --likelihood 4 --impact 5 --measure MIN-9-2-1 --residual 16 \
	--reason "誤表示が再発した" --as zeimu-kacho --json
check "residual 16" "[ '$(jget "$TMP/out" 'd["residual"]')' = 16 ]"
expect "the officer may not accept 16" 3 "$MAMORI" --dir "$D" risk accept "$R" --as zeimu-kacho
out_has "the refusal says why" "not allowed"
expect "the CISO accepts 16" 0 "$MAMORI" --dir "$D" risk accept "$R" --as fukukucho --json
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "accepted by the CISO" "[ '$(jget "$TMP/out" 'd["accepted_by"]')' = fukukucho ]"
check "the reason is kept" "jget '$TMP/out' 'd[\"reason\"]' | grep -q 再発"
check "fresh again" "[ '$(jget "$TMP/out" 'd["stale"]')' = False ]"

# ---- the treatment plan: tasks with owners and due dates, through the door ---------------------------
expect "staff may not plan a task (exit 3)" 3 "$MAMORI" --dir "$D" risk task add "$R" \
	--task 画面の表示確認 --assignee zeimu-1 --due "$today" --as zeimu-1
expect "a due date that is not a date is refused" 1 "$MAMORI" --dir "$D" risk task add "$R" \
	--task 画面の表示確認 --assignee zeimu-1 --due 来週 --as zeimu-kacho
err_has "the error says how to write it" "YYYY-MM-DD"
expect "an assignee who does not exist is refused" 1 "$MAMORI" --dir "$D" risk task add "$R" \
	--task 画面の表示確認 --assignee nobody --due "$today" --as zeimu-kacho
expect "a task without --due is a usage error" 2 "$MAMORI" --dir "$D" risk task add "$R" \
	--task 画面の表示確認 --assignee zeimu-1 --as zeimu-kacho
expect "the officer plans a task due yesterday" 0 "$MAMORI" --dir "$D" risk task add "$R" \
	--task 誤表示の原因の改修 --assignee zeimu-1 --due "$yesterday" --as zeimu-kacho --json
T1=$(jget "$TMP/out" 'd["task"]')
expect "and one due today" 0 "$MAMORI" --dir "$D" risk task add "$R" \
	--task 利用者への周知 --assignee zeimu-1 --due "$today" --as zeimu-kacho --json
T2=$(jget "$TMP/out" 'd["task"]')
expect "the CISO may plan one too (the residual is above the threshold)" 0 "$MAMORI" --dir "$D" \
	risk task add "$R" --task 全庁への注意喚起 --assignee fukukucho --due "$today" --as fukukucho
expect "show with the plan" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "three tasks" "[ '$(jget "$TMP/out" 'len(d["tasks"])')' = 3 ]"
check "the first is overdue" "[ '$(jget "$TMP/out" '[t["overdue"] for t in d["tasks"]]')' = '[True, False, False]' ]"
check "with its owner and due date" \
	"[ '$(jget "$TMP/out" 'd["tasks"][0]["assignee"] + " " + d["tasks"][0]["due"]')' = 'zeimu-1 $yesterday' ]"
expect "the assignee's inbox" 0 "$MAMORI" --dir "$D" inbox --as zeimu-1 --json
check "holds both tasks, the overdue one first" \
	"[ '$(jget "$TMP/out" '" ".join(x["key"] for x in d["items"] if x["kind"] == "risk_task")')' = 'risk_task:$T1:overdue risk_task:$T2:open' ]"
check "in Japanese, naming the risk and the due day" \
	"jget '$TMP/out' '[x[\"text\"] for x in d[\"items\"] if x[\"kind\"] == \"risk_task\"][0]' | grep -q '誤表示の原因の改修（リスク $R）：期日 令和.*（期限切れ）'"
expect "the officer records the overdue task done" 0 "$MAMORI" --dir "$D" risk task done "$R" "$T1" \
	--as zeimu-kacho
expect "done twice is refused" 1 "$MAMORI" --dir "$D" risk task done "$R" "$T1" --as zeimu-kacho
err_has "the error names the task" "no open task $T1"
expect "a task of another number is refused" 1 "$MAMORI" --dir "$D" risk task done "$R" 999999 \
	--as zeimu-kacho
expect "staff may not record a task done" 3 "$MAMORI" --dir "$D" risk task done "$R" "$T2" --as zeimu-1
expect "show after" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "the first is done, by the officer, no longer overdue" \
	"[ '$(jget "$TMP/out" '" ".join(str(d["tasks"][0][k]) for k in ("done", "done_by", "overdue"))')' = 'True zeimu-kacho False' ]"
check "the plan does not change the acceptance" "[ '$(jget "$TMP/out" 'd["stale"]')' = False ]"
expect "the assignee's inbox after" 0 "$MAMORI" --dir "$D" inbox --as zeimu-1 --json
check "only the open task is left" \
	"[ '$(jget "$TMP/out" '" ".join(x["key"] for x in d["items"] if x["kind"] == "risk_task")')' = 'risk_task:$T2:open' ]"
expect "risk show (text) lists the plan" 0 "$MAMORI" --dir "$D" risk show "$R"
out_has "the task and its owner" "利用者への周知（担当 zeimu-1"

# ---- reading ---------------------------------------------------------------------------------------
expect "list --section zeimu --json" 0 "$MAMORI" --dir "$D" risk list --section zeimu --json
check "one risk" "[ '$(jget "$TMP/out" 'len(d)')' = 1 ]"
expect "list --section kumin --json" 0 "$MAMORI" --dir "$D" risk list --section kumin --json
check "none in 区民課" "[ '$(jget "$TMP/out" 'len(d)')' = 0 ]"
expect "区民課's officer reads no 税務課 risk" 1 "$MAMORI" --dir "$D" risk show "$R" --as kumin-kacho
expect "risk show on a record that is not a risk" 1 "$MAMORI" --dir "$D" risk show "$A"
expect "risk show (text)" 0 "$MAMORI" --dir "$D" risk show "$R"
out_has "the text names the measure" "MIN-9-2-1"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
