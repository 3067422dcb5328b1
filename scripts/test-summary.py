#!/usr/bin/env python3
"""Count every TAP test case in meson's testlog.json (and extra TAP files); print 'N passed, N failed'."""
import json
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


def main():
    log, extra = sys.argv[1], sys.argv[2:]
    passed = failed = 0
    broken = []
    try:
        with open(log, encoding='utf-8', errors='replace') as f:
            entries = [json.loads(line) for line in f if line.strip()]
    except OSError:
        entries = []
        broken.append('no test log')
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
    for b in broken:
        print(f'broken: {b}')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


sys.exit(main())
