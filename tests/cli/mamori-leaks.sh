#!/bin/sh
# mamori-leaks.sh: $MAMORI for the CLI and HTTP tests (lib.sh). It runs the binary under test
# ($MAMORI_LEAK_REAL) with LeakSanitizer's exit scan for the FIRST call of each kind of command
# in a test, and without it for the repeats: the scan is ~45% of a sanitized command's CPU and a
# test repeats the same command dozens of times to set up its ward (docs/testing.md, "Time").
# The kind is the command's words (`record add`, `ledger verify`: the first word and a second
# one made of letters and '-'), the set of option names given (`--as --field --json`) and, when
# the call is an `expect NAME CODE ...` of lib.sh, the exit code expected, so that an error path
# is a kind of its own. `mamori serve` is always checked. MAMORI_TEST_LEAKS=all checks every call.
# The kinds already run live in $MAMORI_LEAK_SEEN (one file per test, in its $TMP).
set -u
words=0 # command words taken: 0, 1 or 2; 3 once a positional argument ends them
skip=false
key=
opts=
for a in "$@"; do
	if $skip; then
		skip=false
		continue
	fi
	case $a in
	--dir | --lang)
		if [ $words -eq 0 ]; then # a global option's value is not the command
			skip=true
			continue
		fi
		;;
	esac
	case $a in
	-*)
		o=${a%%=*}
		case "$opts " in
		*" $o "*) ;;
		*) opts="$opts $o" ;;
		esac
		;;
	*)
		if [ $words -eq 0 ]; then
			key=$a
			words=1
		elif [ $words -eq 1 ]; then
			case $a in
			*[!a-z-]*) words=3 ;;
			*)
				key="$key $a"
				words=2
				;;
			esac
		fi
		;;
	esac
done
key="$key |$opts|${MAMORI_LEAK_WANT:-}"
check=true
case $key in
"serve "*) ;; # a server: one process, many requests
*)
	if [ "${MAMORI_TEST_LEAKS:-}" != all ] && [ -n "${MAMORI_LEAK_SEEN:-}" ]; then
		if grep -qxF -- "$key" "$MAMORI_LEAK_SEEN" 2>/dev/null; then
			check=false
		else
			printf '%s\n' "$key" >>"$MAMORI_LEAK_SEEN"
		fi
	fi
	;;
esac
if [ -n "${MAMORI_LEAK_LOG:-}" ]; then
	printf '%s %s\n' "$check" "$key" >>"$MAMORI_LEAK_LOG"
fi
if ! $check; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export ASAN_OPTIONS
fi
exec "$MAMORI_LEAK_REAL" "$@"
