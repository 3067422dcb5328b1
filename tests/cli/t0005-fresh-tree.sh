#!/bin/sh
# t0005: the tests carry their own data. No test reads ../shared (a user's clone has no such
# folder), and the Merkle vector suite passes from a copy of tests/ outside the source tree,
# with the working directory and MAMORI_SRCDIR pointed at the copy.
. "$(dirname "$0")/lib.sh"
: "${MAMORI_SRCDIR:?}" "${MERKLE_TEST:?MERKLE_TEST must point at test-ledger-merkle}"

# 1. Nothing under tests/ names ../shared or /work/shared (bench/ may use peers optionally).
if command -v git >/dev/null && git -C "$MAMORI_SRCDIR" rev-parse >/dev/null 2>&1; then
	files=$(git -C "$MAMORI_SRCDIR" ls-files --cached --others --exclude-standard tests)
else
	files=$(cd "$MAMORI_SRCDIR" && find tests -type f ! -path '*/node_modules/*')
fi
hits=$(cd "$MAMORI_SRCDIR" && printf '%s\n' "$files" | grep -v '^tests/cli/t0005-fresh-tree.sh$' |
	while read -r f; do [ -f "$f" ] && grep -lE '\.\./shared|/work/shared' "$f"; done)
check "no test names ../shared or /work/shared" '[ -z "$hits" ]'
[ -z "$hits" ] || diag "files: $hits"

# 2. A copy of tests/ in a folder with no ../shared beside it.
clone="$TMP/elsewhere/mamori"
mkdir -p "$clone"
(cd "$MAMORI_SRCDIR" && tar --exclude=node_modules -cf - tests) | (cd "$clone" && tar -xf -)
check "the copy has the vectors and their licence" \
	'[ -f "$clone/tests/vectors/merkle/LICENSE" ] && [ -d "$clone/tests/vectors/merkle/testdata/inclusion" ]'
check "the copy has no ../shared beside it" '[ ! -e "$clone/../shared" ]'

run sh -c 'cd "$1" && MAMORI_SRCDIR="$1" CMOCKA_MESSAGE_OUTPUT=TAP MAMORI_TEST_FILTER="*_vectors" exec "$2"' sh "$clone" "$MERKLE_TEST"
check "the vector suite passes from the copy (exit $rc)" '[ "$rc" -eq 0 ]'
[ "$rc" -eq 0 ] || diag "$(grep -v '^ok' "$TMP/out" | head -20)" "$(head -5 "$TMP/err")"
out_has "inclusion vectors read from the copy" "inclusion vectors: 98 files"
out_has "consistency vectors read from the copy" "consistency vectors: 98 files"

# 3. The suite really reads MAMORI_SRCDIR: pointed at a copy without vectors, it fails.
mkdir -p "$TMP/empty"
run sh -c 'cd "$1" && MAMORI_SRCDIR="$1" CMOCKA_MESSAGE_OUTPUT=TAP MAMORI_TEST_FILTER="*_vectors" exec "$2"' sh "$TMP/empty" "$MERKLE_TEST"
check "without the vectors the suite fails (exit $rc)" '[ "$rc" -ne 0 ]'
out_has "and says where it looked" "cannot open vector directory '$TMP/empty/tests/vectors"

done_testing
