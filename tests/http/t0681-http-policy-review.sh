#!/bin/sh
# t0681: a policy review case's page (/policy/reviews/N; docs/audits.md "The policy review"):
# its inputs gathered from the ward's records, each figure a link to the entries it counts, and
# the draft attached to the case replayed decision by decision (each act's ledger entry) and
# clause by clause; linked from the case's record page; read through the read rules (the CISO
# and auditors yes, a section's staff no: 404, as for a record that does not exist).
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
m section add joho --name 情報政策課 >/dev/null
for u in "chief 統括管理 joho" "kansa 監査一 joho" "ciso 統括責任 joho"; do
	set -- $u
	printf '%s\n' "$PW" | m user add "$1" --name "$2" --section "$3" --password-stdin >/dev/null
done
m role grant chief system_chief@org >/dev/null
m role grant kansa auditor@org >/dev/null
m role grant ciso ciso@org >/dev/null
m act "$Z3" asset.copy --as sato >/dev/null
AU=$(m audit plan --title 税務課監査 --section zeimu --team kansa --as chief --json | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
m audit finding add "$AU" --clause MIN-3-3-3 --severity major --text 承認の記録が不足 --as kansa >/dev/null
python3 - "$MAMORI_SRCDIR/policies/minato.yaml" "$TMP/draft.yaml" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
old = "  - id: copy-l32-needs-so\n    on: [asset.copy, asset.send_media, asset.transmit]\n"
assert old in text
text = text.replace(old, "  - id: copy-l32-by-staff\n    on: asset.copy\n"
                    "    when: {level: [\"3\", \"2\"], actor: {role: staff, at: record}}\n"
                    "    effect: allow\n    clause: MIN-3-3-3\n"
                    "  - id: copy-l32-needs-so\n    on: [asset.send_media, asset.transmit]\n")
open(sys.argv[2], 'w', encoding='utf-8').write(text)
PY
SHA=$(sha256sum "$TMP/draft.yaml" | cut -d' ' -f1)
V=$(m record add policy_review --field title=複製の手続の見直し --field inputs=画面に集める \
	--field draft="$SHA" --as chief --json | python3 -c "import json,sys; print(json.load(sys.stdin)['record'])")
N=$(m record add policy_review --field title=案のない見直し --field inputs=画面に集める \
	--field draft="$SHA" --as chief --json | python3 -c "import json,sys; print(json.load(sys.stdin)['record'])")
m attach add "record:$V" "$TMP/draft.yaml" --as chief >/dev/null
server_start

is "the CISO logs in" 303 "$(login ciso "$PW" "$TMP/jar-ciso")"
is "the case's record page" 200 "$(status -b "$TMP/jar-ciso" "${URL}records/$V")"
check "links to its inputs and replay" "grep -q 'href=\"/policy/reviews/$V\" class=\"review-inputs\"' '$TMP/body'"
is "the review's page" 200 "$(status -b "$TMP/jar-ciso" "${URL}policy/reviews/$V")"
tr -d '\n' <"$TMP/body" >"$TMP/page"
check "every figure links to its list on the page" "python3 - '$TMP/page' <<'PY'
import re, sys
page = open(sys.argv[1], encoding='utf-8').read()
figs = re.findall(r'<a href=\"#(\w+)\" class=\"figure\" data-list=\"\1\">(\d+)</a>', page)
assert len(figs) == 8, figs
for lst, n in figs:
    m = re.search(r'<ul id=\"%s\" class=\"entries\">(.*?)</ul>' % lst, page)
    assert m, lst
    items = m.group(1).count('<li')
    assert (int(n) <= items) if lst == 'findings' else (int(n) == items), (lst, n, items)
d = dict(figs)
assert d['audits'] == '1' and int(d['gaps']) > 0, d
PY"
check "the audit's entry links to its record" "grep -q '<ul id=\"audits\" class=\"entries\"><li><a href=\"/records/$AU\">' '$TMP/page'"
check "one decision changes, linked to its ledger entry" "[ \$(grep -o '<tr id=\"act-[0-9]*\">' '$TMP/page' | wc -l) = 1 ] && grep -q 'href=\"/ledger/entry?index=[0-9]*\"' '$TMP/page'"
check "clause by clause: MIN-3-3-3 with the act" "grep -q '<tr data-clause=\"MIN-3-3-3\">' '$TMP/page' && grep -q 'href=\"#act-[0-9]*\"' '$TMP/page'"
check "in Japanese" "grep -q '見直しの材料' '$TMP/page' && grep -q '1 件が変わります' '$TMP/page'"
check "a finding's severity in Japanese, not its code" "grep -q '<ul id=\"findings\".* 重大' '$TMP/page' && ! grep -q ' major' '$TMP/page'"
is "a review without its draft attached" 200 "$(status -b "$TMP/jar-ciso" "${URL}policy/reviews/$N")"
check "says to attach it, and replays nothing" "grep -q 'id=\"no-draft\"' '$TMP/body' && ! grep -q 'replay-decisions' '$TMP/body'"
is "a record that is no review" 404 "$(status -b "$TMP/jar-ciso" "${URL}policy/reviews/$Z3")"
is "no number" 404 "$(status -b "$TMP/jar-ciso" "${URL}policy/reviews/x")"
is "the auditor logs in" 303 "$(login kansa "$PW" "$TMP/jar-kansa")"
is "the auditor reads it" 200 "$(status -b "$TMP/jar-kansa" "${URL}policy/reviews/$V")"
is "staff log in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "a section's staff may not: as if there were none" 404 "$(status -b "$TMP/jar-sato" "${URL}policy/reviews/$V")"
server_stop
done_testing
