#!/usr/bin/env python3
"""Count every TAP test case in meson's test logs (and extra TAP files); print 'N passed, N failed'.

    test-summary.py [--times] [--tally DIR] [--tsan FILE] TESTLOG.json [TESTLOG.json...] [EXTRA.tap...]

Each FILE.json is the log of one `meson test` run (make check runs three: scripts/check says
which); a missing log is a failure. Every other file is read as TAP.

--times prints each suite's time (the sum of its tests' durations) and its longest test, so the
make check budget (25 minutes) stays visible. --tally reads what the fault and crash tests
recorded (DIR/faults: "INJECTED LOST" lines, DIR/kills: "ROUNDS LOST" lines) and prints
"faults injected: N, acknowledged writes lost: M" and "server kills: N rounds, acknowledged acts
lost: M"; anything lost is a failure. --tsan reads scripts/tsan's "TESTS REPORTS" line and
prints "tsan: N tests, R reports"; a report is a failure. The last line is always
"N passed, N failed".
"""
import argparse
import json
import os
import re
import sys

OK = re.compile(r'^\s*ok\b')
NOT_OK = re.compile(r'^\s*not ok\b')
PLAN = re.compile(r'^\s*1\.\.(\d+)')


def count_tap(text):
    passed = failed = 0
    plan = None
    for line in text.splitlines():
        if NOT_OK.match(line):
            if '# TODO' in line:
                continue
            failed += 1
        elif OK.match(line):
            passed += 1
        else:
            m = PLAN.match(line)
            if m:
                plan = int(m.group(1))
    return passed, failed, plan


def suite_times(entries):
    suites = {}
    for e in entries:
        # "mamori:SUITE / name" (meson's test log names a test by project, suite and name)
        head = (e.get('name') or '?').split(' / ')[0]
        suite = head.split(':', 1)[-1] if ':' in head else head
        d = float(e.get('duration') or 0)
        t = suites.setdefault(suite, [0, 0.0, 0.0, ''])
        t[0] += 1
        t[1] += d
        if d > t[2]:
            t[2], t[3] = d, e.get('name', '')
    print('suite times (sum of the durations of each suite\'s tests):')
    total = 0.0
    for suite, (n, d, longest, name) in sorted(suites.items(), key=lambda x: -x[1][1]):
        total += d
        print(f'  {suite:<10} {n:4d} tests {d:8.1f} s   longest {longest:6.1f} s  {name}')
    print(f'  {"all":<10} {len(entries):4d} tests {total:8.1f} s')


def sum_tally(path):
    a = b = 0
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                p = line.split()
                if len(p) >= 2:
                    a += int(p[0])
                    b += int(p[1])
    except (OSError, ValueError):
        pass
    return a, b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--times', action='store_true')
    ap.add_argument('--tally')
    ap.add_argument('--tsan')
    ap.add_argument('files', nargs='+')
    args = ap.parse_args()
    logs = [p for p in args.files if p.endswith('.json')]
    extra = [p for p in args.files if not p.endswith('.json')]
    passed = failed = 0
    broken = []
    entries = []
    if not logs:
        logs = ['(none given)']
    for log in logs:
        try:
            with open(log, encoding='utf-8', errors='replace') as f:
                entries += [json.loads(line) for line in f if line.strip()]
        except OSError:
            broken.append(f'no test log {log}')
            failed += 1
    for e in entries:
        p, fl, plan = count_tap(e.get('stdout') or '')
        result = e.get('result', '')
        if p + fl == 0:
            # A test without TAP output counts as one case.
            if result in ('OK', 'EXPECTEDFAIL', 'SKIP'):
                p = 1
            else:
                fl = 1
        elif result not in ('OK', 'EXPECTEDFAIL', 'SKIP') and fl == 0:
            fl = 1  # crashed or timed out after its last reported case
            broken.append(f"{e.get('name')}: {result}")
        elif plan is not None and p + fl < plan:
            fl += plan - (p + fl)
            broken.append(f"{e.get('name')}: ran {p + fl} of {plan} planned")
        passed += p
        failed += fl
    for path in extra:
        with open(path, encoding='utf-8') as f:
            p, fl, _ = count_tap(f.read())
        passed += p
        failed += fl
    if args.times and entries:
        suite_times(entries)
    if args.tally is not None:
        inj, lost = sum_tally(os.path.join(args.tally, 'faults'))
        print(f'faults injected: {inj}, acknowledged writes lost: {lost}')
        rounds, lost_acts = sum_tally(os.path.join(args.tally, 'kills'))
        print(f'server kills: {rounds} rounds, acknowledged acts lost: {lost_acts}')
        if lost or lost_acts:
            failed += 1
            broken.append('acknowledged writes were lost')
    if args.tsan is not None:
        tests, reports = sum_tally(args.tsan)
        print(f'tsan: {tests} tests, {reports} reports')
        if reports or not tests:
            failed += 1
            broken.append('tsan: ' + ('reports (see build-tsan/tsan.*)' if tests else 'did not run'))
    for b in broken:
        print(f'broken: {b}')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


sys.exit(main())
