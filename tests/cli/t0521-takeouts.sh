#!/bin/sh
# t0521: the take-out cycle (MIN-4-1-3-4): a take-out records 返却予定日, the carrier and the
# protection (optional fields, `due: true` in the profile); `takeout list` shows what is out,
# overdue first, per section, only what the reader may read; bringing it back closes it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m section add kumin --name 区民課 >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add kumin-1 --name "清水 亮" --section kumin >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
new_record "a level 3 asset" asset --field title=住民税課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
A=$rec
new_record "another" asset --field title=滞納整理記録 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
B=$rec

expect "the optional fields are known" 0 "$MAMORI" policy show --profile minato
expect "a take-out with its due date, carrier and protection" 0 \
	"$MAMORI" --dir "$D" act "$A" asset.take_out --as zeimu-1 --field destination=区民センター \
	--field purpose=出張窓口 --field 返却予定日="$(day 3)" --field carrier=zeimu-1 \
	--field 保護措置（暗号化・施錠等）=暗号化USB
R=$(last_request)
expect "a 返却予定日 that is not a date is refused" 1 \
	"$MAMORI" --dir "$D" act "$B" asset.take_out --as zeimu-1 --field destination=分室 \
	--field purpose=説明会 --field return_due=来週
expect "a carrier who does not exist is refused" 1 \
	"$MAMORI" --dir "$D" act "$B" asset.take_out --as zeimu-1 --field destination=分室 \
	--field purpose=説明会 --field carrier=nobody
expect "nothing is out while it waits for approval" 0 "$MAMORI" --dir "$D" takeout list --json
json_is "empty" "len(d)" "0"
m request approve "$R" --as zeimu-kacho >/dev/null
run "$MAMORI" --dir "$D" act "$B" asset.take_out --as zeimu-1 --field destination=分室 \
	--field purpose=説明会 --field return_due="$(day -2)"
m request approve "$(last_request)" --as zeimu-kacho >/dev/null

expect "takeout list" 0 "$MAMORI" --dir "$D" takeout list --json
json_is "both are out" "len(d)" "2"
json_is "the overdue one first" "[x['record'] for x in d]" "[$B, $A]"
json_is "overdue marked" "[x['overdue'] for x in d]" "[True, False]"
json_is "the taker is the applicant, not the approver" "d[1]['taken_by']" "zeimu-1"
json_is "where" "d[1]['destination']" "区民センター"
json_is "due back" "d[1]['return_due']" "$(day 3)"
json_is "carried by" "d[1]['carrier']" "zeimu-1"
json_is "protected by" "d[1]['protection']" "暗号化USB"
json_is "the approved request" "d[1]['request'] is not None" "True"
expect "only the overdue" 0 "$MAMORI" --dir "$D" takeout list --overdue --json
json_is "one" "[x['record'] for x in d]" "[$B]"
expect "another section's list" 0 "$MAMORI" --dir "$D" takeout list --section kumin --json
json_is "is empty" "len(d)" "0"
expect "as kumin-1, who may not read 税務課's level 3" 0 \
	"$MAMORI" --dir "$D" takeout list --as kumin-1 --json
json_is "nothing" "len(d)" "0"
expect "as zeimu-1" 0 "$MAMORI" --dir "$D" takeout list --as zeimu-1 --json
json_is "both" "len(d)" "2"
expect "the table for people" 0 "$MAMORI" --dir "$D" takeout list
out_has "marks the overdue one" "期限超過"
expect "an unknown reader" 1 "$MAMORI" --dir "$D" takeout list --as nobody

allowed "bringing it back" "$MAMORI" --dir "$D" act "$B" asset.bring_back --as zeimu-1
expect "takeout list" 0 "$MAMORI" --dir "$D" takeout list --json
json_is "closes it" "[x['record'] for x in d]" "[$A]"

# The profile flag: `due` marks a date field only.
sed 's/return_due: {type: date, name: 返却予定日, due: true/return_due: {type: text, name: 返却予定日, due: true/' \
	"${MAMORI_SRCDIR:?}/policies/minato.yaml" >"$TMP/bad.yaml"
expect "a due flag on a text field is a lint error" 1 "$MAMORI" policy lint "$TMP/bad.yaml"
out_has "saying so" "'due' marks a date field"
done_testing
