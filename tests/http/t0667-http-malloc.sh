#!/bin/sh
# t0667-http-malloc: `mamori serve` starts itself again, once, with glibc's per-thread cache of
# freed blocks limited to blocks up to 256 bytes (GLIBC_TUNABLES glibc.malloc.tcache_max=256:
# each of its 40 threads' caches otherwise filled to ~240 KiB and malloc_trim does not give
# them back; issue 9's soak). Same process id, same arguments; an operator's own tcache
# setting is kept as it is, another tunable is kept beside it.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
# the server's environment variable NAME (its value, or nothing)
env_of() { tr '\0' '\n' <"/proc/$SERVER_PID/environ" 2>/dev/null | sed -n "s/^$1=//p"; }
args_of() { tr '\0' ' ' <"/proc/$SERVER_PID/cmdline" 2>/dev/null; }

unset GLIBC_TUNABLES
server_start
is "started again with blocks to 256 bytes cached per thread" \
	glibc.malloc.tcache_max=256 "$(env_of GLIBC_TUNABLES)"
is "the same program with the same arguments (process $SERVER_PID)" \
	"$MAMORI_BIN --dir $D serve --listen 127.0.0.1:0 " "$(args_of)"
is "and it serves" 200 "$(status "${URL}login")"
server_stop

GLIBC_TUNABLES=glibc.malloc.tcache_count=3 server_start
is "an operator's tcache setting is kept as it is" \
	glibc.malloc.tcache_count=3 "$(env_of GLIBC_TUNABLES)"
is "and it serves" 200 "$(status "${URL}login")"
server_stop

# glibc cuts the variable's text at the first ':' as it reads it (ld.so --list-tunables shows
# both in force), so the environment shows the first one: the operator's, kept in front
GLIBC_TUNABLES=glibc.malloc.arena_max=2 server_start
is "another tunable is kept, first" glibc.malloc.arena_max=2 "$(env_of GLIBC_TUNABLES)"
is "and it serves" 200 "$(status "${URL}login")"
server_stop
done_testing
