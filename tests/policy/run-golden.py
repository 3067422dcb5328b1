#!/usr/bin/env python3
"""Golden decisions: every case of tests/policy/<profile>/*.jsonl is one TAP test.

A case is one JSON object per line:
  {"name": "A1 copy L3 needs the SO", "covers": ["A1", "MIN-3-3-3"],
   "request": {...AuthZEN request...},
   "expect": {"decision": "approval", "approvers": ["security_officer@section:zeimu"],
              "clauses": ["MIN-3-3-3"], "rules": [...], "obligations": ["note"],
              "obligation_clauses": ["MIN-3-4-1"], "separation": ["applicant-not-approver"],
              "applicant_holds": true, "reason": "..."}}
decision, approvers and clauses are compared exactly (as sets); the other keys only when given
(missing: the context keys a fail-closed deny names, in order; assumed: the defaults used)
(obligations: those kinds must be present; obligation_clauses: those clauses must appear).
A case may instead check what carries a clause:
  {"name": "...", "covers": ["MIN-9-1-3"], "carried_by": {"MIN-9-1-3": ["separation auditor-not-auditee"]}}
(a carrier may name its strength too: "threat intentional:recorded").

After the cases, four more tests check completeness and honesty: every E clause of the profile (other than
those with a written reason) and every approval row named in <profile>/rows.txt is covered by at
least one case, and every choice the profile made where the text is silent (区の選択) that
decides something has a case it decides: each rule with a ward_choice is among some case's
deciding rules, each context key with a ward_choice default is assumed by some case; and no R
clause counts as carried while every field citing it is optional and read by no rule. Lines starting with '#' and blank lines are ignored.
"""
import json
import os
import subprocess
import sys


def load_cases(path):
    cases = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f'Bail out! {path}:{n}: {e}')
            case['_where'] = f'{os.path.basename(path)}:{n}'
            cases.append(case)
    return cases


def approver_strings(decision):
    return sorted(f"{a['role']}@{a['scope']}" for a in decision.get('approvers', []))


def check(case, got):
    """Returns a list of differences (empty when the case passes)."""
    exp = case['expect']
    diffs = []
    if 'error' in got:
        return [f"error: {got['error']}"]
    if got['decision'] != exp['decision']:
        diffs.append(f"decision {got['decision']!r}, expected {exp['decision']!r}")
    want_appr = sorted(exp.get('approvers', []))
    if approver_strings(got) != want_appr:
        diffs.append(f'approvers {approver_strings(got)}, expected {want_appr}')
    if sorted(got['clauses']) != sorted(exp.get('clauses', [])):
        diffs.append(f"clauses {got['clauses']}, expected {exp.get('clauses', [])}")
    if 'rules' in exp and sorted(got['rules']) != sorted(exp['rules']):
        diffs.append(f"rules {got['rules']}, expected {exp['rules']}")
    kinds = [o['kind'] for o in got.get('obligations', [])]
    for k in exp.get('obligations', []):
        if k not in kinds:
            diffs.append(f'obligation {k!r} missing (got {kinds})')
    ob_clauses = {c for o in got.get('obligations', []) for c in o.get('clauses', [])}
    for c in exp.get('obligation_clauses', []):
        if c not in ob_clauses:
            diffs.append(f'no obligation cites {c} (got {sorted(ob_clauses)})')
    if 'separation' in exp and got.get('separation', []) != exp['separation']:
        diffs.append(f"separation {got.get('separation', [])}, expected {exp['separation']}")
    if 'applicant_holds' in exp:
        holds = any(a.get('applicant_holds') for a in got.get('approvers', []))
        if holds != exp['applicant_holds']:
            diffs.append(f'applicant_holds {holds}, expected {exp["applicant_holds"]}')
    if 'acting_for' in exp and got.get('acting_for') != exp['acting_for']:
        diffs.append(f"acting_for {got.get('acting_for')}, expected {exp['acting_for']}")
    if 'missing' in exp and got.get('missing', []) != exp['missing']:
        diffs.append(f"missing {got.get('missing', [])}, expected {exp['missing']}")
    if 'assumed' in exp and got.get('assumed', {}) != exp['assumed']:
        diffs.append(f"assumed {got.get('assumed', {})}, expected {exp['assumed']}")
    if 'reason' in exp and got.get('reason') != exp['reason']:
        diffs.append(f"reason {got.get('reason')!r}, expected {exp['reason']!r}")
    return diffs


def main():
    mamori = os.environ.get('MAMORI') or sys.exit('Bail out! MAMORI is not set')
    profile = sys.argv[1]
    casedir = sys.argv[2]
    files = sorted(os.path.join(casedir, f) for f in os.listdir(casedir) if f.endswith('.jsonl'))
    cases = [c for f in files for c in load_cases(f)]
    decide_cases = [c for c in cases if 'request' in c]
    coverage_cases = [c for c in cases if 'carried_by' in c]

    stdin = ''.join(json.dumps(c['request'], ensure_ascii=False) + '\n' for c in decide_cases)
    run = subprocess.run([mamori, 'policy', 'decide', '--profile', profile, '--json'],
                         input=stdin.encode(), capture_output=True)
    out = run.stdout.decode().splitlines()
    if len(out) != len(decide_cases):
        sys.exit(f'Bail out! {len(out)} decisions for {len(decide_cases)} requests: '
                 f'{run.stderr.decode()}')
    cov = subprocess.run([mamori, 'policy', 'coverage', '--profile', profile, '--json'],
                         capture_output=True)
    coverage = json.loads(cov.stdout.decode())
    # "kind name", and "kind name:strength" to name the strength too
    carriers = {c['id']: [f"{k['kind']} {k['name']}" for k in c['carriers']] +
                [f"{k['kind']} {k['name']}:{k['strength']}" for k in c['carriers']]
                for c in coverage['clauses']}

    print(f'1..{len(cases) + 4}')
    n = 0
    decided_by, assumed = set(), set()
    for case, line in zip(decide_cases, out):
        n += 1
        got = json.loads(line)
        decided_by.update(got.get('rules', []))
        assumed.update(got.get('assumed', {}).keys())
        diffs = check(case, got)
        print(f"{'not ok' if diffs else 'ok'} {n} - {case['name']} ({case['_where']})")
        for d in diffs:
            print(f'#   {d}')
        if diffs:
            print(f'#   got: {line}')
    for case in coverage_cases:
        n += 1
        diffs = []
        for clause, want in case['carried_by'].items():
            for w in want:
                if w not in carriers.get(clause, []):
                    diffs.append(f'{clause} is not carried by {w!r} (carriers: {carriers.get(clause)})')
        print(f"{'not ok' if diffs else 'ok'} {n} - {case['name']} ({case['_where']})")
        for d in diffs:
            print(f'#   {d}')

    covered = {x for c in cases for x in c.get('covers', [])}
    e_clauses = [c['id'] for c in coverage['clauses'] if c['kind'] == 'E' and 'reason' not in c]
    missing = [c for c in e_clauses if c not in covered]
    n += 1
    print(f"{'not ok' if missing else 'ok'} {n} - every E clause of {profile} has a golden case "
          f'({len(e_clauses)} clauses)')
    for m in missing:
        print(f'#   no case covers {m}')
    rows = []
    rows_path = os.path.join(casedir, 'rows.txt')
    if os.path.exists(rows_path):
        with open(rows_path, encoding='utf-8') as f:
            rows = [l.split()[0] for l in f if l.strip() and not l.startswith('#')]
    missing = [r for r in rows if r not in covered]
    n += 1
    print(f"{'not ok' if missing or not rows else 'ok'} {n} - every approval row of {profile} "
          f'has a golden case ({len(rows)} rows)')
    for m in missing:
        print(f'#   no case covers {m}')
    # an R clause a field cites is kept by that field: if every field and value citing it is only
    # noted, a rule on who may act or the register does not make it carried
    unkept = [c['id'] for c in coverage['clauses']
              if c['kind'] == 'R' and not c['gap']
              and any(k['kind'] == 'field' for k in c['carriers'])
              and all(k['strength'] == 'noted' for k in c['carriers']
                      if k['kind'] in ('field', 'value'))]
    n += 1
    print(f"{'not ok' if unkept else 'ok'} {n} - no R clause of {profile} counts as carried while "
          f'the fields that cite it are kept by nobody')
    for m in unkept:
        print(f'#   {m} is carried, yet every field citing it is optional and read by no rule')
    chosen = [c['what'] for c in coverage['ward_choices']]
    missing = [w for w in chosen
               if (w.startswith('rule ') and w[5:] not in decided_by)
               or (w.startswith('context ') and w[8:] not in assumed)]
    n += 1
    print(f"{'not ok' if missing else 'ok'} {n} - every rule and context default {profile} chose "
          f'where the text is silent decides a golden case '
          f"({sum(w.split()[0] in ('rule', 'context') for w in chosen)} choices)")
    for m in missing:
        print(f'#   no case is decided by {m}')


main()
