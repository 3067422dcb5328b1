# core-lib.sh: helpers for the core's CLI tests (acts, requests, ledger proofs). Source after lib.sh.

# m ARGS...: runs mamori on the test ward ($D).
m() { "$MAMORI" --dir "$D" "$@"; }

# last_request: the request number in the last run's "pending: request N (...)" line.
last_request() { sed -n 's/^pending: request \([0-9]*\).*/\1/p' "$TMP/out" | head -1; }

# new_record NAME ARGS...: `record add ARGS` must print a new id; sets $rec.
new_record() {
	_nr=$1
	shift
	run "$MAMORI" --dir "$D" record add "$@"
	rec=$(cat "$TMP/out")
	if [ "$rc" -eq 0 ] && [ -n "$rec" ] && [ "$rec" -eq "$rec" ] 2>/dev/null; then
		ok "$_nr (record $rec)"
	else
		not_ok "$_nr"
		diag "record add $*" "exit $rc" "$(cat "$TMP/out")" "$(cat "$TMP/err")"
		rec=0
	fi
}

# asks NAME LABEL CMD...: the act must wait for approval by LABEL (承認者: LABEL); sets $req.
asks() {
	_as=$1
	_label=$2
	shift 2
	run "$@"
	req=$(last_request)
	if [ "$rc" -eq 0 ] && [ -n "$req" ] && grep -qF "承認者: $_label" "$TMP/out"; then
		ok "$_as asks $_label (request $req)"
	else
		not_ok "$_as asks $_label"
		diag "command: $*" "exit $rc" "stdout: $(cat "$TMP/out")" "stderr: $(cat "$TMP/err")"
		req=0
	fi
}

# approval_round NAME REQ APPLICANT WRONG RIGHT CLAUSE: the applicant may not approve (exit 3,
# citing CLAUSE, or, when CLAUSE is -, the approval's own clauses without 兼務), WRONG may not,
# RIGHT does (done).
approval_round() {
	_ar=$1
	_areq=$2
	_aself=$3
	_awrong=$4
	_aright=$5
	_aclause=$6
	expect "$_ar: applicant $_aself cannot approve their own request" 3 \
		"$MAMORI" --dir "$D" request approve "$_areq" --as "$_aself"
	if [ "$_aclause" != - ]; then
		out_has "$_ar: the self-approval refusal cites $_aclause" "$_aclause"
	else
		# a ward without a 兼務 clause (Shinjuku): the refusal does not speak of 兼務
		out_has "$_ar: the self-approval refusal says why" "someone other than the applicant"
		check "$_ar: ... without 兼務 (the text has no such clause)" '! grep -q 兼務 "$TMP/out"'
	fi
	expect "$_ar: $_awrong is not the approver" 3 \
		"$MAMORI" --dir "$D" request approve "$_areq" --as "$_awrong"
	expect "$_ar: $_aright approves" 0 "$MAMORI" --dir "$D" request approve "$_areq" --as "$_aright"
	out_has "$_ar: done" "done"
	expect "$_ar: decided once" 3 "$MAMORI" --dir "$D" request approve "$_areq" --as "$_aright"
}

# allowed NAME CMD...: done at once. refused NAME CLAUSE CMD...: exit 3 citing CLAUSE.
allowed() {
	_al=$1
	shift
	expect "$_al" 0 "$@"
	out_has "$_al: done" "done"
}
refused() {
	_rf=$1
	_rfc=$2
	shift 2
	expect "$_rf" 3 "$@"
	out_has "$_rf: cites $_rfc" "$_rfc"
}

# proof_ok NAME INDEX: the ledger's inclusion proof of entry INDEX leads from its bytes to
# the root of the latest signed checkpoint (RFC 6962 verification, done here in Python).
proof_ok() {
	m ledger checkpoint >"$TMP/cp" 2>"$TMP/err"
	m ledger entry "$2" >"$TMP/entry" 2>>"$TMP/err"
	m ledger proof "$2" >"$TMP/proof" 2>>"$TMP/err"
	if python3 - "$TMP/cp" "$TMP/entry" "$TMP/proof" <<'PY'; then ok "$1"; else not_ok "$1"; diag "$(cat "$TMP/err")"; fi
import base64, hashlib, json, sys
cp = open(sys.argv[1]).read().split("\n")
size, root = int(cp[1]), base64.b64decode(cp[2])
entry = open(sys.argv[2], "rb").read()
p = json.load(open(sys.argv[3]))
assert p["tree_size"] == size, (p["tree_size"], size)
h = hashlib.sha256(b"\0" + entry).digest()
assert base64.b64decode(p["leaf_hash"]) == h
fn, sn = p["index"], size - 1
for x in (base64.b64decode(s) for s in p["proof"]):
    if sn == 0:
        sys.exit(1)
    if fn & 1 or fn == sn:
        h = hashlib.sha256(b"\1" + x + h).digest()
        if not fn & 1:
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
    else:
        h = hashlib.sha256(b"\1" + h + x).digest()
    fn >>= 1
    sn >>= 1
sys.exit(0 if sn == 0 and h == root else 1)
PY
}

# ledger_index_of_last_act: the ledger index the last --json act printed.
json_field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$TMP/out" "$1"; }

# json_is NAME EXPR WANT: EXPR (Python, with d the JSON of the last command's stdout) is WANT.
json_is() {
	_got=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" \
		"$TMP/out" "$2" 2>&1)
	if [ "$_got" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "$2: got '$_got', want '$3'"; fi
}
