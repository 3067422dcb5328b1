#!/bin/sh
# t0578: self-inspection checklists by role (docs/audits.md "Checklists by role"). A role's items
# are derived from the profile: the clauses the text makes the role carry out (a clause's
# `actor`), those its duties cite, those of the rules that let it act (and of the actions they
# give it), make it approve, or have it told or witness; the items no role is given fall to the
# role that signs a section's inspection off. `inspection checklist --role` lists them with why
# (text, CSV, JSON); a round opened with --role asks each section's holders of the role their
# items only, and the roll-up counts by section and role.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

ids() { python3 -c "import json,sys; print(','.join(x['clause'] for x in json.load(open(sys.argv[1]))['items']))" "$TMP/out"; }
same() { # same NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got:  $2" "want: $3"; fi
}

# ---- the derivation: golden items of two roles of each ward, checked by hand against the
# profiles (each item's reason is printed beside it)
MIN_STAFF=MIN-BP-5,MIN-3-2-1,MIN-3-4-2,MIN-3-5-2,MIN-3-5-3,MIN-3-5-5,MIN-3-6-2,MIN-3-6-3,MIN-4-1-1-1,MIN-4-1-1-2,MIN-4-1-1-3,MIN-4-1-1-4,MIN-4-1-1-5,MIN-4-1-2-1,MIN-4-1-3-1,MIN-4-1-4-1,MIN-4-1-4-2,MIN-4-1-5-1,MIN-5-2-2-4,MIN-5-3-2-1,MIN-5-3-3-2,MIN-5-5-6-1,MIN-5-7-1-4,MIN-5-7-2-1,MIN-6-3-3,MIN-9-5-1
MIN_SO=MIN-BP-1,MIN-BP-3,MIN-BP-4,MIN-BP-4-1,MIN-BP-4-2,MIN-BP-4-2-1,MIN-BP-4-2-2,MIN-BP-4-2-3,MIN-BP-4-2-4,MIN-BP-4-3,MIN-BP-4-3-1,MIN-BP-4-3-2,MIN-BP-4-3-3,MIN-0,MIN-1,MIN-2-4-2,MIN-2-5-1,MIN-2-5-2,MIN-2-5-2-b3,MIN-2-5-2-b4,MIN-2-5-2-b5,MIN-2-7-3,MIN-2-8-2,MIN-3-1-1-L3,MIN-3-1-1-L2,MIN-3-1-1-L1,MIN-3-2-1,MIN-3-5-1,MIN-3-5-5,MIN-3-6-1,MIN-4-1-5-1,MIN-4-2-1,MIN-4-2-2,MIN-5-1-1-1,MIN-5-1-1-3,MIN-5-2-1-1,MIN-5-2-4-1,MIN-5-3-1-1,MIN-5-3-3-4,MIN-5-4-2-1,MIN-5-4-3-1,MIN-5-5-2-4,MIN-5-6-5,MIN-5-7-2-2,MIN-5-8-3-1,MIN-5-9-1,MIN-5-9-4,MIN-5-10-1,MIN-6-2-1,MIN-6-4-3,MIN-6-7-2,MIN-7-1-1,MIN-7-2-1,MIN-7-3-1,MIN-8-7-1,MIN-9-1-5-b4,MIN-9-4-4
SHJ_STAFF=SHJ-1-2-2,SHJ-2-1-2,SHJ-2-4-3-a,SHJ-3-2-3-i,SHJ-3-3-2,SHJ-4-1-3,SHJ-5-2-1,SHJ-5-2-2-u,SHJ-5-2-3-i,SHJ-5-2-4,SHJ-5-6-2,SHJ-5-6-3,SHJ-5-6-4,SHJ-5-6-5,SHJ-5-6-6,SHJ-5-7-2,SHJ-6-3-1-a,SHJ-6-3-4-u
SHJ_SO=SHJ-1-1,SHJ-1-2,SHJ-1-2-1,SHJ-1-2-2,SHJ-1-2-4,SHJ-1-3,SHJ-1-3-1,SHJ-1-3-2,SHJ-1-3-3,SHJ-1-3-4,SHJ-2-1-1,SHJ-2-1-2,SHJ-2-2,SHJ-2-3-1,SHJ-2-3-1-a,SHJ-2-3-1-i,SHJ-2-3-1-u,SHJ-2-3-1-e,SHJ-2-3-1-o,SHJ-2-3-2,SHJ-2-4-3-a,SHJ-2-4-3-i,SHJ-2-4-3-u,SHJ-3-1-1-u,SHJ-3-1-1-u-pa,SHJ-3-1-1-u-pi,SHJ-3-1-2,SHJ-3-2-1,SHJ-3-2-2-a-pi,SHJ-3-2-2-a-pu,SHJ-3-2-2-a-pe,SHJ-3-2-2-i,SHJ-3-2-2-u,SHJ-3-2-3-a,SHJ-3-2-3-i,SHJ-3-3-2,SHJ-5-2-5,SHJ-5-3-1,SHJ-5-3-5,SHJ-5-4-4-i,SHJ-5-5-4-i,SHJ-5-7-9,SHJ-6-2-3,SHJ-6-3-1-a,SHJ-6-3-1-i,SHJ-6-3-2-a,SHJ-6-3-3-i,SHJ-6-3-3-u,SHJ-6-3-4-a,SHJ-6-4-1,SHJ-6-4-2,SHJ-6-4-4,SHJ-6-5,SHJ-6-5-1,SHJ-6-5-2,SHJ-6-5-3,SHJ-6-5-4,SHJ-6-5-5,SHJ-6-5-6,SHJ-6-5-7,SHJ-6-5-8,SHJ-6-5-9,SHJ-6-5-10,SHJ-6-5-11,SHJ-6-5-12,SHJ-6-6,SHJ-6-6-1,SHJ-6-6-2,SHJ-6-6-3,SHJ-6-6-4,SHJ-6-7-2
expect "minato: staff's checklist" 0 "$MAMORI" inspection checklist --profile minato --role staff --format json
same "minato: staff answers exactly these items" "$(ids)" "$MIN_STAFF"
check "minato: 4(1)1)① is staff's because the text makes 職員等 carry it out" "python3 -c \"import json; d=json.load(open('$TMP/out')); x=[i for i in d['items'] if i['clause']=='MIN-4-1-1-1'][0]; assert [b['why'] for b in x['because']]==['actor'] and x['kind']=='H' and x['quote'], x\""
check "minato: 3(2)① is staff's through the rule that lets staff register an asset" "python3 -c \"import json; d=json.load(open('$TMP/out')); x=[i for i in d['items'] if i['clause']=='MIN-3-2-1'][0]; assert {'why':'rule','id':'asset-register','text':'規則 asset-register でこの役割が行う'} in x['because'], x\""
check "minato: staff signs nothing off, so answers no remainder" "python3 -c \"import json; d=json.load(open('$TMP/out')); assert d['role']=='staff' and d['role_name']=='職員等' and d['rest'] is False\""
expect "minato: the section head's checklist" 0 "$MAMORI" inspection checklist --profile minato --role security_officer --format json
same "minato: セキュリティ責任者 answers exactly these items" "$(ids)" "$MIN_SO"
check "minato: its section-inspection duty gives it nothing the checklist asks (MIN-9-2-1 is M), its approval rules do" "python3 -c \"import json; d=json.load(open('$TMP/out')); w={b['why'] for i in d['items'] for b in i['because']}; assert {'actor','approval','rest'} <= w, w\""
check "minato: the items no role is given fall to it (基本方針1: 区は…)" "python3 -c \"import json; d=json.load(open('$TMP/out')); x=[i for i in d['items'] if i['clause']=='MIN-BP-1'][0]; assert d['rest'] and [b['why'] for b in x['because']]==['rest'], x\""
expect "shinjuku: staff's checklist" 0 "$MAMORI" inspection checklist --profile shinjuku --role staff --json
same "shinjuku: 職員 answers exactly these items" "$(ids)" "$SHJ_STAFF"
expect "shinjuku: the section head's checklist" 0 "$MAMORI" inspection checklist --profile shinjuku --role security_officer --json
same "shinjuku: 情報セキュリティ責任者 answers exactly these items" "$(ids)" "$SHJ_SO"
for w in minato shinjuku; do
	"$MAMORI" inspection checklist --profile $w --json >"$TMP/all.json"
	check "$w: every item of the checklist is some role's, each role's items are items" "python3 - '$TMP/all.json' $w '$MAMORI' <<'PY'
import json, subprocess, sys
all_ids = [x['clause'] for x in json.load(open(sys.argv[1]))]
roles = [l.split()[0] for l in subprocess.run([sys.argv[3], 'inspection', 'checklist', '--profile', sys.argv[2], '--role', 'nosuch'], capture_output=True, text=True).stderr.split('its roles: ')[1].split(', ')]
seen = set()
for r in roles:
    d = json.loads(subprocess.run([sys.argv[3], 'inspection', 'checklist', '--profile', sys.argv[2], '--role', r.strip(), '--json'], check=True, capture_output=True, text=True).stdout)
    ids = [x['clause'] for x in d['items']]
    assert ids == [i for i in all_ids if i in ids], r  # the checklist's order, items only
    assert all(x['because'] for x in d['items']), r
    seen |= set(ids)
assert seen == set(all_ids), set(all_ids) - seen
PY"
done

# ---- a clause's actor must be a role of the profile
sed 's/^\(  MIN-4-1-1-1: {cite: [^,]*, kind: H, \)actor: staff,/\1actor: stafff,/' "$MAMORI_SRCDIR/policies/minato.yaml" >"$TMP/bad.yaml"
check "the test's profile names an unknown role" "grep -q 'actor: stafff' '$TMP/bad.yaml'"
expect "a clause naming a role the profile lacks" 1 "$MAMORI" policy lint "$TMP/bad.yaml"
out_has "is refused where it stands, with the role meant" "unknown role 'stafff' (did you mean 'staff'?)"
sed 's/^\(  MIN-4-1-1-1: {cite: [^,]*, kind: H, \)actor: staff,/\1actor: [staff, staff],/' "$MAMORI_SRCDIR/policies/minato.yaml" >"$TMP/bad.yaml"
expect "a role named twice" 1 "$MAMORI" policy lint "$TMP/bad.yaml"
out_has "says so" "names role 'staff' twice in 'actor'"

# ---- the output forms and bad input
expect "CSV for Excel" 0 "$MAMORI" inspection checklist --profile minato --role staff --format csv
check "UTF-8 with a BOM, a header, one row per item, 条項 in a column of its own" "python3 -c \"import csv,io; b=open('$TMP/out','rb').read(); assert b[:3]==b'\\xef\\xbb\\xbf'; rows=list(csv.reader(io.StringIO(b[3:].decode()))); assert rows[0]==['役割','課等','条項','出典','区分','点検項目','根拠'], rows[0]; assert [r[2] for r in rows[1:]]=='$MIN_STAFF'.split(','); assert all(r[0]=='職員等' and r[6] for r in rows[1:])\""
expect "CP932" 0 "$MAMORI" inspection checklist --profile minato --role staff --format csv --cp932
check "decodes as CP932" "python3 -c \"b=open('$TMP/out','rb').read(); assert b[:3]!=b'\\xef\\xbb\\xbf'; assert '点検項目' in b.decode('cp932')\""
expect "the table" 0 "$MAMORI" inspection checklist --profile minato --role staff
out_has "names the role and counts its items" "役割：職員等（staff）　項目：26"
out_has "says why" "本文がこの役割の事務とする"
expect "an unknown role" 1 "$MAMORI" inspection checklist --profile minato --role kacho
err_has "names the profile's roles" "'kacho' is not a role of the profile; its roles: ciso, deputy_ciso"
expect "a format that is not one" 2 "$MAMORI" inspection checklist --profile minato --role staff --format xls
err_has "says which" "'xls' is not a format"
expect "--section without --role" 2 "$MAMORI" inspection checklist --profile minato --section zeimu
expect "--section with --profile" 2 "$MAMORI" inspection checklist --profile minato --role staff --section zeimu
expect "--cp932 without CSV" 2 "$MAMORI" inspection checklist --profile minato --role staff --cp932

# ---- a round by role in a ward
D="$TMP/minato"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m section add kuseki --name 区民課 >/dev/null
m section add joho --name 情報政策課 >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add kuseki-1 --name "区民 一" --section kuseki >/dev/null
m user add kuseki-kacho --name "区民 課長" --section kuseki >/dev/null
m user add chief --name "統括 管理" --section joho >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant kuseki-kacho security_officer@section:kuseki >/dev/null
m role grant chief system_chief@org >/dev/null
expect "a role at a section: who answers there" 0 "$MAMORI" --dir "$D" inspection checklist --role security_officer --section zeimu --format json
check "names its holders there" "python3 -c \"import json; d=json.load(open('$TMP/out')); assert d['section']=='zeimu' and d['holders']==['zeimu-kacho'], d['holders']\""
expect "staff at a section" 0 "$MAMORI" --dir "$D" inspection checklist --role staff --section zeimu --format json
check "the section's staff (the head is staff too)" "python3 -c \"import json; d=json.load(open('$TMP/out')); assert sorted(d['holders'])==['zeimu-1','zeimu-kacho'], d['holders']\""
expect "a section that does not exist" 1 "$MAMORI" --dir "$D" inspection checklist --role staff --section nosuch

expect "a role the profile does not have: nothing opened" 1 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu --due "$(day 30)" --role staff,kacho --as chief
err_has "says which" "'kacho' is not a role of the profile"
expect "an item outside the role's checklist" 1 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu --due "$(day 30)" --role staff --items MIN-BP-1 --as chief
err_has "says so" "'MIN-BP-1' is not an item of staff's checklist"
expect "a role the profile gives no item" 1 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu --due "$(day 30)" --role operator --as chief
expect "nothing was opened by the refusals" 0 "$MAMORI" --dir "$D" inspection rollup --json
check "no inspection" "python3 -c \"import json; assert json.load(open('$TMP/out'))['sections']==[]\""
expect "the CISO office opens a round by role for two sections" 0 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu,kuseki --due "$(day 30)" --role staff --role security_officer --as chief --json
check "one inspection per section and role" "python3 -c \"import json; d=json.load(open('$TMP/out')); assert [x['outcome'] for x in d]==['done']*4\""
ZS=$(python3 -c "import json; print(json.load(open('$TMP/out'))[0]['id'])")
ZO=$(python3 -c "import json; print(json.load(open('$TMP/out'))[1]['id'])")
KS=$(python3 -c "import json; print(json.load(open('$TMP/out'))[2]['id'])")
expect "税務課's staff inspection" 0 "$MAMORI" --dir "$D" inspection show "$ZS" --json
check "asks staff's items, names its role" "python3 -c \"import json; d=json.load(open('$TMP/out')); assert ','.join(a['clause'] for a in d['answers'])=='$MIN_STAFF' and d['role']=='staff' and d['role_name']=='職員等'\""
expect "税務課's head's inspection" 0 "$MAMORI" --dir "$D" inspection show "$ZO"
out_has "names its role" "役割：セキュリティ責任者（security_officer）"
expect "staff answer their item" 0 "$MAMORI" --dir "$D" inspection answer "$ZS" --clause MIN-4-1-1-1 --result 適合 --evidence 研修記録 --as zeimu-1
expect "staff may not answer the head's checklist" 1 "$MAMORI" --dir "$D" inspection answer "$ZO" --clause MIN-BP-1 --result 適合 --as zeimu-1
err_has "says whose it is and who answers it" "is the checklist of セキュリティ責任者 (security_officer): zeimu-1 does not hold that role at zeimu; it is answered by zeimu-kacho"
expect "nor hand it in" 1 "$MAMORI" --dir "$D" inspection submit "$ZO" --as zeimu-1
expect "the head answers theirs" 0 "$MAMORI" --dir "$D" inspection answer "$ZO" --clause MIN-BP-1 --result 不適合 --note 周知が不十分 --as zeimu-kacho
expect "an item of another role's checklist is not one of this inspection's" 1 "$MAMORI" --dir "$D" inspection answer "$ZO" --clause MIN-4-1-1-1 --result 適合 --as zeimu-kacho
expect "another section's head may not answer its staff checklist" 1 \
	"$MAMORI" --dir "$D" inspection answer "$KS" --clause MIN-4-1-1-1 --result 適合 --as zeimu-kacho
err_has "not theirs there" "zeimu-kacho does not hold that role at kuseki; it is answered by kuseki-1, kuseki-kacho"
expect "the head is staff too: may answer the staff checklist" 0 "$MAMORI" --dir "$D" inspection answer "$ZS" --clause MIN-BP-5 --result 該当なし --as zeimu-kacho
expect "staff hand theirs in" 0 "$MAMORI" --dir "$D" inspection submit "$ZS" --as zeimu-1
expect "the head signs it off" 0 "$MAMORI" --dir "$D" inspection sign-off "$ZS" --as zeimu-kacho

expect "the roll-up by section and role" 0 "$MAMORI" --dir "$D" inspection rollup --json
check "each section's inspections carry their role" "python3 -c \"import json; d=json.load(open('$TMP/out')); assert sorted((s['section'],s['role']) for s in d['sections'])==[('kuseki','security_officer'),('kuseki','staff'),('zeimu','security_officer'),('zeimu','staff')]\""
check "by role: inspections, signed off and answers across sections" "python3 - '$TMP/out' <<'PY'
import json, sys
d = {r['role']: r for r in json.load(open(sys.argv[1]))['roles']}
n_staff, n_so = len('$MIN_STAFF'.split(',')), len('$MIN_SO'.split(','))
assert d['staff'] == dict(role='staff', role_name='職員等', inspections=2, signed=1, overdue=0, conform=1, nonconform=0, na=1, unanswered=2 * n_staff - 2), d['staff']
assert d['security_officer'] == dict(role='security_officer', role_name='セキュリティ責任者', inspections=2, signed=0, overdue=0, conform=0, nonconform=1, na=0, unanswered=2 * n_so - 1), d['security_officer']
assert list(d) == ['staff', 'security_officer']
PY"
expect "the roll-up's text" 0 "$MAMORI" --dir "$D" inspection rollup
out_has "has the table by role" "役割ごと："
expect "the roll-up's CSV" 0 "$MAMORI" --dir "$D" inspection rollup --csv
check "role in the last column (役割), one row per section, role and item" "python3 -c \"import csv,io; rows=list(csv.reader(io.StringIO(open('$TMP/out','rb').read()[3:].decode()))); assert rows[0][-1]=='役割'; z=[r for r in rows[1:] if r[1]=='zeimu' and r[8] not in ('研修を受けていない者','同意のない非常勤職員')]; assert sorted({r[-1] for r in z})==['セキュリティ責任者','職員等']; assert len(z)==len('$MIN_STAFF'.split(','))+len('$MIN_SO'.split(','))\""
expect "a whole-checklist round still opens as before" 0 \
	"$MAMORI" --dir "$D" inspection open --round 令和9年度 --section zeimu --due "$(day 30)" --items MIN-3-2-1 --as chief --json
W=$(python3 -c "import json; print(json.load(open('$TMP/out'))[0]['id'])")
expect "answered by any of the section's staff" 0 "$MAMORI" --dir "$D" inspection answer "$W" --clause MIN-3-2-1 --result 適合 --as zeimu-1
done_testing
