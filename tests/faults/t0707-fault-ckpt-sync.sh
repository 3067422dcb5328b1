#!/bin/sh
# t0707-fault-ckpt-sync: the database file's sync fails inside a running server while acts come
# through the API (MAMORI_FAULT_CTL). The door's checkpointer (core/door-ckpt.c) copies the
# write-ahead log into that file and syncs it; the 1st and 2nd sync fail and later ones succeed,
# as Linux reports a failed writeback once per open file: a sync tried again could succeed with
# the pages lost, and a restart of the log after it would drop the only copy left. So the first
# failure stops the door for good: acts are refused (503, the reason on their line of the
# server's log), nothing more is acknowledged, the server says why and stops (exit 1) without
# checkpointing, and the log is kept (never restarted after the fault). The next start recovers
# from it: the ledger verifies and no acknowledged act is lost.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
# restarts: the log's checkpoint sequence (its header's bytes 12-15), one more at each restart
restarts() {
	python3 -c "import struct,sys; print(struct.unpack('>I', open(sys.argv[1], 'rb').read(16)[12:16])[0])" \
		"$D/mamori.db-wal"
}
# acts PREFIX MAX_WAL_MIB MAX: records created through the API by 8 clients, at most MAX, until
# the log's file is past MAX_WAL_MIB MiB (0: no bound) or an act is not acknowledged (the
# server may be gone); titles acknowledged (2xx with a ledger index) go to $TMP/acked, the
# first refusal's status and body to $TMP/refused; prints "sent failed"
acts() {
	python3 - "$URL" "$T" "$1" "$2" "$3" "$D/mamori.db-wal" "$TMP/acked" "$TMP/refused" <<'PY'
import http.client, json, os, sys, threading, urllib.parse
url, tok, prefix, max_mib, most, wal, acked, refused = sys.argv[1:9]
u = urllib.parse.urlparse(url)
lock = threading.Lock()
state = {"sent": 0, "failed": 0}
def enough():
    size = os.path.getsize(wal) if os.path.exists(wal) else 0
    return (state["failed"] or state["sent"] >= int(most) or
            (int(max_mib) and size >= int(max_mib) << 20))
def client():
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    while True:
        with lock:
            if enough():
                return
            state["sent"] += 1
            title = f"{prefix}{state['sent']}"
        body = json.dumps({"register": "asset", "fields": {"title": title, "level": "1",
                           "section": "zeimu", "access_controlled": "true"}})
        try:
            c.request("POST", "/api/v1/records", body,
                      {"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
            r = c.getresponse()
            status, answer = r.status, r.read()
        except (OSError, http.client.HTTPException) as e:  # the server stopped
            status, answer = 0, str(e).encode()
        with lock:
            if 200 <= status < 300 and b'"ledger_index"' in answer:
                with open(acked, "a", encoding="utf-8") as f:
                    f.write(title + "\n")
            else:
                if not state["failed"]:
                    with open(refused, "wb") as f:
                        f.write(b"%d " % status + answer)
                state["failed"] += 1
                return
threads = [threading.Thread(target=client) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(state["sent"], state["failed"])
PY
}

# form_held JAR CSRF: posts the new-asset form as a browser would, holding the request in
# flight (its head sent, its body trickled a byte every 0.5 s, microhttpd's idle limit is 30 s)
# until $TMP/refused appears, then sends the rest: its act reaches the door after the door
# stopped, and the server waits for it before it exits. Writes "STATUS BODY" to $TMP/form.
form_held() {
	python3 - "$URL" "$1" "$2" "$TMP/refused" "$TMP/form" <<'PY'
import http.client, os, sys, time, urllib.parse
url, jar, csrf, trigger, out = sys.argv[1:6]
u = urllib.parse.urlparse(url)
cookies = "; ".join(f"{l.split(chr(9))[5]}={l.rstrip(chr(10)).split(chr(9))[6]}"
                    for l in open(jar, encoding="utf-8")
                    if l.count("\t") == 6 and (not l.startswith("#") or l.startswith("#HttpOnly_")))
body = urllib.parse.urlencode({"csrf": csrf, "f.title": "held", "f.level": "1",
                               "f.section": "zeimu", "f.access_controlled": "true"})
body = (body + "&pad=" + "x" * 2000).encode()
c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
c.putrequest("POST", "/registers/asset/new")
c.putheader("Cookie", cookies)
c.putheader("Content-Type", "application/x-www-form-urlencoded")
c.putheader("Content-Length", str(len(body)))
c.endheaders()
sent, deadline = 0, time.monotonic() + 600
while not os.path.exists(trigger) and time.monotonic() < deadline and sent < len(body) - 1:
    c.send(body[sent:sent + 1])
    sent += 1
    time.sleep(0.5)
c.send(body[sent:])
try:
    r = c.getresponse()
    status, answer = r.status, r.read()
except (OSError, http.client.HTTPException) as e:
    status, answer = 0, str(e).encode()
with open(out, "wb") as f:
    f.write(b"%d " % status + answer)
PY
}

ward_make
faulty_server_start
T=$(token sato)
check "sato has an API token" '[ -n "$T" ]'
: >"$TMP/acked"
# a few acts, the log kept under the size at which the checkpointer first copies it (1,000
# pages): no copy or sync of the database file has happened before the fault
# shellcheck disable=SC2046
set -- $(acts a 1 40)
sent=$1 failed=$2
check "before the fault: $sent acts, $failed not acknowledged" '[ "$failed" -eq 0 ] && [ "$sent" -ge 1 ]'

# a web form's act held in flight across the failure (form_held)
login sato "$PW" "$TMP/jar-sato" >/dev/null
C=$(csrf_of "$TMP/jar-sato" /registers/asset/new)
rm -f "$TMP/refused" "$TMP/form"
form_held "$TMP/jar-sato" "$C" &
FORM=$!

# the 1st and 2nd sync of the database file fail, later ones succeed
arm "op=fsync path=*/data/mamori.db at=1 count=2 errno=EIO"
R0=$(restarts)
# Acts until one is refused: past 1,000 pages of log the checkpointer copies it and, at the
# latest past 4,096 pages (16 MiB), syncs the database file. The old checkpointer skipped a
# failed sync and restarted the log after the next one, acknowledging every act: 24 MiB of log
# or 3,000 acts bound the run.
# shellcheck disable=SC2046
set -- $(acts f 24 3000)
sent=$1 failed=$2
F=$(grep -c 'fsync .*mamori.db$' "$FLOG")
diag "during the fault: $sent acts, $F syncs failed, $(wc -l <"$TMP/acked" | tr -d ' ') acknowledged in all"
check "the database file's sync failed ($F)" '[ "$F" -ge 1 ]'
check "acts are refused from then on ($failed of $sent)" '[ "$failed" -ge 1 ]'
diag "refusal: $(head -c 300 "$TMP/refused")"
check "with 503" 'grep -q "^503 " "$TMP/refused"'
# ... saying why and what to do, in Japanese, in the API's error format (docs/api.md)
check "the 503 says why and what to do: restart, the write-ahead log is kept" \
	"python3 -c 'import json,sys; b=open(sys.argv[1],encoding=\"utf-8\").read().split(\" \",1)[1]; e=json.loads(b)[\"error\"]; m=e[\"message\"]; assert e[\"status\"]==503 and \"ディスク\" in m and \"先行書き込みログ\" in m and \"再起動\" in m, b' '$TMP/refused'"
check "the refused act's line in the server's log says why" \
	'grep -q " 503 .*did not confirm a write of the database file" "$TMP/serve.err"'
wait "$FORM"
diag "the held form: $(head -c 120 "$TMP/form")"
check "a web form's act is refused with a 503 page that says the same" \
	'grep -q "^503 " "$TMP/form" && grep -q "先行書き込みログ" "$TMP/form" && grep -q "再起動" "$TMP/form"'
# the server stops by itself (within a second of the failure; 30 s allowed)
server_wait_stop
check "the server stopped by itself" '[ "$stopped_itself" = yes ]'
check "with exit status 1 ($server_status)" '[ "$server_status" -eq 1 ]'
check "saying why" \
	'grep -q "mamori: error: the disk did not confirm a write of the database file.*stopping" "$TMP/serve.err"'
R1=$(restarts)
check "the log is kept: never restarted after the fault ($R0 -> $R1), not removed" \
	'[ "$R1" = "$R0" ] && [ "$(wc -c <"$D/mamori.db-wal")" -gt 32 ]'

# the next start (no fault) recovers from the log
server_start
check "the server starts again" 'kill -0 "$SERVER_PID"'
server_stop
check "the data directory is consistent" 'consistent "$D"'
titles_missing "$D" "$TMP/acked" >"$TMP/lost"
lost=$(wc -l <"$TMP/lost" | tr -d ' ')
check "acknowledged writes lost: $lost of $(wc -l <"$TMP/acked" | tr -d ' ')" '[ "$lost" -eq 0 ]'
tally_faults "$F" "$lost"
done_testing
