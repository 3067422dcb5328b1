#!/bin/sh
# t0553-coverage-monitored: `policy coverage` counts a clause as monitored only while a
# detector that runs in the ward watches for it: a log rule in force (tagged mamori.ID) or
# a file-integrity configuration with a baseline. Stopping the rule takes the clause back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

# carriers CLAUSE: "kind:name:strength" per carrier of CLAUSE in $TMP/out (coverage JSON)
carriers() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["clauses"]:
    if c["id"] == sys.argv[2]:
        print(" ".join("%s:%s:%s" % (k["kind"], k["name"], k["strength"]) for k in c["carriers"]))
        print("best=%s gap=%s" % (c["strength"], c["gap"]))' "$TMP/out" "$1"
}
has() { # has NAME CLAUSE WORD: WORD is one of the clause's carriers (or best=/gap=)
	_got=$(carriers "$2")
	case " $(echo $_got) " in
	*" $3 "*) ok "$1" ;;
	*) not_ok "$1"; diag "$2: $_got" "want: $3" ;;
	esac
}
hasnt() {
	_got=$(carriers "$2")
	case " $(echo $_got) " in
	*" $3 "*) not_ok "$1"; diag "$2: $_got" "unwanted: $3" ;;
	*) ok "$1" ;;
	esac
}

# ---- the shipped rules, profile alone ------------------------------------------------------
expect "coverage shinjuku" 0 "$MAMORI" policy coverage --profile shinjuku --json
check "every tag of Shinjuku's rules names one of its clauses" "[ ! -s '$TMP/err' ]"
has "SHJ-6-3-2-a-pa: a burst of failed logins is a continuing abnormal access" SHJ-6-3-2-a-pa \
	log-rule:auth-failure-burst:monitored
has "SHJ-6-3-2-a-pa: a retired user's login is an unauthorised access found" SHJ-6-3-2-a-pa \
	log-rule:login-inactive-user:monitored
has "SHJ-6-3-2-a-pa is monitored, no longer a gap" SHJ-6-3-2-a-pa "best=monitored gap=False"
has "SHJ-6-1-1 is watched by the off-hours rule" SHJ-6-1-1 log-rule:class1-off-hours:monitored
hasnt "a rule only a correlation counts does not alert: the correlation carries" SHJ-6-1-1 \
	log-rule:auth-failure-remote:monitored
has "SHJ-5-1-1 (logs kept) is watched for gaps" SHJ-5-1-1 log-rule:log-gap:monitored
hasnt "no file-integrity check without a ward" SHJ-5-7-3 "fim:"
has "SHJ-6-3-2-a-pe: an antivirus detection is an infection or its suspicion" SHJ-6-3-2-a-pe \
	log-rule:malware-detected:monitored
has "SHJ-6-3-2-i-pu likewise (the system is stopped)" SHJ-6-3-2-i-pu \
	log-rule:malware-detected:monitored
has "SHJ-6-3-2-a-pi: detections on several hosts are a spread" SHJ-6-3-2-a-pi \
	log-rule:malware-spread:monitored
has "SHJ-6-3-2-i-pa: a removal that failed is harm to the assets" SHJ-6-3-2-i-pa \
	log-rule:malware-not-removed:monitored
check "summary: Shinjuku's M clauses monitored by best strength (5) and watched (6)" \
	"python3 -c 'import json; d=json.load(open(\"$TMP/out\"))[\"summary\"][\"M\"]; assert (d[\"monitored\"], d[\"watched\"]) == (5, 6), d'"

expect "coverage minato" 0 "$MAMORI" policy coverage --profile minato --json
check "every tag of Minato's rules names one of its clauses" "[ ! -s '$TMP/err' ]"
has "MIN-5-5-7-3 (log analysis) is watched by the burst rule" MIN-5-5-7-3 \
	log-rule:auth-failure-burst:monitored
has "MIN-4-1-2-2: privileges used without a record are watched" MIN-4-1-2-2 \
	log-rule:privileged-without-admin-record:monitored
expect "lint shinjuku counts the shipped rules as coverage does" 0 "$MAMORI" policy lint shinjuku
check "lint does not warn for SHJ-6-3-2-a-pa" "! grep -q \"'SHJ-6-3-2-a-pa'\" '$TMP/out'"

# ---- a ward: its rules directory and its file-integrity configurations ------------------------
D="$TMP/ward"
expect "init --profile shinjuku --demo" 0 "$MAMORI" --dir "$D" init --profile shinjuku --demo
expect "coverage of the ward (no --profile)" 0 "$MAMORI" --dir "$D" policy coverage --json
has "the ward runs the shipped rules" SHJ-6-3-2-a-pa log-rule:auth-failure-burst:monitored

# stop the four rules that watch SHJ-6-3-2-a-pa: the clause is a gap again
mkdir -p "$D/rules"
for id in auth-failure-burst auth-failure-burst-local login-inactive-user \
	privileged-without-admin-record; do
	# as a ward stops a rule: its copy with status deprecated
	printf -- '---\ntitle: 停止\nid: %s\nstatus: deprecated\ntags: [mamori.SHJ-6-3-2-a-pa]\nmamori: {log_gap: 1h}\n' "$id"
done >"$D/rules/stop.yml"
expect "coverage with the rules stopped" 0 "$MAMORI" --dir "$D" policy coverage --json
has "a stopped rule only notes its clause" SHJ-6-3-2-a-pa log-rule:auth-failure-burst:noted
has "SHJ-6-3-2-a-pa is a gap again" SHJ-6-3-2-a-pa "best=noted gap=True"
hasnt "the profile alone still counts the shipped rule" SHJ-6-1-1 \
	log-rule:login-inactive-user:monitored
rm "$D/rules/stop.yml"

# a ward's own rule watches a clause nothing watched; a tag of no clause is reported
cat >"$D/rules/malware.yml" <<'YML'
title: ウイルス対策ソフトの検知
id: ward-malware-found
level: high
tags: [attack.execution, mamori.SHJ-6-3-2-a-pe, mamori.SHJ-9-9-9]
detection:
  found:
    - 'FOUND'
  condition: found
YML
expect "coverage with the ward's rule" 0 "$MAMORI" --dir "$D" policy coverage --json
has "the ward's rule carries its clause" SHJ-6-3-2-a-pe log-rule:ward-malware-found:monitored
err_has "a tag of no clause is named" "log rule ward-malware-found: mamori.SHJ-9-9-9 names no clause of this profile"
expect "text coverage shows the detector" 0 "$MAMORI" --dir "$D" policy coverage
out_has "text names the rule and its strength" "log-rule ward-malware-found (monitored)"
printf 'title: x\nid: broken\ntags: mamori.SHJ-6-1-1\nmamori: {log_gap: 1h}\n' >"$D/rules/zz-bad.yml"
expect "a rules file that cannot be read is an error" 1 "$MAMORI" --dir "$D" policy coverage
err_has "says which file and what" "zz-bad.yml:3: rule 'broken': tags is a list"
rm "$D/rules/zz-bad.yml"

# file integrity: a configuration with a baseline watches the clauses of register fim
T="$TMP/tree"
mkdir -p "$T/etc"
echo "PermitRootLogin no" >"$T/etc/sshd_config"
printf 'Conf = p+u+g+s+m+c+i+n+sha256+ftype+l\n%s Conf\n' "$T" >"$TMP/aide.conf"
expect "fim init" 0 "$MAMORI" --dir "$D" fim init --config "$TMP/aide.conf"
expect "coverage after fim init" 0 "$MAMORI" --dir "$D" policy coverage --json
has "SHJ-5-7-3 is watched by the ward's file-integrity check" SHJ-5-7-3 \
	"fim:local:$TMP/aide.conf:monitored"
check "summary: watched counts the fim check's clause" \
	"python3 -c 'import json; d=json.load(open(\"$TMP/out\"))[\"summary\"][\"M\"]; assert d[\"watched\"] == 7, d'"

done_testing
