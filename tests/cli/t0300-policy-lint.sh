#!/bin/sh
# t0300-policy-lint: `mamori policy lint` on the shipped profiles and on deliberately broken ones.
. "$(dirname "$0")/lib.sh"
SRC=${MAMORI_SRCDIR:?}

# The shipped profiles lint without errors; each warning is one honest gap of the coverage
# (a clause carried less strongly than its kind needs), and nothing else warns.
for id in minato shinjuku; do
	expect "lint $id (shipped, by id) is clean" 0 "$MAMORI" policy lint "$id"
	out_has "lint $id reports the profile" "ok: profile '$id'"
	warnings=$(sed -n 's/.* \([0-9][0-9]*\) warnings; .*/\1/p' "$TMP/out")
	gaps=$(grep -c "warning: clause '.*' (kind [ERM]) is a gap" "$TMP/out")
	check "lint $id warns only for coverage gaps" "[ '$warnings' = '$gaps' ]"
	"$MAMORI" policy coverage --profile "$id" --json >"$TMP/cov.json"
	check "lint $id warns for every gap of the coverage" \
		"python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))[\"totals\"][\"gaps\"]==$gaps' '$TMP/cov.json'"
	diag "lint $id: $gaps gaps (clauses carried less strongly than their kind needs)"
	choices=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["ward_choices"]))' "$TMP/cov.json")
	expect "lint $id again" 0 "$MAMORI" policy lint "$id"
	out_has "lint $id counts the choices made where the text is silent" \
		"$choices choices where the text is silent (区の選択, ward_choice)"
	expect "lint policies/$id.yaml (file) is clean" 0 "$MAMORI" policy lint "$SRC/policies/$id.yaml"
done

# Each broken profile names the error it must produce on its first line: "# expect: L:C: error: ...".
for f in "$SRC"/tests/policy/lint/*.yaml; do
	name=$(basename "$f" .yaml)
	want=$(sed -n '1s/^# expect: //p' "$f")
	expect "lint $name fails" 1 "$MAMORI" policy lint "$f"
	out_has "lint $name says where and what" "$f:$want"
done

expect "lint without a file is a usage error" 2 "$MAMORI" policy lint
expect "lint of a missing file fails" 1 "$MAMORI" policy lint "$TMP/nothing.yaml"
err_has "the missing file is named" "cannot read profile '$TMP/nothing.yaml'"
err_one_line "one line on stderr"

printf 'format: mamori-profile/1\nprofile: {id: x}\n' >"$TMP/min.yaml"
expect "lint of an incomplete profile fails" 1 "$MAMORI" policy lint "$TMP/min.yaml"
out_has "missing title is named" "error: 'profile' needs 'title'"
out_has "missing roles are named" "error: the profile needs 'roles'"

printf 'format: mamori-profile/1\n' >"$TMP/x.txt"
head -c 5000000 /dev/zero | tr '\0' ' ' >>"$TMP/x.txt"
expect "lint refuses a file over the size limit" 1 "$MAMORI" policy lint "$TMP/x.txt"

done_testing
