#!/usr/bin/env python3
"""make soak: `mamori serve` under ten minutes of mixed load on loopback, bounded.

    soak.py MAMORI [SECONDS]          (SOAK_SECONDS, default 600)

A Minato ward with 2,000 records; the load runs for the whole time: wrk reading list pages (one
thread, four connections, a new run each minute), eight staff API clients (four staff members,
two connections each: enough to keep to the rate on a loaded machine) acting through the
door, the section's security officer deciding what they ask through the API, and one client
logging in and out every two seconds (Argon2id each time). The acts are a ward's day, not a
bulk import: of every eight a staff client makes, one registers a new record, two transmit a
level-3 record (a request the officer approves), two transmit a level-1 record (done at once),
one takes a level-1 record out of the office (a request; once approved, its state is
taken_out) and one brings a taken-out record back (its state active again); the officer
approves every waiting request and sets a record's access rights now and then (its fields
change). So most acts change records that exist, and the ward grows by about one record in
eight acts (before, three acts in four registered a record and the ward grew 35-fold in ten
minutes: the soak then measured a ward's growth, not the server's). The acts are paced: every
client's acts (the staff's and the officer's approvals) take turns from one schedule of
SOAK_ACT_RATE acts a second (50; 0: as fast as the server answers), the same on any machine: a
ward's working day is tens of acts a second, not what a loopback client can push (unpaced, a
quiet machine made 496,880 acts in ten minutes and the ward grew 26-fold, so RSS measured the
ward more than the server). Reads (wrk) run at full speed (they add nothing to the ward) and
logins every two seconds. Each minute: reads/s, acts/s (beside the rate), logins, errors, the
server's RSS and the records. At the end: RSS at the start (after the first minute: caches and
Argon2 arenas warm) and at the end (each the median of five readings a second apart, under
load: one reading moved by a few MiB), growth at most 10%, errors 0 (a request the server closes or leaves unanswered for 30 s is one), and `mamori
ledger verify`.
RSS is read between logins: a login's Argon2id holds 19 MiB only while it hashes, and whether a
reading fell inside one decided a fifth of the figure; the peak (VmHWM, logins included) is
printed beside it.
Exits 1 when any of these fails.
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PW = 'Kawa-Sora-Umi-2026!x'
ADMIN_PW = 'Kanri-Hoshi-Tsuki-2026!z'


def sh(m, d, *args, stdin=None):
    r = subprocess.run([m, '--dir', d, *args], input=stdin, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f'soak: mamori {" ".join(args)}: {r.stderr.strip()}')
    return r.stdout


class Client:
    def __init__(self, port, token=None):
        self.port, self.token, self.cookies = port, token, {}
        self.c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)

    def req(self, method, path, body=None, form=None):
        h = {}
        if self.token:
            h['Authorization'] = 'Bearer ' + self.token
        if self.cookies:
            h['Cookie'] = '; '.join(f'{k}={v}' for k, v in self.cookies.items())
        data = None
        if body is not None:
            data, h['Content-Type'] = json.dumps(body).encode(), 'application/json'
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            h['Content-Type'] = 'application/x-www-form-urlencoded'
        try:
            self.c.request(method, path, body=data, headers=h)
            r = self.c.getresponse()
            text = r.read().decode('utf-8', 'replace')
        except (http.client.HTTPException, OSError) as e:
            # the server closed the connection or did not answer in 30 s: an error (status
            # 0, counted by the caller), then a new connection
            self.c.close()
            self.c = http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)
            return 0, f'{method} {path}: {e!r}'
        for k, v in r.getheaders():
            if k.lower() == 'set-cookie':
                name, _, rest = v.partition('=')
                self.cookies[name] = rest.split(';')[0]
        return r.status, text

    def login(self, login, pw):
        self.cookies = {}
        _, t = self.req('GET', '/login')
        c = re.search(r'name="csrf" value="([^"]*)"', t)
        st, _ = self.req('POST', '/login', form={'csrf': c.group(1) if c else '', 'login': login,
                                                 'password': pw})
        return st


def wal_bytes(d):
    """The size of the database's write-ahead log file (0 when there is none)."""
    try:
        return os.path.getsize(f'{d}/mamori.db-wal')
    except OSError:
        return 0


def status_kib(pid, key='VmRSS'):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    return 0


def rss_kib(pid, cnt=None):
    """The resident size between logins (cnt.login_lock held: no Argon2id running)."""
    if cnt is None:
        return status_kib(pid)
    with cnt.login_lock:
        return status_kib(pid)


def rss_settled(pid, cnt):
    """The median of five readings a second apart (rss_kib): one reading moved by a few MiB
    with the pages in flight and the 5-second malloc_trim; the same at the start and the end."""
    got = []
    for _ in range(5):
        got.append(rss_kib(pid, cnt))
        time.sleep(1)
    return sorted(got)[2]


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.login_lock = threading.Lock()  # held while a login hashes (rss_kib waits)
        self.acts = self.logins = self.errors = self.created = 0
        self.why = []

    def add(self, field, n=1, why=None):
        with self.lock:
            setattr(self, field, getattr(self, field) + n)
            if why and len(self.why) < 10:
                self.why.append(why)


class Pacer:
    """One schedule of acts for every client: slot k falls at start + k / rate seconds; wait()
    takes the next slot and sleeps until it. A client that falls behind (the server answered
    slower than the rate) does not make the lost slots up in a burst: the schedule restarts
    from now, so the rate is a ceiling and the achieved rate is reported beside it. The officer
    decides at once (sleep=False: the decision takes the next slot without waiting for it, so
    the staff's next acts wait one slot longer): the requests never pile up behind the staff's
    acts, and all acts together keep to the rate. rate 0: no pacing (as fast as the server
    answers)."""

    def __init__(self, rate, clock=time.monotonic):
        self.rate, self.clock = rate, clock
        self.lock = threading.Lock()
        self.period = 1.0 / rate if rate > 0 else 0.0
        self.next = None

    def wait(self, stop, sleep=True):
        """Takes the next slot and waits for it (not with sleep=False); False when stop is set."""
        if self.rate <= 0:
            return not stop.is_set()
        with self.lock:
            now = self.clock()
            if self.next is None or self.next < now - self.period:
                self.next = now  # first slot, or behind by more than one: no catching up
            at = self.next
            self.next += self.period
        delay = at - now
        if sleep and delay > 0:
            stop.wait(delay)
        return not stop.is_set()


def act_rate():
    """SOAK_ACT_RATE: acts a second for every client together (default 50; 0: unpaced)."""
    v = os.environ.get('SOAK_ACT_RATE', '50')
    try:
        rate = float(v)
    except ValueError:
        rate = -1
    if not rate >= 0 or rate > 100000:
        sys.exit(f'soak: SOAK_ACT_RATE={v!r}: give acts a second, a number from 0 (unpaced) '
                 'to 100000')
    return rate


def env_int(name, default, lo, hi):
    v = os.environ.get(name, str(default))
    if not v.isdigit() or not lo <= int(v) <= hi:
        sys.exit(f'soak: {name}={v!r}: give a whole number from {lo} to {hi}')
    return int(v)


def pace_words(rate):
    return f'{rate:g} acts/s' if rate > 0 else 'no rate (unpaced: as fast as the server answers)'


class Pool:
    """Level-1 records free to take out, and those taken out (approved) waiting to come back."""

    def __init__(self, ids):
        self.lock = threading.Lock()
        self.free, self.out = list(ids), []

    def take(self, which):
        with self.lock:
            lst = self.free if which == 'free' else self.out
            return lst.pop(0) if lst else None

    def put(self, which, rid):
        with self.lock:
            (self.free if which == 'free' else self.out).append(rid)


def act(c, cnt, what, method, path, body, want, pace, stop, sleep=True):
    """One act in its slot of the schedule (pace); st 0 without a request when stop came first."""
    if not pace.wait(stop, sleep):
        return 0, ''
    st, text = c.req(method, path, body=body)
    if st in want:
        cnt.add('acts')
    else:
        cnt.add('errors', why=f'{what}: {st} {text[:120]}')
    return st, text


def actor(port, token, ids, k, cnt, stop, pool, pace):
    """A staff member's acts, in a cycle of eight (see the module's comment)."""
    c = Client(port, token)
    n = 0
    while not stop.is_set():
        n += 1
        step = n % 8
        if step == 0:
            st, _ = act(c, cnt, 'register', 'POST', '/api/v1/records', {
                'register': 'asset', 'fields': {'title': f'soak {k}-{n}', 'level': '321'[n % 3],
                                                'section': 'zeimu', 'access_controlled': 'true'}},
                (200, 201), pace, stop)
            if st in (200, 201):
                cnt.add('created')
            continue
        if step in (1, 5):
            rid, action, want = ids['3'][n % len(ids['3'])], 'asset.transmit', (202,)
        elif step == 3 and (rid := pool.take('free')):
            st, _ = act(c, cnt, 'take_out', 'POST', f'/api/v1/records/{rid}/actions',
                        {'action': 'asset.take_out', 'comment': 'soak',
                         'fields': {'destination': '区民センター', 'purpose': '出張窓口'}},
                        (202,), pace, stop)
            if st != 202:
                pool.put('free', rid)
            continue
        elif step == 7 and (rid := pool.take('out')):
            st, _ = act(c, cnt, 'bring_back', 'POST', f'/api/v1/records/{rid}/actions',
                        {'action': 'asset.bring_back', 'comment': 'soak'}, (200,), pace, stop)
            pool.put('free' if st == 200 else 'out', rid)
            continue
        else:
            rid, action, want = ids['1'][n % len(ids['1'])], 'asset.transmit', (200,)
        act(c, cnt, action, 'POST', f'/api/v1/records/{rid}/actions',
            {'action': action, 'comment': 'soak'}, want, pace, stop)


def officer(port, token, ids, cnt, stop, pool, pace):
    """The security officer: approves every waiting request; now and then sets access rights."""
    c = Client(port, token)
    n = 0
    while not stop.is_set():
        st, text = c.req('GET', '/api/v1/requests?to_approve=1')
        if st != 200:
            cnt.add('errors', why=f'to_approve: {st} {text[:120]}')
            stop.wait(1)
            continue
        waiting = json.loads(text)['requests']
        for q in waiting:
            if stop.is_set():
                break
            st, _ = act(c, cnt, 'approve', 'POST', f'/api/v1/requests/{q["id"]}/approve',
                        {'comment': '承認します'}, (200,), pace, stop, False)
            if st == 200 and q['action'] == 'asset.take_out':
                pool.put('out', q['record'])
            n += 1
            if n % 20 == 0:
                rid = ids['2'][n % len(ids['2'])]
                act(c, cnt, 'set_access', 'POST', f'/api/v1/records/{rid}/actions',
                    {'action': 'asset.set_access', 'comment': 'soak',
                     'fields': {'access_rights': f'user:a{n % 4 + 1}'}}, (200,), pace, stop,
                    False)
        if not waiting:
            stop.wait(0.2)


def logger(port, cnt, stop):
    c = Client(port)
    while not stop.is_set():
        with cnt.login_lock:
            st = c.login('tanaka', PW)
        if st == 303:
            cnt.add('logins')
            st2, _ = c.req('GET', '/')
            if st2 != 200:
                cnt.add('errors', why=f'home after login: {st2}')
        else:
            cnt.add('errors', why=f'login: {st}')
        stop.wait(2)


def main():
    m = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else int(os.environ.get('SOAK_SECONDS', 600))
    # tests only (tests/faults/t0791-soak-short.sh): a shorter "minute" and a smaller ward
    tick = env_int('SOAK_MINUTE', 60, 1, 3600)
    nrec = env_int('SOAK_RECORDS', 2000, 100, 1000000)
    minutes = max(2, total // tick)
    rate = act_rate()
    if not shutil.which('wrk'):
        sys.exit('soak: wrk is missing (scripts/bootstrap)')
    tmp = tempfile.mkdtemp(prefix='mamori-soak.')
    d = f'{tmp}/w'
    srv = None
    stop = threading.Event()
    try:
        print(f'soak: building a ward of {nrec:,} records ...', flush=True)
        sh(m, d, 'init', '--profile', 'minato')
        sh(m, d, 'user', 'passwd', 'admin', '--password-stdin', stdin=ADMIN_PW + '\n')
        sh(m, d, 'section', 'add', 'zeimu', '--name', '税務課')
        for u in ('sato', 'suzuki', 'tanaka', 'a1', 'a2', 'a3', 'a4'):
            sh(m, d, 'user', 'add', u, '--name', u, '--section', 'zeimu', '--password-stdin',
               stdin=PW + '\n')
        sh(m, d, 'role', 'grant', 'suzuki', 'security_officer@section:zeimu')
        with open(f'{tmp}/r.csv', 'w', encoding='utf-8') as f:
            f.write('title,level,section,access_controlled\n')
            for i in range(nrec):
                f.write(f'文書 {i:05d},{"321"[i % 3]},zeimu,true\n')
        sh(m, d, 'record', 'import', 'asset', f'{tmp}/r.csv', '--as', 'sato')
        # level 3: transmitted (with approval); level 1: the first half transmitted, the rest
        # taken out and brought back; level 2: access rights set
        ids = {lv: [r['id'] for r in json.loads(sh(m, d, 'record', 'list', 'asset', '--level', lv,
                                                    '--json'))] for lv in '321'}
        pool = Pool(ids['1'][len(ids['1']) // 2:])
        ids['1'] = ids['1'][:len(ids['1']) // 2]
        srv = subprocess.Popen([m, '--dir', d, 'serve', '--listen', '127.0.0.1:0'],
                               stdout=subprocess.PIPE, stderr=open(f'{tmp}/serve.err', 'w'),
                               text=True)
        mm = None  # serve may first say where the ledger key is; the address follows
        for _ in range(20):
            line = srv.stdout.readline()
            mm = re.search(r'listening on http://[\d.]+:(\d+)/', line)
            if mm or not line:
                break
        if not mm:
            sys.exit('soak: the server did not start')
        port = int(mm.group(1))
        admin = Client(port)
        if admin.login('admin', ADMIN_PW) != 303:
            sys.exit('soak: admin login failed')
        tokens = []
        for u in ('a1', 'a2', 'a3', 'a4', 'suzuki'):
            _, t = admin.req('GET', '/admin/tokens')
            c = re.search(r'name="csrf" value="([^"]*)"', t).group(1)
            _, t = admin.req('POST', '/admin/tokens', form={'csrf': c, 'login': u, 'label': 'soak'})
            tokens.append(re.search(r'class="notice ok"[^<]*: ([A-Za-z0-9_-]{22})<', t).group(1))
        reader = Client(port)
        if reader.login('sato', PW) != 303:
            sys.exit('soak: reader login failed')
        cookie = f'mamori_session={reader.cookies["mamori_session"]}'
        # the reads: list pages as people page, sort, filter and search them, record pages and
        # the home page (the dashboard), each connection its own turn through them
        paths = ['/', '/registers/asset']
        for i in range(60):
            sort = ('-id', 'id', '-changed', 'level', 'state', 'section')[i % 6]
            paths.append(f'/registers/asset?sort={sort}&page={i % 10 + 1}')
            paths.append(f'/registers/asset?level={"321"[i % 3]}&page={i % 5 + 1}')
            paths.append(f'/records/{ids["3"][i % len(ids["3"])]}')
        paths.append('/registers/asset?q=' + urllib.parse.quote('文書 001'))
        with open(f'{tmp}/reads.lua', 'w', encoding='utf-8') as f:
            f.write('local paths = {\n' + ''.join(f'  "{p}",\n' for p in paths) + '}\n'
                    'local n = 0\nrequest = function()\n  n = n + 1\n'
                    '  return wrk.format(nil, paths[(n - 1) % #paths + 1])\nend\n')
        rss0 = rss_kib(srv.pid)
        cnt, pace = Counters(), Pacer(rate)
        threads = [threading.Thread(target=actor, args=(port, t, ids, k, cnt, stop, pool, pace))
                   for k, t in enumerate(tokens[:4] * 2)]
        threads += [threading.Thread(target=officer,
                                     args=(port, tokens[4], ids, cnt, stop, pool, pace)),
                    threading.Thread(target=logger, args=(port, cnt, stop))]
        for t in threads:
            t.daemon = True  # a soak that fails half-way still ends
            t.start()
        rows, rss_start, wal_max = [], None, 0
        print(f'soak: {minutes} minutes of load on 127.0.0.1:{port} (RSS after start '
              f'{rss0 / 1024:.1f} MiB)', flush=True)
        print(f'soak: acts paced at {pace_words(rate)} (SOAK_ACT_RATE: a ward\'s working day, the '
              'same on any machine); reads at full speed, a login every two seconds', flush=True)
        print(' min  reads/s  acts/s  logins  errors   RSS MiB   WAL MiB  records', flush=True)
        t_load = time.monotonic()
        for minute in range(1, minutes + 1):
            a0, l0, e0, t0 = cnt.acts, cnt.logins, cnt.errors, time.monotonic()
            w = subprocess.run(['wrk', '-t1', '-c4', f'-d{tick}s', '--timeout', '10s',
                                '-H', f'Cookie: {cookie}', '-s', f'{tmp}/reads.lua', f'http://127.0.0.1:{port}/'],
                               capture_output=True, text=True)
            got = re.search(r'Requests/sec:\s+([\d.]+)', w.stdout)
            if not got or srv.poll() is not None:
                # the server died (or wrk could not run): say so, with the server's last lines
                print(f'soak: FAILED in minute {minute}: the server '
                      + (f'stopped (exit {srv.returncode})' if srv.poll() is not None
                         else f'answered no reads ({(w.stderr or w.stdout).strip()[:200]})'))
                with open(f'{tmp}/serve.err', encoding='utf-8', errors='replace') as f:
                    for line in f.readlines()[-20:]:
                        print(f'soak: serve: {line.rstrip()}')
                return 1
            rps = float(got.group(1))
            bad = re.search(r'Non-2xx or 3xx responses: (\d+)', w.stdout)
            sockerr = re.search(r'Socket errors: (.*)', w.stdout)
            if bad:
                cnt.add('errors', int(bad.group(1)), why=f'reads: {bad.group(0)}')
            if sockerr:
                cnt.add('errors', why=f'reads: {sockerr.group(0)}')
            rss = rss_settled(srv.pid, cnt) if minute == 1 else rss_kib(srv.pid, cnt)
            if minute == 1:
                rss_start = rss
            wal = wal_bytes(d)
            wal_max = max(wal_max, wal)
            rows.append((minute, rps, (cnt.acts - a0) / (time.monotonic() - t0), cnt.logins - l0,
                         cnt.errors - e0, rss))
            print(f'{minute:4d} {rps:8.0f} {rows[-1][2]:7.1f} {rows[-1][3]:7d} {rows[-1][4]:7d}'
                  f' {rss / 1024:9.1f} {wal / 1048576:9.1f} {nrec + cnt.created:8d}', flush=True)
        rss_end = rss_settled(srv.pid, cnt)  # under load, as at the start
        t_load = time.monotonic() - t_load
        stop.set()
        for t in threads:
            t.join()
        hwm = status_kib(srv.pid, 'VmHWM')
        srv.terminate()
        srv.wait(timeout=60)
        srv = None
        v = subprocess.run([m, '--dir', d, 'ledger', 'verify'], capture_output=True, text=True)
        growth = (rss_end - rss_start) / rss_start * 100
        ok_rss, ok_err, ok_ledger = growth <= 10, cnt.errors == 0, v.returncode == 0
        print(f'soak: RSS at start (after minute 1) {rss_start / 1024:.1f} MiB, at the end '
              f'{rss_end / 1024:.1f} MiB: growth {growth:+.1f}% (at most 10%) '
              f'{"ok" if ok_rss else "FAILED"}; peak {hwm / 1024:.1f} MiB (logins included)')
        print(f'soak: write-ahead log at most {wal_max / 1048576:.1f} MiB at the minute marks')
        achieved = cnt.acts / t_load
        behind = rate > 0 and achieved < 0.9 * rate
        print(f'soak: acts {achieved:.1f}/s on average, paced at {pace_words(rate)}'
              + ('; BEHIND the rate: the server (or this machine) answered slower, so the soak '
                 'measured fewer acts than a ward\'s day' if behind else ''))
        print(f'soak: {cnt.acts} acts ({cnt.created} records registered: the ward grew from '
              f'{nrec:,} to {nrec + cnt.created:,} records), {cnt.logins} logins, '
              f'{sum(r[1] for r in rows) * tick:.0f} page reads; errors {cnt.errors} '
              f'{"ok" if ok_err else "FAILED"}')
        for w in cnt.why:
            print(f'soak:   {w}')
        if not ok_err:
            with open(f'{tmp}/serve.err', encoding='utf-8', errors='replace') as f:
                for line in f.readlines()[-20:]:
                    print(f'soak: serve: {line.rstrip()}')
        print(f'soak: ledger verify {"ok" if ok_ledger else "FAILED"}: '
              f'{(v.stdout or v.stderr).strip()}')
        return 0 if ok_rss and ok_err and ok_ledger else 1
    finally:
        stop.set()
        if srv:
            srv.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
