#!/bin/sh
# t0301-policy-decide: `mamori policy decide` reads AuthZEN JSON lines and answers line by line.
. "$(dirname "$0")/lib.sh"
SRC=${MAMORI_SRCDIR:?}

REQ='{"subject":{"id":"u1","roles":["staff@section:zeimu"],"section":"zeimu","employment":"職員"},"action":{"name":"asset.copy"},"resource":{"type":"asset","id":"a1","level":"3","section":"zeimu","system":"kokuho"},"context":{"channel":"internet"}}'

printf '%s\n' "$REQ" >"$TMP/one.jsonl"
expect "decide one request (minato)" 0 sh -c '"$1" policy decide --profile minato --json <"$2"' _ "$MAMORI" "$TMP/one.jsonl"
out_has "approval by the section's security officer" '"decision":"approval","approvers":[{"role":"security_officer","name":"セキュリティ責任者","scope":"section:zeimu"'
out_has "cites the clause" '"clauses":["MIN-3-3-3"]'
out_has "names the rule" '"rules":["copy-l32-needs-so"]'
out_has "carries the profile id" '"profile":{"id":"minato","sha256":"'
sha=$(sha256sum "$SRC/policies/minato.yaml" | cut -d' ' -f1)
out_has "carries the profile's sha256" "\"sha256\":\"$sha\""
check "one decision per line" '[ "$(wc -l <"$TMP/out")" -eq 1 ]'

expect "decide with a profile file" 0 sh -c '"$1" policy decide --profile "$3" --json <"$2"' _ "$MAMORI" "$TMP/one.jsonl" "$SRC/policies/minato.yaml"
out_has "same decision from the file" '"decision":"approval"'

expect "decide in text" 0 sh -c '"$1" policy decide --profile minato <"$2"' _ "$MAMORI" "$TMP/one.jsonl"
out_has "text decision" 'approval by security_officer@section:zeimu  clauses=MIN-3-3-3  rules=copy-l32-needs-so'

# A batch with bad lines: each bad line gets its error, the others are still decided.
{
	printf '%s\n' "$REQ"
	printf 'not json\n'
	printf '\n'
	printf '{"action":{"name":"asset.frobnicate"}}\n'
	printf '{"subject":{"roles":["staff@section:zeimu"]},"action":{"name":"asset.copy"},"resource":{"level":"9"}}\n'
	printf '\377\376\n'
	printf '%s\n' "$REQ"
} >"$TMP/batch.jsonl"
expect "a batch with bad lines exits 1" 1 sh -c '"$1" policy decide --profile minato --json <"$2"' _ "$MAMORI" "$TMP/batch.jsonl"
check "one answer per non-empty line" '[ "$(wc -l <"$TMP/out")" -eq 6 ]'
out_has "invalid JSON is reported" '{"error":"invalid JSON at column 3: '
out_has "with its line number" '"line":2}'
out_has "an unknown action is reported" "{\"error\":\"unknown action 'asset.frobnicate' in profile 'minato'\",\"line\":4}"
out_has "an unknown level is reported" "{\"error\":\"unknown level '9' in profile 'minato'\",\"line\":5}"
out_has "invalid UTF-8 is reported" '{"error":"the request is not valid UTF-8","line":6}'
check "the last line is still decided" 'tail -1 "$TMP/out" | grep -q "\"decision\":\"approval\""'
err_one_line "one summary line on stderr"
err_has "the summary counts the bad lines" "4 of 7 lines were not requests that could be decided"

printf '{"subject":{"roles":["staff@section:zeimu"],"section":"zeimu"},"action":{"name":"device.modify"},"resource":{"type":"device","section":"zeimu"}}\n' >"$TMP/shj.jsonl"
expect "shinjuku forbids hardware modification" 0 sh -c '"$1" policy decide --profile shinjuku --json <"$2"' _ "$MAMORI" "$TMP/shj.jsonl"
out_has "deny citing SHJ-5-2-4" '"decision":"deny","approvers":[],"obligations":[],"clauses":["SHJ-5-2-4"],"rules":["no-hardware-modification"]'
expect "minato approves the same by the system manager" 0 sh -c '"$1" policy decide --profile minato --json <"$2"' _ "$MAMORI" "$TMP/shj.jsonl"
out_has "approval in minato" '"decision":"approval"'

expect "decide needs --profile" 2 sh -c '"$1" policy decide </dev/null' _ "$MAMORI"
expect "decide takes no arguments" 2 sh -c '"$1" policy decide --profile minato x </dev/null' _ "$MAMORI"
expect "an unknown shipped profile fails" 1 sh -c '"$1" policy decide --profile minatoo </dev/null' _ "$MAMORI"
err_has "with a suggestion" "no shipped profile 'minatoo' (did you mean 'minato'?)"
expect "an empty input decides nothing" 0 sh -c '"$1" policy decide --profile minato </dev/null' _ "$MAMORI"
check "and prints nothing" '[ ! -s "$TMP/out" ]'

done_testing
