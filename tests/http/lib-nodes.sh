# lib-nodes.sh: several `mamori serve` nodes on one PostgreSQL ward (tests/lib/pg.sh), for the
# tests of issue 18's nodes. Source after tests/http/lib.sh and tests/lib/pg.sh.
#   node NAME DIR [ARG...] starts a server on DIR (serve's further ARGs); sets ${NAME}_PID and
#                          ${NAME}_URL, and adds its signer process to SIGNERS
#   node_dir DIR           a second node's data directory: the first's mamori.conf and ledger
#                          keys, nothing else (what every node needs is in the database)
#   checkpoints            the number of signed checkpoints in the database
#   nodes_cleanup          stops every node and signer started and the cluster (the EXIT trap)
A_PID= B_PID= SIGNERS=

node() {
	_name=$1 _dir=$2
	shift 2
	: >"$TMP/$_name.out"
	"$MAMORI" --dir "$_dir" serve --listen 127.0.0.1:0 "$@" >"$TMP/$_name.out" 2>"$TMP/$_name.err" &
	set -- "$_name"
	eval "$1_PID=$!"
	for _i in $(seq 1 150); do
		_u=$(sed -n 's/.*listening on \(.*\)/\1/p' "$TMP/$1.out")
		[ -n "$_u" ] && break
		sleep 0.1
	done
	eval "$1_URL=$_u"
	_s=$(sed -n 's/.*signer process (pid \([0-9]*\)).*/\1/p' "$TMP/$1.out")
	SIGNERS="$SIGNERS $_s"
}

node_dir() {
	mkdir -m 700 "$2"
	cp -p "$1/mamori.conf" "$1/ledger.key" "$1/ledger.pub" "$2/"
}

checkpoints() { pg_psql -d mamori -Atc "SELECT count(*) FROM ledger_checkpoint"; }

nodes_cleanup() {
	for p in $A_PID $B_PID; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for p in $SIGNERS; do kill -TERM "$p" 2>/dev/null; done
	pg_stop
	rm -rf "$TMP"
}
