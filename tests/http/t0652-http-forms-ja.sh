#!/bin/sh
# t0652: what a person meets when something is wrong, in Japanese and with the way on: error
# pages keep the menus; every page starts with a skip link (本文へ移動); a refusal says the
# door's own account in Japanese, people by name, no English; lengths count characters and the
# form says the limit; spaces alone are nothing typed; a 管理番号 is held by one device only; a
# new password's refusal says the strength check's specific reason.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
# kato manages 税務課's system and registers its devices
m system add zeimu-sys --name 税務システム --section zeimu >/dev/null
printf '%s\n' "$PW" | m user add kato --name 加藤 --section zeimu --password-stdin >/dev/null
m role grant kato system_manager@system:zeimu-sys >/dev/null
m record add device --as kato --field asset_number=PC-0001 --field location=税務課 \
	--field kind=端末装置 --field section=zeimu --field system=zeimu-sys --json >"$TMP/dev.out" 2>&1
check "the first device with 管理番号 PC-0001" "grep -q '\"outcome\":\"done\"' '$TMP/dev.out'"
server_start
is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar")"

# error pages and the skip link
is "an address that does not exist" 404 "$(status -b "$TMP/jar" "${URL}no-such-page")"
check "the 404 page keeps the menus" "grep -q '<nav aria-label' '$TMP/body' && grep -q 'href=\"/registers\"' '$TMP/body'"
check "and says in Japanese what to do" "grep -q 'このアドレスのページはありません' '$TMP/body'"
check "and starts with 本文へ移動" "grep -q '<a href=\"#main\" class=\"skip-link\">本文へ移動</a>' '$TMP/body' && grep -q '<main[^>]*id=\"main\"' '$TMP/body'"
is "an administrator's page" 403 "$(status -b "$TMP/jar" "${URL}admin/users")"
check "the 403 page keeps the menus too" "grep -q '<nav aria-label' '$TMP/body' && grep -q 'この操作は許可されていません' '$TMP/body'"
is "the dashboard" 200 "$(status -b "$TMP/jar" "${URL}")"
check "the skip link comes first in the body" "sed -n 's/.*<body>\(.\{0,80\}\).*/\1/p' '$TMP/body' | grep -q 'skip-link'"
is "before logging in, the login page" 200 "$(status "${URL}login")"
check "has the skip link as well" "grep -q '本文へ移動' '$TMP/body'"

# a refusal, in Japanese, with people by name
REQ=$(m act "$Z3" asset.copy --as sato | sed -n 's/^pending: request \([0-9]*\).*/\1/p')
check "sato's request waits" "[ -n '$REQ' ]"
C=$(csrf_of "$TMP/jar" "/requests/$REQ")
is "sato approving their own request is refused" 403 \
	"$(status -b "$TMP/jar" --data-urlencode "csrf=$C" "${URL}requests/$REQ/approve")"
check "the reason in Japanese" "grep -q '申請者は自分の申請を承認できません' '$TMP/body'"
check "the door's account in Japanese, sato by name" "grep -q \"佐藤花子は申請 $REQ の申請者のため、承認できません\" '$TMP/body'"
check "no English sentence from the door" "! grep -q 'may not approve\|applied for request' '$TMP/body'"
check "the refusal page keeps the menus" "grep -q '<nav aria-label' '$TMP/body'"

# the new-record form: limits in characters, spaces are empty, one device per 管理番号
login kato "$PW" "$TMP/jar-s" >/dev/null
is "the new device form" 200 "$(status -b "$TMP/jar-s" "${URL}registers/device/new")"
check "a text field says its limit" "grep -q 'maxlength=\"2000\"' '$TMP/body' && grep -q '2000文字まで' '$TMP/body'"
C=$(csrf_of "$TMP/jar-s" /registers/device/new)
post() { status -b "$TMP/jar-s" --data-urlencode "csrf=$C" --data-urlencode "f.kind=端末装置" \
	--data-urlencode "f.section=zeimu" --data-urlencode "f.system=zeimu-sys" "$@" \
	"${URL}registers/device/new"; }
is "a 管理番号 of spaces alone (全角 too) is refused" 400 \
	"$(post --data-urlencode 'f.asset_number= 　 ' --data-urlencode 'f.location=税務課')"
check "as not filled in" "grep -q '「管理番号」を入力してください。' '$TMP/body'"
LONG=$(python3 -c 'print("設" * 2001)')
is "a 設置場所 of 2001 characters is refused" 400 \
	"$(post --data-urlencode 'f.asset_number=PC-0002' --data-urlencode "f.location=$LONG")"
check "counted in characters, the limit said" "grep -q '「設置場所」は2001文字です。2000文字以内にしてください。' '$TMP/body'"
OK=$(python3 -c 'print("設" * 2000)')
is "2000 characters (6000 bytes) are accepted" 303 \
	"$(post --data-urlencode 'f.asset_number=PC-0003' --data-urlencode "f.location=$OK")"
is "a second device numbered ' pc-0001 ' is refused" 403 \
	"$(post --data-urlencode 'f.asset_number= pc-0001 ' --data-urlencode 'f.location=税務課')"
check "the number is taken, said in Japanese" "grep -q 'この番号は、この台帳ですでに使われています' '$TMP/body' && grep -q '管理番号「 pc-0001 」は、この台帳の記録 [0-9]* ですでに使われています' '$TMP/body'"
check "the clause is cited" "grep -q 'MIN-5-1-2-1' '$TMP/body'"
check "no English" "! grep -q 'already held' '$TMP/body'"

# the door refuses the same through the CLI
expect "the CLI: a duplicate 管理番号" 3 "$MAMORI" --dir "$D" record add device --as kato \
	--field asset_number=PC-0001 --field location=税務課 --field kind=端末装置 --field section=zeimu \
	--field system=zeimu-sys
out_has "refused, the other record named" "already held by record"
expect "the CLI: spaces alone" 1 "$MAMORI" --dir "$D" record add device --as kato \
	--field 'asset_number=   ' --field location=税務課 --field kind=端末装置 --field section=zeimu \
	--field system=zeimu-sys
err_has "as empty" "only spaces"
is "two devices, not three" 2 "$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM records WHERE register = 'device'")"

# the door's own checks of what was typed (not refusals) are said in Japanese too
C=$(csrf_of "$TMP/jar" "/records/$Z3/act?action=asset.take_out")
takeout() { status -b "$TMP/jar" --data-urlencode "csrf=$C" --data-urlencode action=asset.take_out \
	--data-urlencode f.destination=区民センター --data-urlencode f.purpose=出張窓口 "$@" \
	"${URL}records/$Z3/act"; }
is "a 返却予定日 that is no date is refused" 400 "$(takeout --data-urlencode f.return_due=2026-13-45)"
check "said in Japanese, the field by its name" "grep -q '項目「返却予定日」は日付（例: 2026-04-01）で入力してください（「2026-13-45」は日付ではありません）' '$TMP/body'"
check "no English" "! grep -q 'must be a date' '$TMP/body'"
is "a 持出者 who does not exist is refused" 400 "$(takeout --data-urlencode f.carrier=nobody)"
check "said in Japanese" "grep -q '項目「持出者」：利用者「nobody」はいません' '$TMP/body'"
check "no English" "! grep -q 'see .mamori' '$TMP/body'"
expect "the CLI keeps its English message" 1 "$MAMORI" --dir "$D" act "$Z3" asset.take_out --as sato \
	--field destination=区民センター --field purpose=出張窓口 --field return_due=2026-13-45
err_has "what was wrong and how to write it" "must be a date (YYYY-MM-DD), not '2026-13-45'"

# the door's errors from the core's other files (org.c: a section, a person, a role that does not
# exist) are said specifically in Japanese, not as the kind of error
login admin "$ADMIN_PW" "$TMP/jar-admin" >/dev/null
C=$(csrf_of "$TMP/jar-admin" /admin/users)
is "a person added to a section that does not exist is refused" 400 \
	"$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$C" --data-urlencode login=yamada \
		--data-urlencode name=山田 --data-urlencode section=nosuch "${URL}admin/users")"
check "the page names the section in Japanese" "grep -q '課等「nosuch」はありません' '$TMP/body'"
check "not only the kind of error" "! grep -q '入力に誤りがあります。各項目を確かめて' '$TMP/body'"
check "no English" "! grep -q \"no section\\|see 'mamori\" '$TMP/body'"
C=$(csrf_of "$TMP/jar-admin" /admin/roles)
is "a role the profile does not have is refused" 400 \
	"$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$C" --data-urlencode op=grant \
		--data-urlencode login=sato --data-urlencode roleid=nosuch \
		--data-urlencode scope=section:zeimu "${URL}admin/roles")"
check "the page names the role in Japanese" "grep -q '役割「nosuch」はプロファイルにありません' '$TMP/body'"
check "no English there either" "! grep -q 'unknown role' '$TMP/body'"

# a new password refused: the specific reason in Japanese, lengths in characters with the limit
is "tanaka logs in" 303 "$(login tanaka "$PW" "$TMP/jar-t")"
newpw() { # newpw PASSWORD: tanaka's change-password form, sent
	C=$(csrf_of "$TMP/jar-t" /password)
	status -b "$TMP/jar-t" --data-urlencode "csrf=$C" --data-urlencode "current=$PW" \
		--data-urlencode "new=$1" --data-urlencode "again=$1" "${URL}password"
}
is "nine Japanese characters (27 bytes) are too short" 403 "$(newpw 日本語のあいことば)"
check "too short, counted in characters, the limit said" "grep -q 'パスワードが短すぎます（9 文字）。12 文字以上必要です（日本語の文字は1文字と数えます）' '$TMP/body'"
check "the page still offers the form" "grep -q 'action=\"/password\"' '$TMP/body'"
is "a password holding the login is refused" 403 "$(newpw Tanaka-Kumin-Window-42)"
check "it says whose login, by name" "grep -q 'パスワードに田中次郎のログインIDが含まれています' '$TMP/body'"
is "a password holding the name is refused" 403 "$(newpw 田中次郎の窓口パスワード)"
check "it names the part of the name" "grep -q 'パスワードに氏名の一部「田中次郎」が含まれています' '$TMP/body'"
is "a common password is refused" 403 "$(newpw password1234)"
check "as too easy to guess, with the strength" "grep -q 'パスワードが推測されやすすぎます（強度 4 のうち [0-9]。[0-9] 以上が必要）' '$TMP/body'"
LONGPW=$(python3 -c 'print("長" * 257)')
is "257 characters are too long" 403 "$(newpw "$LONGPW")"
check "too long, the limit said in characters" "grep -q 'パスワードが長すぎます（257 文字）。受け付けるのは 256 文字までです' '$TMP/body'"
check "no English from the strength check" "! grep -q 'password is\|password contains\|characters are needed' '$TMP/body'"
is "a good one is taken" 200 "$(newpw 'kumin ward ginkgo lantern 7')"
check "and said so" "grep -q 'パスワードを変更しました' '$TMP/body'"

server_stop
done_testing
