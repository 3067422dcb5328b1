# bench/lib.sh: what bench/run-*.sh share. Peers (../shared/peers/NAME beside the checkout, or
# $MAMORI_PEERS_DIR/NAME) are optional: without them a script measures Mamori's side alone and
# writes PEER_NA in the peer column, and make bench still exits 0.
PEER_NA="peer not available here"

# peers_dir NAME: prints the peer folder NAME when it is here, else nothing.
peers_dir() {
	_root=${MAMORI_PEERS_DIR:-$(cd "$(dirname "$0")/.." && pwd)/../shared/peers}
	[ -d "$_root/$1" ] && (cd "$_root/$1" && pwd)
	return 0
}

# na_row BENCHMARK FIGURE UNIT: a row whose peer is not available here.
na_row() { printf '%s\t%s\t%s\t%s\t\t\n' "$1" "$2" "$3" "$PEER_NA"; }
