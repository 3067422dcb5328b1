#!/bin/sh
# t0524: the CLI speaks Japanese to a ward's staff: under a Japanese locale (LANG=ja_JP.UTF-8;
# the catalogue is built into the binary, so the system need not have the locale), with
# MAMORI_LANG=ja and with --lang ja. Representative commands of each kind (usage errors, the
# core's errors, an act done, waiting and refused with its clause, lists and shows with dates as
# the office writes them) print no English sentence; English stays the default, the locale
# variables keep their POSIX order, and JSON is the same in both languages.
. "$(dirname "$0")/lib.sh"

D=$TMP/d
if ! "$MAMORI" --dir "$D" init --profile minato --demo >"$TMP/init" 2>&1; then
	not_ok "demo ward"
	diag "$(tail -5 "$TMP/init")"
	done_testing
fi

# ja CMD...: the command as staff with a Japanese desktop run it.
ja() {
	env -u MAMORI_LANG -u LC_ALL -u LC_MESSAGES LANG=ja_JP.UTF-8 "$MAMORI" --dir "$D" "$@"
}

# Three or more English words in a row, each after one space (a table's columns are two apart),
# outside a command quoted to be typed ('mamori record list --help') and ids: role@scope,
# section:ID, register.action, logins (zeimu-kacho), a list of field ids (title, level, section).
english() {
	sed -e 's/^mamori: //' -e "s/'mamori [^']*'//g" -e 's/mamori [a-z][a-z -]*//g' \
		-e 's/[a-z_]\{1,\}\(, [a-z_]\{1,\}\)\{2,\}/IDS/g' "$1" |
		LC_ALL=C.UTF-8 grep -P "(?<![\\w.@:/-])[A-Za-z][a-z']+(?![\\w.@:/-])(?:[,;:]? [A-Za-z][a-z']+(?![\\w.@:/-])){2,}"
}
no_english() { # no_english NAME: neither stdout nor stderr of the last run says English
	if english "$TMP/out" >"$TMP/en" || english "$TMP/err" >>"$TMP/en"; then
		not_ok "$1: no English sentence"
		diag "$(head -5 "$TMP/en")"
	else
		ok "$1: no English sentence"
	fi
}
japanese() { # japanese NAME: the last run said something in Japanese
	check "$1: says it in Japanese" \
		"cat '$TMP/out' '$TMP/err' | LC_ALL=C.UTF-8 grep -qP '[\\x{3040}-\\x{30FF}\\x{4E00}-\\x{9FFF}]'"
}
said() { # said NAME CODE CMD...: exit code, Japanese, no English
	_s=$1
	_c=$2
	shift 2
	expect "$_s: exit $_c" "$_c" ja "$@"
	japanese "$_s"
	no_english "$_s"
}

# ---- a new ward, said once in Japanese ---------------------------------------------------------
expect "init of a demo ward in Japanese" 0 env -u MAMORI_LANG -u LC_ALL LANG=ja_JP.UTF-8 \
	"$MAMORI" --dir "$TMP/d-ja" init --profile minato --demo
out_has "the administrator's password said in Japanese" "管理者: admin  パスワード: "
out_has "the demo's logins" "デモのログイン（パスワードの表示は1回だけです）"
no_english "init"

# ---- usage errors --------------------------------------------------------------------------
expect "unknown command: exit 2" 2 ja bogus
err_has "unknown command in Japanese" "「bogus」は mamori のコマンドではありません"
no_english "unknown command"
expect "unknown option: exit 2" 2 ja record list asset --bogus
err_has "unknown option in Japanese" "「--bogus」というオプションはありません"
no_english "unknown option"
expect "a missing value: exit 2" 2 ja request approve 1 --as
no_english "a missing value"
expect "withdraw without --as: exit 2" 2 ja request withdraw 1
err_has "withdraw without --as in Japanese" "request withdraw には申請の番号と --as LOGIN が必要です"
no_english "withdraw without --as"

# ---- the core's errors ----------------------------------------------------------------------
expect "no such person: exit 1" 1 ja user show nobody
err_has "no such person in Japanese" "利用者「nobody」はいません"
no_english "no such person"
expect "no such request: exit 1" 1 ja request approve 9999 --as zeimu-kacho
no_english "no such request"
expect "a field the action lacks: exit 1" 1 ja act 7 asset.take_out --as zeimu-1 --field bogus=1
japanese "a field the action lacks"
no_english "a field the action lacks"
expect "a date that is none: exit 1" 1 ja act 7 asset.take_out --as zeimu-1 \
	--field destination=区民センター --field purpose=窓口 --field return_due=来週
japanese "a date that is none"
no_english "a date that is none"

# ---- the errors of the layers below the core: the store, the ledger, file integrity ------------
expect "no database: exit 1" 1 env -u MAMORI_LANG -u LC_ALL -u LC_MESSAGES LANG=ja_JP.UTF-8 \
	"$MAMORI" --dir "$TMP/none" user list
err_has "the store's error in Japanese" "Mamori のデータベースがありません。'mamori --dir $TMP/none init' で作成してください"
no_english "the store's error"
expect "no such ledger entry: exit 1" 1 ja ledger entry 99999999
err_has "the ledger's error in Japanese" "監査ログに記載 99999999 はありません"
no_english "the ledger's error"
expect "a proof beyond the tree: exit 1" 1 ja ledger proof 99999999
err_has "the ledger's error with its numbers" "記載 99999999 はサイズ "
no_english "a proof beyond the tree"
expect "file integrity's configuration missing: exit 1" 1 ja fim config check "$TMP/none.conf"
err_has "fim's error in Japanese, the system's reason too" "設定「$TMP/none.conf」を読めません: そのようなファイルやディレクトリはありません"
no_english "fim's error"
expect "a profile that is not shipped: exit 1" 1 ja policy replay minat
err_has "the policy engine's error in Japanese, the near name offered" "同梱のプロファイル「minat」はありません（「minato」のことですか？）"
no_english "a profile that is not shipped"
expect "a clause the profile lacks: exit 1" 1 ja policy show --profile minato --clause MIN-3-2-9
err_has "said in Japanese with the near clause" "プロファイル「minato」に条項「MIN-3-2-9」はありません（「MIN-3-2-1」のことですか？）"
no_english "a clause the profile lacks"
printf 'bogus line here\n/etc Foo\n/var R+sha512\n' >"$TMP/bad.conf"
expect "fim config check of a wrong configuration: exit 1" 1 ja fim config check "$TMP/bad.conf"
err_has "each line's error in Japanese" "bad.conf:1: エラー: 規則でもグループでもオプションでもありません"
err_has "with its argument" "bad.conf:2: エラー: 属性またはグループ「Foo」はありません"
err_has "a warning too" "bad.conf:3: 警告: 「sha512」は SHA-256 として点検します"
err_has "and how many" "「$TMP/bad.conf」: 誤り 2 件"
no_english "fim config check"
expect "fim init of a wrong configuration: exit 1" 1 ja fim init --config "$TMP/bad.conf"
err_has "fim init says each line's error in Japanese" "bad.conf:1: エラー: 規則でもグループでもオプションでもありません"
err_has "fim init says the argument too" "bad.conf:2: エラー: 属性またはグループ「Foo」はありません"
err_has "fim init says how many" "「$TMP/bad.conf」: 誤り 2 件"
no_english "fim init of a wrong configuration"
mkdir "$TMP/fimtree"
echo a >"$TMP/fimtree/a"
printf 'G = sha256+p\n%s G\n' "$TMP/fimtree" >"$TMP/good.conf"
expect "fim init of a good configuration" 0 ja fim init --config "$TMP/good.conf"
out_has "fim init's baseline line in Japanese" "基準の第 1 世代: 2 件、sha256 "
no_english "fim init"
echo b >"$TMP/fimtree/b"
expect "fim check finds the new file: exit 1" 1 ja fim check --config "$TMP/good.conf"
out_has "fim check's report line in Japanese" "点検結果 1: 変更あり（監査ログの記載 "

# ---- acts: waiting, refused with the clause, done ---------------------------------------------
expect "a take-out waits for the 課長" 0 ja act 7 asset.take_out --as zeimu-1 \
	--field destination=区民センター --field purpose=窓口 --field return_due=2099-12-20
out_has "waiting in Japanese" "承認待ち: 申請 "
no_english "waiting"
REQ=$(sed -n 's/^承認待ち: 申請 \([0-9]*\).*/\1/p' "$TMP/out")
check "the request's number is said" "[ -n '$REQ' ]"
expect "the applicant approving is refused: exit 3" 3 ja request approve "$REQ" --as zeimu-1
out_has "refused in Japanese" "拒否されました: 申請者は自分の申請を承認できません"
out_has "the refusal names its clause" "[MIN-"
no_english "refused"
expect "an act the policy denies: exit 3" 3 ja act 12 asset.take_out --as zeimu-1
out_has "denied in Japanese" "拒否されました: "
no_english "denied"
# a deny rule without a note (minato dm-select-must-comply): the door's own words, never "(null)"
expect "a deny rule without a note: exit 3" 3 ja record add dm --field name=指定管理者A \
	--field section=zeimu --field can_comply=false --as zeimu-1
out_has "says the profile's rules deny it" "「dm.select」は認められません：プロファイルの規則が禁じています"
no_english "a deny rule without a note"
expect "in English" 3 "$MAMORI" --dir "$D" record add dm --field name=指定管理者A \
	--field section=zeimu --field can_comply=false --as zeimu-1
out_has "in English too" "refused: dm.select is not allowed: the profile's rules deny it [MIN-7-1-1 MIN-8-1-1]"
expect "the 課長 approves" 0 ja request approve "$REQ" --as zeimu-kacho
out_has "done in Japanese" "完了しました。"
no_english "done"

expect "a password too short is refused: exit 3" 3 sh -c "echo short | env -u MAMORI_LANG \
	-u LC_ALL LANG=ja_JP.UTF-8 '$MAMORI' --dir '$D' user add taro --name 太郎 --section zeimu \
	--password-stdin"
out_has "the strength check's words in Japanese" "パスワードが短すぎます（5 文字）。12 文字以上必要です"
no_english "a password too short"

# ---- lists and shows ---------------------------------------------------------------------------
said "request list" 0 request list
out_has "request states by name" "承認済"
said "request show" 0 request show "$REQ"
out_has "a request's date as the office writes it" "期限: 令和"
said "user list" 0 user list
out_has "account states by name" "有効"
said "user show" 0 user show zeimu-1
said "record list" 0 record list asset --section zeimu
said "record history" 0 record show 7 --history
out_has "history dated as the office writes it" "令和"
said "take-outs" 0 takeout list
out_has "return dates as the office writes them" "令和"
said "duties" 0 duty list
said "inbox" 0 inbox --as zeimu-kacho
said "section list" 0 section list
said "doctor" 0 doctor
out_has "the checks in Japanese" "すべての点検に合格しました"
ja doctor --json >"$TMP/ja.json"
check "doctor's JSON keeps English details" "grep -q 'schema version [0-9]* is current' '$TMP/ja.json'"
said "the command list" 0 help
out_has "the commands in Japanese" "台帳の記録: 追加、一覧、表示、CSV"

# ---- 人事異動's preview, the ledger's and the collected logs' lines ---------------------------------
TODAY=$(TZ=Asia/Tokyo date +%F)
cat >"$TMP/move.csv" <<CSV
ログインID,異動日,新所属,新職名,終了する役割,開始する役割,退職
zeimu-2,$TODAY,区民課,区民課主査,,security_officer@section:kumin,
kumin-2,2099-04-01,zeimu,,,,
hoken-1,,,,,,退職
CSV
said "user transfer's preview" 0 user transfer "$TMP/move.csv" --date "$TODAY" --dry-run
out_has "the move by section names" "所属 区民課 → 税務課（その日に異動）"
out_has "a role by its name and scope" "区民課 セキュリティ責任者 を開始"
out_has "a retirement" "退職"
out_has "the dates as the office writes them" "（令和"
out_has "and nothing applied" "何も適用していません（--dry-run）"
printf 'ログインID,新所属\nnobody,zeimu\nzeimu-2,nowhere\n' >"$TMP/bad.csv"
said "user transfer's errors by line" 1 user transfer "$TMP/bad.csv"
err_has "an unknown person by line" "2 行目: ログインID「nobody」の人はいません"
said "ledger tail" 0 ledger tail -n 30
out_has "entry kinds by name" "  変更  "
out_has "the policy's decision by name" "→ 許可"
out_has "entry times as the office writes them" "  令和"
said "ledger show" 0 ledger show 5
out_has "an entry's header in Japanese" "記載 5 ("
out_has "its kind by name" "  kind      変更"
cat >"$TMP/syslog.txt" <<'LOG'
<13>1 2026-12-05T10:00:00Z web01 sshd 123 - - 認証に失敗しました
そのまま保存された行
LOG
said "log import" 0 log import --source web01 "$TMP/syslog.txt"
out_has "how many lines, in Japanese" "2 行を「"
said "log search" 0 log search --host web01
out_has "a message kept raw is marked so" "（未解析） そのまま保存された行"
out_has "log times as the office writes them" "  令和8年12月5日 19:00  web01  sshd[123]"
said "log import without --source" 2 log import "$TMP/syslog.txt"

# ---- help: every command group's list and every subcommand's options --------------------------
for g in $(env MAMORI_LANG=en "$MAMORI" help | sed -n '/^commands:/,/^$/s/^    \([a-z]*\) .*/\1/p'); do
	ja "$g" --help >"$TMP/out" 2>"$TMP/err"
	if english "$TMP/out" >"$TMP/en" || english "$TMP/err" >>"$TMP/en"; then
		not_ok "'$g --help' has no English sentence"
		diag "$(head -5 "$TMP/en")"
	else
		ok "'$g --help' has no English sentence"
	fi
	for c in $(env MAMORI_LANG=en "$MAMORI" "$g" help 2>/dev/null |
		sed -n '/^commands:/,/^$/s/^    \([a-z-]*\) .*/\1/p'); do
		ja "$g" "$c" --help >"$TMP/out" 2>"$TMP/err"
		if english "$TMP/out" >"$TMP/en" || english "$TMP/err" >>"$TMP/en"; then
			not_ok "'$g $c --help' has no English sentence"
			diag "$(head -5 "$TMP/en")"
		fi
	done
done
ja record list --help >"$TMP/out" 2>&1
check "option help in Japanese" "grep -q 'LOGIN が閲覧できる記録だけ' '$TMP/out'"
check "and the usage line's word" "grep -q '^使い方: mamori record list' '$TMP/out'"
expect "a missing argument shows the usage" 2 ja request withdraw
no_english "a missing argument"

# ---- how the language is chosen ----------------------------------------------------------------
expect "English by default" 2 env -u MAMORI_LANG -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 \
	"$MAMORI" --dir "$D" bogus
err_has "English by default: the message" "'bogus' is not a mamori command; see 'mamori help'"
expect "MAMORI_LANG=ja" 2 env MAMORI_LANG=ja LANG=C.UTF-8 "$MAMORI" --dir "$D" bogus
err_has "MAMORI_LANG=ja: Japanese" "「bogus」は mamori のコマンドではありません"
expect "--lang ja" 2 env -u MAMORI_LANG LANG=C "$MAMORI" --lang ja --dir "$D" bogus
err_has "--lang ja: Japanese" "「bogus」は mamori のコマンドではありません"
expect "--lang en over a Japanese locale" 2 env -u MAMORI_LANG LANG=ja_JP.UTF-8 \
	"$MAMORI" --lang=en --dir "$D" bogus
err_has "--lang en: English" "'bogus' is not a mamori command"
expect "LC_ALL=C comes before LANG=ja_JP.UTF-8" 2 env -u MAMORI_LANG LC_ALL=C LANG=ja_JP.UTF-8 \
	"$MAMORI" --dir "$D" bogus
err_has "LC_ALL=C: English" "'bogus' is not a mamori command"
expect "LC_MESSAGES=ja_JP.UTF-8 is Japanese" 2 env -u MAMORI_LANG -u LC_ALL LANG=C \
	LC_MESSAGES=ja_JP.UTF-8 "$MAMORI" --dir "$D" bogus
err_has "LC_MESSAGES: Japanese" "「bogus」は"
expect "--lang xx is a usage error" 2 "$MAMORI" --lang xx --dir "$D" user list
err_has "--lang xx: says what it takes" "option '--lang' takes ja or en, not 'xx'"

# ---- machine output never changes ----------------------------------------------------------------
ja request show "$REQ" --json >"$TMP/ja.json" 2>&1
MAMORI_LANG=en "$MAMORI" --dir "$D" request show "$REQ" --json >"$TMP/en.json" 2>&1
check "JSON is the same in both languages" "cmp -s '$TMP/ja.json' '$TMP/en.json'"
check "JSON keeps its codes" "grep -q '\"state\":\"approved\"' '$TMP/ja.json'"

done_testing
