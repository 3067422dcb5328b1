#!/usr/bin/env python3
"""crash-load: `mamori serve` killed with SIGKILL at random moments while 32 clients act
through the JSON API (t0710, and 1,000 rounds in make check-long).

    crash-load.py MAMORI DIR ROUNDS [SEED]

Round after round: start the server on a free loopback port, let 32 clients act (22 create
records, 4 ask to transmit level-3 records, which waits for approval, 4 approve what waits for
them, 2 send batches of 20 log lines to POST /api/v1/logs), SIGKILL the server a random
0.2-1.2 s ($CRASH_MIN-$CRASH_MAX) after its FIRST acknowledged act (so that under load every round
kills a server that is acting, not one still starting), then check with the server down: the
ledger verifies; every acknowledged act is there (each record with its title, each request, each
approval in its slot, each log line of an acknowledged batch, found by `mamori log search`); no request is half-approved (approved with a slot still open, or pending
with every slot approved). Prints TAP lines and, last, "rounds R lost L acknowledged A".
"""
import http.client
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

PW = 'Kawa-Sora-Umi-2026!x'
ADMIN_PW = 'Kanri-Hoshi-Tsuki-2026!z'
CREATORS, ASKERS, APPROVERS, INGESTERS = 22, 4, 4, 2
FIRST_ACK_WAIT = float(os.environ.get('CRASH_FIRST_ACK_WAIT', '120'))


def sh(mamori, d, *args, stdin=None):
    r = subprocess.run([mamori, '--dir', d, *args], input=stdin, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f'Bail out! mamori {" ".join(args)}: {r.stderr.strip()}')
    return r.stdout


def start(mamori, d):
    p = subprocess.Popen([mamori, '--dir', d, 'serve', '--listen', '127.0.0.1:0'],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    # serve may first say where the ledger key is (the signer process); the address follows
    m, line = None, ''
    for _ in range(20):
        line = p.stdout.readline()
        m = re.search(r'listening on http://([\d.]+):(\d+)/', line)
        if m or not line:
            break
    if not m:
        p.kill()
        raise SystemExit(f'Bail out! the server did not start: {line!r}')
    return p, m.group(1), int(m.group(2))


class Client:
    def __init__(self, host, port, token=None):
        self.c = http.client.HTTPConnection(host, port, timeout=10)
        self.token = token
        self.cookies = {}

    def req(self, method, path, body=None, form=None):
        h = {}
        if self.token:
            h['Authorization'] = 'Bearer ' + self.token
        if self.cookies:
            h['Cookie'] = '; '.join(f'{k}={v}' for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h['Content-Type'] = 'application/json'
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            h['Content-Type'] = 'application/x-www-form-urlencoded'
        self.c.request(method, path, body=data, headers=h)
        r = self.c.getresponse()
        for k, v in r.getheaders():
            if k.lower() == 'set-cookie':
                name, _, rest = v.partition('=')
                self.cookies[name] = rest.split(';')[0]
        return r.status, r.read().decode('utf-8', 'replace')


def csrf(text):
    m = re.search(r'name="csrf" value="([^"]*)"', text)
    return m.group(1) if m else ''


def make_tokens(host, port, logins, logs_login):
    a = Client(host, port)
    _, t = a.req('GET', '/login')
    st, _ = a.req('POST', '/login', form={'csrf': csrf(t), 'login': 'admin', 'password': ADMIN_PW})
    if st != 303:
        raise SystemExit(f'Bail out! admin login: {st}')
    tokens = {}
    for login in logins:
        _, t = a.req('GET', '/admin/tokens')
        st, t = a.req('POST', '/admin/tokens', form={'csrf': csrf(t), 'login': login, 'label': 'crash'})
        m = re.search(r'class="notice ok"[^<]*: ([A-Za-z0-9_-]{22})<', t)
        if not m:
            raise SystemExit(f'Bail out! no token for {login}: {st}')
        tokens[login] = m.group(1)
    _, t = a.req('GET', '/admin/tokens')
    st, t = a.req('POST', '/admin/tokens', form={'csrf': csrf(t), 'login': logs_login,
                                                 'label': 'crash logs', 'scope': 'logs'})
    m = re.search(r'class="notice ok"[^<]*: ([A-Za-z0-9_-]{22})<', t)
    if not m:
        raise SystemExit(f'Bail out! no logs token: {st}')
    tokens['logs'] = m.group(1)
    return tokens


def setup(mamori, d):
    sh(mamori, d, 'init', '--profile', 'minato')
    sh(mamori, d, 'user', 'passwd', 'admin', '--password-stdin', stdin=ADMIN_PW + '\n')
    sh(mamori, d, 'section', 'add', 'zeimu', '--name', '税務課')
    logins = [f'c{i:02d}' for i in range(CREATORS + ASKERS)] + [f'so{i}' for i in range(APPROVERS)]
    for login in logins:
        sh(mamori, d, 'user', 'add', login, '--name', login, '--section', 'zeimu',
           '--password-stdin', stdin=PW + '\n')
    for i in range(APPROVERS):
        sh(mamori, d, 'role', 'grant', f'so{i}', 'security_officer@section:zeimu')
    p, host, port = start(mamori, d)
    try:
        tokens = make_tokens(host, port, logins, 'so0')
    finally:
        p.terminate()
        p.wait()
    # Level-3 records the askers ask about.
    ids = []
    for i in range(8):
        out = sh(mamori, d, 'record', 'add', 'asset', '--as', 'c00', '--field', f'title=l3-{i}',
                 '--field', 'level=3', '--field', 'section=zeimu', '--field',
                 'access_controlled=true', '--json')
        ids.append(json.loads(out)['record'])
    return tokens, ids


class Acks:
    def __init__(self):
        self.lock = threading.Lock()
        self.records = []    # (id, title)
        self.requests = []   # id
        self.approvals = []  # (request id, approver login)
        self.logs = []       # tags of log lines the server said were durable
        self.first = threading.Event()  # set at the first acknowledged act: the kill timer starts

    def add(self, kind, item):
        with self.lock:
            getattr(self, kind).append(item)
        self.first.set()


def creator(host, port, token, rnd, tag, acks, stop):
    c = Client(host, port, token)
    k = 0
    while not stop.is_set():
        k += 1
        title = f'{tag}-{k}'
        try:
            st, body = c.req('POST', '/api/v1/records', body={'register': 'asset', 'fields': {
                'title': title, 'level': '1', 'section': 'zeimu', 'access_controlled': 'true'}})
        except (OSError, http.client.HTTPException):
            return
        if st in (200, 201):
            acks.add('records', (json.loads(body)['record'], title))


def asker(host, port, token, ids, rnd, acks, stop):
    c = Client(host, port, token)
    while not stop.is_set():
        rec = rnd.choice(ids)
        try:
            st, body = c.req('POST', f'/api/v1/records/{rec}/actions',
                             body={'action': 'asset.transmit', 'comment': 'crash test'})
        except (OSError, http.client.HTTPException):
            return
        if st == 202:
            acks.add('requests', json.loads(body)['request'])


def approver(host, port, token, login, acks, stop):
    c = Client(host, port, token)
    while not stop.is_set():
        try:
            st, body = c.req('GET', '/api/v1/requests?to_approve=1')
            if st != 200:
                time.sleep(0.01)
                continue
            reqs = json.loads(body)
            reqs = reqs.get('requests', reqs) if isinstance(reqs, dict) else reqs
            for q in reqs[:4]:
                st, body = c.req('POST', f'/api/v1/requests/{q["id"]}/approve',
                                 body={'comment': '承認'})
                if st == 200:
                    acks.add('approvals', (q['id'], login))
            if not reqs:
                time.sleep(0.01)
        except (OSError, http.client.HTTPException, ValueError, KeyError):
            return


def ingester(host, port, token, tag, acks, stop):
    c = Client(host, port, token)
    k = 0
    while not stop.is_set():
        k += 1
        tags = [f'{tag}-{k}-{j}' for j in range(20)]
        body = '\n'.join(json.dumps({'host': 'crash', 'app': 'load', 'message': f'line {t}'})
                         for t in tags) + '\n'
        try:
            c.c.request('POST', '/api/v1/logs', body=body.encode(), headers={
                'Authorization': 'Bearer ' + token, 'Content-Type': 'application/x-ndjson'})
            r = c.c.getresponse()
            r.read()
        except (OSError, http.client.HTTPException):
            return
        if r.status == 200:
            for t in tags:
                acks.add('logs', t)


def check(mamori, d, acks, rnd_no):
    """Returns what is wrong (acknowledged acts lost, half-approved requests) and how many
    acknowledged acts are missing."""
    wrong = []
    lost = 0
    r = subprocess.run([mamori, '--dir', d, 'ledger', 'verify'], capture_output=True, text=True)
    if r.returncode:
        wrong.append('ledger verify: ' + r.stderr.strip())
    db = sqlite3.connect(f'file:{d}/mamori.db?mode=ro', uri=True)
    titles = {rid: json.loads(f).get('title') for rid, f in db.execute('SELECT id, fields FROM records')}
    for rid, title in acks.records:
        if titles.get(rid) != title:
            lost += 1
            wrong.append(f'record {rid} ({title}) acknowledged but missing')
    have = {q for (q,) in db.execute('SELECT id FROM requests')}
    for q in acks.requests:
        if q not in have:
            lost += 1
            wrong.append(f'request {q} acknowledged but missing')
    slots = {}
    for q, by in db.execute('SELECT s.request_id, u.login FROM request_approvers s'
                            ' LEFT JOIN users u ON u.id = s.approved_by'):
        slots.setdefault(q, []).append(by)
    for q, login in acks.approvals:
        if login not in slots.get(q, []):
            lost += 1
            wrong.append(f'approval of request {q} by {login} acknowledged but missing')
    if acks.logs:
        r = subprocess.run([mamori, '--dir', d, 'log', 'search', '--grep', f'line lg{rnd_no}x',
                            '--limit', '100000', '--json'], capture_output=True, text=True)
        found = set()
        if r.returncode == 0:
            for h in json.loads(r.stdout):
                found.add(h.get('message', '').rsplit(' ', 1)[-1])
        else:
            wrong.append('log search: ' + r.stderr.strip())
        missing = [t for t in acks.logs if t not in found]
        lost += len(missing)
        for t in missing[:5]:
            wrong.append(f'log line {t} acknowledged but missing')
        if len(missing) > 5:
            wrong.append(f'... and {len(missing) - 5} more log lines acknowledged but missing')
    for q, state in db.execute('SELECT id, state FROM requests'):
        s = slots.get(q, [])
        if state == 'approved' and (not s or None in s):
            wrong.append(f'request {q} approved with a slot still open')
        if state == 'pending' and s and None not in s:
            wrong.append(f'request {q} pending with every slot approved')
    return wrong, lost


def main():
    mamori, d, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else int(time.time())
    rnd = random.Random(seed)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows (and survives a stopped run)
    print(f'# seed {seed}')
    tokens, ids = setup(mamori, d)
    lost = acknowledged = failed_rounds = 0
    n = 0
    for rnd_no in range(1, rounds + 1):
        acks = Acks()
        p, host, port = start(mamori, d)
        stop = threading.Event()
        threads = []
        for i in range(CREATORS):
            threads.append(threading.Thread(target=creator, args=(
                host, port, tokens[f'c{i:02d}'], rnd, f'r{rnd_no}-c{i}', acks, stop)))
        for i in range(ASKERS):
            threads.append(threading.Thread(target=asker, args=(
                host, port, tokens[f'c{CREATORS + i:02d}'], ids, random.Random(rnd.random()), acks, stop)))
        for i in range(APPROVERS):
            threads.append(threading.Thread(target=approver, args=(
                host, port, tokens[f'so{i}'], f'so{i}', acks, stop)))
        for i in range(INGESTERS):
            threads.append(threading.Thread(target=ingester, args=(
                host, port, tokens['logs'], f'lg{rnd_no}x{i}', acks, stop)))
        for t in threads:
            t.start()
        t0 = time.monotonic()
        if not acks.first.wait(FIRST_ACK_WAIT):
            failed_rounds += 1
            n += 1
            print(f'not ok {n} - round {rnd_no}: no act acknowledged within {FIRST_ACK_WAIT:.0f} s')
        waited = time.monotonic() - t0
        time.sleep(rnd.uniform(float(os.environ.get('CRASH_MIN', '0.2')),
                               float(os.environ.get('CRASH_MAX', '1.2'))))
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        stop.set()
        for t in threads:
            t.join()
        wrong, lost_now = check(mamori, d, acks, rnd_no)
        acked = len(acks.records) + len(acks.requests) + len(acks.approvals) + len(acks.logs)
        acknowledged += acked
        lost += lost_now
        n += 1
        if wrong:
            failed_rounds += 1
            print(f'not ok {n} - round {rnd_no}: killed after {acked} acknowledged acts')
            for w in wrong[:10]:
                print(f'# {w}')
        elif rounds <= 20 or rnd_no % 50 == 0 or rnd_no == rounds:
            print(f'ok {n} - round {rnd_no}: first ack at {waited:.1f} s, killed after {len(acks.records)} records, '
                  f'{len(acks.requests)} requests, {len(acks.approvals)} approvals, '
                  f'{len(acks.logs)} log lines acknowledged; all there, none half-approved')
        else:
            n -= 1
    n += 1
    print(f'{"ok" if acknowledged > 0 else "not ok"} {n} - {acknowledged} acts were acknowledged'
          f' over {rounds} rounds')
    print(f'1..{n}')
    print(f'rounds {rounds} lost {lost} acknowledged {acknowledged}')
    return 1 if failed_rounds or not acknowledged else 0


sys.exit(main())
