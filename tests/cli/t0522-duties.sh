#!/bin/sh
# t0522: recording a duty: the day it was done (--done-on) may be in the past, never in the
# future; files kept with it (--attach) are the duty's; only a holder of the role may.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
printf '点検表\n' >"$TMP/点検表.txt"

expect "tomorrow is refused" 1 "$MAMORI" --dir "$D" duty done section-inspection \
	--evidence 点検済み --as zeimu-kacho --done-on "$(day 1)"
err_one_line "one line"
err_has "saying it is in the future" "is in the future"
expect "a day that is not a date is refused" 1 "$MAMORI" --dir "$D" duty done section-inspection \
	--evidence 点検済み --as zeimu-kacho --done-on 先週
expect "someone without the role is refused" 3 "$MAMORI" --dir "$D" duty done section-inspection \
	--evidence 点検済み --as zeimu-1 --scope section:zeimu
expect "last week, with the checklist attached" 0 "$MAMORI" --dir "$D" duty done \
	section-inspection --evidence 点検済み --as zeimu-kacho --done-on "$(day -7)" \
	--attach "$TMP/点検表.txt"
expect "duty list" 0 "$MAMORI" --dir "$D" duty list --json
out_has "last done a week ago" "\"last_done\":\"$(day -7)T03:00:00"
expect "the checklist is the duty's" 0 "$MAMORI" --dir "$D" attach list \
	"duty:section-inspection@section:zeimu" --json
out_has "by name" "点検表.txt"
done_testing
