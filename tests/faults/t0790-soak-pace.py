#!/usr/bin/env python3
"""t0790-soak-pace: the soak's act schedule (scripts/soak.py, Pacer and SOAK_ACT_RATE): all
clients together keep to the rate, a client that fell behind does not burst to catch up, the
officer's decisions take slots without waiting, rate 0 is unpaced, a stop ends a wait, and a bad
SOAK_ACT_RATE is refused with a clear message. Real time with wide margins (a loaded machine)."""
import importlib.util
import os
import sys
import threading
import time

spec = importlib.util.spec_from_file_location(
    'soak', os.path.join(os.environ['MAMORI_SRCDIR'], 'scripts', 'soak.py'))
soak = importlib.util.module_from_spec(spec)
spec.loader.exec_module(soak)

n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(f'{"ok" if cond else "not ok"} {n} - {what}', flush=True)


print('1..9')

# four clients for one second at 100 acts/s: about 100 slots, never more than the rate allows
pace, stop, got = soak.Pacer(100), threading.Event(), [0] * 4


def client(k, until):
    while time.monotonic() < until and pace.wait(stop):
        got[k] += 1


until = time.monotonic() + 1.0
ts = [threading.Thread(target=client, args=(k, until)) for k in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
ok(sum(got) <= 106, f'4 clients at 100/s for 1 s take at most the rate\'s slots ({sum(got)})')
ok(sum(got) >= 60, f'... and about the rate ({sum(got)}, at least 60 on a loaded machine)')

# a client stalled for half a second (a slow answer) does not then burst through the 50 lost
# slots: the schedule restarts from now
pace = soak.Pacer(100)
pace.wait(stop)
time.sleep(0.5)
t0, k = time.monotonic(), 0
while time.monotonic() - t0 < 0.1:
    pace.wait(stop)
    k += 1
ok(k <= 13, f'after a 0.5 s stall, 0.1 s at 100/s takes about 10 slots, not 60 ({k})')

# the officer's decisions take the next slots at once; the staff's next act waits for them
pace = soak.Pacer(100)
t0 = time.monotonic()
for _ in range(20):
    pace.wait(stop, sleep=False)
ok(time.monotonic() - t0 < 0.1, 'sleep=False takes 20 slots without waiting')
t0 = time.monotonic()
pace.wait(stop)
ok(time.monotonic() - t0 >= 0.15, f'the next act waits for them ({time.monotonic() - t0:.2f} s)')

# rate 0: unpaced
pace = soak.Pacer(0)
t0 = time.monotonic()
for _ in range(10000):
    pace.wait(stop)
ok(time.monotonic() - t0 < 1.0, 'rate 0 does not pace (10,000 acts at once)')

# a stop ends a long wait at once, and wait says so
pace = soak.Pacer(0.1)
pace.wait(stop)
threading.Timer(0.1, stop.set).start()
t0 = time.monotonic()
r = pace.wait(stop)
ok(r is False and time.monotonic() - t0 < 2, 'a stop ends a 10 s wait and wait returns False')

# SOAK_ACT_RATE
rates = {}
for v in (None, '0', '12.5'):
    if v is None:
        os.environ.pop('SOAK_ACT_RATE', None)
    else:
        os.environ['SOAK_ACT_RATE'] = v
    rates[v] = soak.act_rate()
ok(rates == {None: 50, '0': 0, '12.5': 12.5}, f'SOAK_ACT_RATE: default 50, 0, 12.5 ({rates})')
bad = []
for v in ('', 'fast', '-1', 'nan', 'inf', '1e9'):
    os.environ['SOAK_ACT_RATE'] = v
    try:
        soak.act_rate()
        bad.append(f'{v!r} accepted')
    except SystemExit as e:
        if 'SOAK_ACT_RATE' not in str(e) or 'acts a second' not in str(e):
            bad.append(f'{v!r}: {e}')
ok(not bad, 'SOAK_ACT_RATE "", fast, -1, nan, inf, 1e9 refused, saying what to give ' + str(bad))
sys.exit(1 if failed else 0)
