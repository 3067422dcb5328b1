#!/bin/sh
# t0701-fault-cli: a CLI act (record add) while writes, fsyncs and opens of the data directory
# fail, one call at a time, at every write of the act (EIO), at every sixth (ENOSPC, EINTR and
# short writes), at every fsync and open. Each run either reports done (acknowledged) or fails
# with one clear line; after it, with the fault gone, the ledger verifies, doctor passes and
# nothing half-written is visible (ledger verify after each, doctor after every tenth act and at
# the end); at the end every acknowledged record is there. make check tries a sample of the
# points (lib.sh, sampled), make check-long every one (t0701-fault-cli-sweep).
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
D="$TMP/d"
m() { "$MAMORI" --dir "$D" "$@"; }
m init --profile minato >/dev/null 2>&1
m section add zeimu --name 税務課 >/dev/null
printf '%s\n' 'Kawa-Sora-Umi-2026!x' | m user add sato --name 佐藤 --section zeimu --password-stdin >/dev/null
: >"$TMP/acked"
n=0 bad_msg=0 bad_state=0 crashed=0
act() { # act SPEC: one record add under SPEC
	n=$((n + 1))
	run faulty "$1" "$MAMORI" --dir "$D" record add asset --as sato --field "title=t$n" \
		--field level=1 --field section=zeimu --field access_controlled=true
	if [ "$rc" -eq 0 ]; then
		echo "t$n" >>"$TMP/acked"
	elif [ "$rc" -ge 128 ] || grep -q "Sanitizer\|runtime error" "$TMP/err"; then
		crashed=$((crashed + 1))
		diag "crash under '$1' (exit $rc): $(head -3 "$TMP/err")"
	elif [ "$(wc -l <"$TMP/err")" -ne 1 ] || ! grep -q '^mamori: ' "$TMP/err"; then
		bad_msg=$((bad_msg + 1))
		diag "unclear error under '$1' (exit $rc): $(head -3 "$TMP/err")"
	fi
	# After every failure, and a sample of the acts that went through anyway.
	[ "$rc" -ne 0 ] || [ $((n % 5)) -eq 0 ] || return 0
	if ! consistent "$D" $([ $((n % 10)) -eq 0 ] || echo quick) >"$TMP/why" 2>&1; then
		bad_state=$((bad_state + 1))
		diag "inconsistent after '$1': $(head -3 "$TMP/why")"
	fi
}

W=$(count_calls "of=write path=*/d/mamori.db*" "$MAMORI" --dir "$D" record add asset --as sato \
	--field title=probe --field level=1 --field section=zeimu --field access_controlled=true)
echo probe >>"$TMP/acked"
F=$(count_calls "of=fsync path=*/d/*" "$MAMORI" --dir "$D" record add asset --as sato \
	--field title=probe2 --field level=1 --field section=zeimu --field access_controlled=true)
echo probe2 >>"$TMP/acked"
O=$(count_calls "of=open path=*/d/*" "$MAMORI" --dir "$D" record add asset --as sato \
	--field title=probe3 --field level=1 --field section=zeimu --field access_controlled=true)
echo probe3 >>"$TMP/acked"
check "an act writes the database ($W writes, $F fsyncs, $O opens)" '[ "$W" -gt 5 ] && [ "$F" -gt 0 ] && [ "$O" -gt 0 ]'

# Every point in make check-long (FAULT_SWEEP=1), a sample of them in make check (lib.sh).
i=1 k=0
while [ "$i" -le "$W" ]; do
	if [ "$FAULT_STRIDE" -le 1 ]; then
		act "op=write path=*/d/mamori.db* at=$i errno=EIO"
		if [ $((i % 6)) -eq 1 ]; then
			for e in ENOSPC EINTR short; do
				act "op=write path=*/d/mamori.db* at=$i errno=$e"
			done
		fi
	elif sampled "$i" "$W"; then # one way of failing at each sampled point, in turn
		k=$((k + 1))
		set -- EIO ENOSPC EINTR short
		shift $((k % 4))
		act "op=write path=*/d/mamori.db* at=$i errno=$1"
	fi
	i=$((i + 1))
done
i=1
while [ "$i" -le "$F" ]; do
	if sampled "$i" "$F"; then
		act "op=fsync path=*/d/* at=$i errno=EIO"
		act "op=fsync path=*/d/* at=$i errno=ENOSPC"
	fi
	i=$((i + 1))
done
i=1
while [ "$i" -le "$O" ]; do
	if sampled "$i" "$O"; then
		act "op=open path=*/d/* at=$i errno=EIO"
		act "op=open path=*/d/* at=$i errno=ENOSPC"
	fi
	i=$((i + 1))
done
# A disk that stays full: every write fails from the first.
act "op=write path=*/d/mamori.db* at=1 count=0 errno=ENOSPC"
err_has "a full disk is named as such" "full"

N=$(injected)
check "faults were injected ($N in $n acts)" '[ "$N" -ge "$n" ]'
check "no run crashed ($crashed)" '[ "$crashed" -eq 0 ]'
check "every failure was one clear line ($bad_msg unclear)" '[ "$bad_msg" -eq 0 ]'
check "after every fault the data directory was consistent ($bad_state not)" '[ "$bad_state" -eq 0 ]'
titles_missing "$D" "$TMP/acked" >"$TMP/lost"
lost=$(wc -l <"$TMP/lost" | tr -d ' ')
check "acknowledged writes lost: $lost of $(wc -l <"$TMP/acked" | tr -d ' ')" '[ "$lost" -eq 0 ]'
check "at the end the data directory is consistent" 'consistent "$D"'
expect "an act after the faults is done" 0 m record add asset --as sato --field title=after \
	--field level=1 --field section=zeimu --field access_controlled=true
tally_faults "$N" "$lost"
done_testing
