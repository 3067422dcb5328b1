#!/bin/sh
# t0523-personnel: 人事異動 from one CSV (mamori user transfer): every line checked first with
# its line number; people moved, 職名 changed, roles ended the day before the date and started
# on it, a retirement cancelling pending requests; all through the door, ledgered, all or
# nothing; CP932 as Excel saves it; a move dated ahead kept for its day (applied on it by
# serve or `user transfer --due`: unit test test_move_dated_ahead moves the clock).
. "$(dirname "$0")/lib.sh"
D="$TMP/d"
m() { "$MAMORI" --dir "$D" "$@"; }
PW='Kawa-Sora-Umi-2026!x'
TODAY=$(day 0)
TOMORROW=$(day 1)
m init --profile minato >/dev/null 2>&1
m section add zeimu --name 税務課 >/dev/null
m section add kumin --name 区民課 >/dev/null
for u in "sato 佐藤花子 zeimu" "suzuki 鈴木一郎 zeimu" "tanaka 田中次郎 kumin" "yamada 山田三郎 kumin" "kato 加藤四郎 kumin"; do
	set -- $u
	printf '%s\n' "$PW" | m user add "$1" --name "$2" --section "$3" --password-stdin >/dev/null
done
m role grant suzuki security_officer@section:zeimu >/dev/null
m role grant yamada security_officer@section:kumin >/dev/null
A=$(m record add asset --as kato --field title=窓口案内 --field level=3 --field section=kumin --field access_controlled=true --json | sed 's/.*"record":\([0-9]*\).*/\1/')
R=$(m act "$A" asset.copy --as kato | sed -n 's/^pending: request \([0-9]*\).*/\1/p')

cat >"$TMP/bad.csv" <<CSV
ログインID,異動日,新所属,新職名,終了する役割,開始する役割,退職
nobody,$TODAY,kumin,,,,
sato,2027-02-30x,kumin,,,,
tanaka,$TODAY,住民課,,,,
suzuki,$TODAY,,,security_officer@section:kumin,,
yamada,$TOMORROW,,,,,退職
sato,$TODAY,kumin,,,,
kato,$TODAY,,,,no_such_role@org,
CSV
expect "a file with errors changes nothing" 1 m user transfer "$TMP/bad.csv"
err_has "an unknown person, by line" "line 2: there is no person with the login ID 'nobody'"
err_has "a date that is none" "line 3: the date '2027-02-30x' is not a date"
err_has "an unknown section" "line 4: there is no section '住民課'"
err_has "a role not held cannot end" "line 5: the person does not hold security_officer@section:kumin"
err_has "a retirement ahead of its date" "line 6: a retirement takes effect when applied: apply this line on $TOMORROW or later"
err_has "a person twice" "line 7: 'sato' is on an earlier line too"
err_has "an unknown role" "line 8: 'no_such_role@org' is not a role of this ward"
err_has "how many lines are wrong" "7 of 7 lines have errors; nothing applied"
check "nothing moved" "m user show tanaka | grep -q '所属: kumin'"

cat >"$TMP/move.csv" <<CSV
ログインID,異動日,新所属,新職名,終了する役割,開始する役割,退職
suzuki,$TODAY,区民課,区民課長,security_officer@section:zeimu,security_officer@section:kumin,
yamada,$TODAY,zeimu,税務課長,security_officer@section:kumin,security_officer@section:zeimu,
sato,$TOMORROW,,,,system_chief,
kato,,,,,,退職
CSV
iconv -f UTF-8 -t CP932 "$TMP/move.csv" >"$TMP/move-sjis.csv"
expect "a dry run checks and shows" 0 m user transfer "$TMP/move-sjis.csv" --date "$TODAY" --dry-run
out_has "what each line does" "line 2: suzuki 鈴木一郎 ($TODAY): moves zeimu -> kumin; 職名 区民課長; ends security_officer@section:zeimu; starts security_officer@section:kumin"
out_has "and changes nothing" "nothing applied (--dry-run)"
check "suzuki is still in 税務課" "m user show suzuki | grep -q '所属: zeimu'"
expect "the same file applied (CP932)" 0 m user transfer "$TMP/move-sjis.csv" --date "$TODAY"
out_has "says how much" "applied 4 lines"
check "suzuki moved to 区民課 with the new 職名" "m user show suzuki --json | grep -q '\"section\":\"kumin\"' && m user show suzuki --json | grep -q '\"title\":\"区民課長\"'"
check "and is 区民課's security officer now, no longer 税務課's" "m role list suzuki | grep -q 'security_officer@section:kumin' && ! m role list suzuki | grep -q 'security_officer@section:zeimu'"
check "and 職員等 of 区民課, no longer of 税務課" "m role list suzuki | grep -q 'staff@section:kumin' && ! m role list suzuki | grep -q 'staff@section:zeimu'"
check "yamada the other way" "m user show yamada --json | grep -q '\"section\":\"zeimu\"' && m role list yamada | grep -q 'section:zeimu'"
check "sato's role starts tomorrow, not today" "! m role list sato | grep -q system_chief && m role list sato --all | grep -q system_chief"
check "kato retired" "m user show kato | grep -q retired"
check "and kato's pending request was cancelled with the reason" "m request show $R --json | grep -q '\"state\":\"cancelled\"' && m request show $R --json | grep -q 'applicant_retired'"
check "every change is in the ledger" "m ledger tail -n 50 | grep -c 'user.move\|role.revoke\|role.grant\|user.retire' | awk '{exit !(\$1 >= 8)}'"
expect "the ledger verifies" 0 m ledger verify

cat >"$TMP/ahead.csv" <<CSV
ログインID,異動日,終了する役割
yamada,$TOMORROW,security_officer@section:zeimu
CSV
expect "a role ends on a date ahead" 0 m user transfer "$TMP/ahead.csv"
check "held today still" "m role list yamada | grep -q 'section:zeimu'"
check "its last day is today" "m role list yamada --json | grep -q '\"until\":\"$TODAY'"
expect "role revoke --until a past day is refused" 1 m role revoke suzuki security_officer@section:kumin --until 2020-01-01

# 人事異動 dated ahead (4月1日): the file is applied before the day; the door keeps the move
cat >"$TMP/april.csv" <<CSV
ログインID,異動日,新所属,新職名
tanaka,$TOMORROW,税務課,税務課主事
CSV
expect "a move dated ahead is accepted" 0 m user transfer "$TMP/april.csv"
out_has "and kept for its day" "applied 1 lines"
check "tanaka stays in 区民課 until then" "m user show tanaka --json | grep -q '\"section\":\"kumin\"'"
check "his page says the move ahead" "m user show tanaka | grep -q '異動予定: kumin → zeimu ($TOMORROW) 職名 税務課主事'"
check "and so does the JSON" "m user show tanaka --json | grep -q '\"scheduled_move\":{\"section\":\"zeimu\",\"title\":\"税務課主事\",\"on\":\"$TOMORROW\"}'"
expect "nothing is due today" 0 m user transfer --due
out_has "so nothing moves" "applied 0 moves dated ahead"
check "the door ledgered the move with its day" "m ledger tail -n 3 | grep -q 'user.move'"
expect "a file or --due, not both" 2 m user transfer "$TMP/april.csv" --due

# a move dated ahead called off, through the door, by an administrator only
expect "someone not an administrator may not cancel it" 3 m user transfer --cancel tanaka --as suzuki
check "it stays scheduled" "m user show tanaka --json | grep -q '\"scheduled_move\":{\"section\":\"zeimu\"'"
expect "the administrator cancels tanaka's move" 0 m user transfer --cancel tanaka --json
out_has "done" '"outcome":"done"'
check "his page no longer says a move ahead" "! m user show tanaka --json | grep -q '\"scheduled_move\":{'"
check "and he stays in 区民課" "m user show tanaka --json | grep -q '\"section\":\"kumin\"'"
check "the ledger has the cancellation" "m ledger tail -n 3 | grep -q 'user.move_cancel'"
expect "nothing left to cancel" 1 m user transfer --cancel tanaka
err_has "says so" "'tanaka' has no move dated ahead to cancel"
expect "--cancel and a file exclude each other" 2 m user transfer "$TMP/april.csv" --cancel tanaka

# the door refuses a due move whose scheduler is no administrator any more: the administrators
# see it in their inbox, with why, until someone cancels it
printf '%s\n' "$PW" | m user add boss --name 人事担当 --section zeimu --password-stdin >/dev/null
m role grant boss mamori_admin@org >/dev/null
expect "boss schedules tanaka's move" 0 m user transfer "$TMP/april.csv" --as boss
m role revoke boss mamori_admin@org >/dev/null
# its day comes (the test moves the kept day back; serve's clock would get there by itself)
python3 -c "import sqlite3, sys
db = sqlite3.connect(sys.argv[1] + '/mamori.db')
db.execute(\"UPDATE user_moves SET effective = date(effective, '-2 days'), effective_ms = effective_ms - 2 * 86400000 WHERE state = 'scheduled'\")
db.commit()" "$D"
expect "the door does not apply it" 1 m user transfer --due
err_has "and says why" "is not a Mamori administrator"
check "it stays scheduled" "m user show tanaka --json | grep -q '\"scheduled_move\":{'"
expect "the administrator's inbox" 0 m inbox --as admin
out_has "shows the refused move" "扉により適用を拒否されました。登録した人事担当が管理者ではなくなったためです。"
out_has "with the person and the new section" "の税務課への異動（令和"
expect "the inbox as JSON" 0 m inbox --as admin --json
out_has "kind move" '"kind":"move"'
out_has "state refused_not_admin" '"state":"refused_not_admin"'
out_has "who scheduled it" '"by":"人事担当"'
expect "suzuki's inbox does not show it" 0 m inbox --as suzuki
check "(only administrators see moves)" "! grep -q '人事異動\|異動' '$TMP/out'"
expect "the administrator cancels it" 0 m user transfer --cancel tanaka
expect "the inbox" 0 m inbox --as admin --json
check "no longer shows it" "! grep -q '\"kind\":\"move\"' '$TMP/out'"
done_testing
