#!/bin/sh
# t0620-http-role-period: a role takes effect when its validity starts and stops when it ends,
# even on a list page the server has memoised and with no write in between. The test moves a
# role's start and end a few seconds ahead of now in the database (as time passing would bring
# its dates), before the page is first built.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
DB="$D/mamori.db"
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
sql() { python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$DB" "$1"; }

# tanaka (区民課) is to become 税務課 staff from a date still ahead.
m role grant tanaka staff@section:zeimu --from 2099-04-01 >/dev/null
server_start
is "tanaka logs in" 303 "$(login tanaka "$PW" "$TMP/jar")"

start=$(($(now_ms) + 3000))
sql "UPDATE role_assignments SET start_ms = $start WHERE role = 'staff' AND scope = 'section:zeimu' AND user_id = (SELECT id FROM users WHERE login = 'tanaka')"
curl -s -b "$TMP/jar" "${URL}registers/asset" >"$TMP/list1"
curl -s -b "$TMP/jar" "${URL}registers/asset" >"$TMP/list2"
check "before the start the list leaves 税務課's record out" '! grep -q 住民税課税台帳 "$TMP/list1"'
check "and shows their own section's" 'grep -q 住民基本台帳 "$TMP/list2"'
while [ "$(now_ms)" -le "$start" ]; do sleep 0.2; done
for i in 1 2 3 4; do # every worker thread's memo
	curl -s -b "$TMP/jar" "${URL}registers/asset" >"$TMP/list3"
	check "once the role has started the list shows it (request $i)" 'grep -q 住民税課税台帳 "$TMP/list3"'
done
is "and the record opens" 200 "$(status -b "$TMP/jar" "${URL}records/$Z3")"

end=$(($(now_ms) + 3000))
sql "UPDATE role_assignments SET end_ms = $end WHERE role = 'staff' AND scope = 'section:zeimu' AND user_id = (SELECT id FROM users WHERE login = 'tanaka')"
curl -s -b "$TMP/jar" "${URL}registers/asset" >"$TMP/list4"
check "until its end it is shown" 'grep -q 住民税課税台帳 "$TMP/list4"'
while [ "$(now_ms)" -le "$end" ]; do sleep 0.2; done
for i in 1 2 3 4; do
	curl -s -b "$TMP/jar" "${URL}registers/asset" >"$TMP/list5"
	check "once the role has ended the list leaves it out (request $i)" '! grep -q 住民税課税台帳 "$TMP/list5"'
done
is "and the record is not found" 404 "$(status -b "$TMP/jar" "${URL}records/$Z3")"
done_testing
