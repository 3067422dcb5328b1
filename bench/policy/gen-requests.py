#!/usr/bin/env python3
"""Writes N AuthZEN-shaped requests over bench/policy/scenario.yaml's registers and roles, for
bench/run-policy.sh when the peers (../shared/peers/policy) are not here: Mamori's decision
figures are then measured on this set instead of the peers' (no expected outcomes: unchecked).

usage: gen-requests.py N OUT.jsonl   (seed 42: the same set every run)"""
import json
import random
import sys

SECTIONS = ['soumu', 'kikaku', 'zeimu', 'koseki', 'kokuho', 'fukushi', 'kosodate', 'hoken',
            'kankyo', 'toshi']
SYSTEMS = ['juki', 'zeimu', 'kokuho', 'fukushi', 'lgwan']
EMPLOYMENT = [('職員', 65), ('会計年度任用職員', 20), ('派遣労働者', 10), ('受託事業者', 5)]
ACTIONS = {  # register: its actions (every register can be read)
    'asset': ['copy', 'send_media', 'transmit', 'take_out'],
    'iodata': ['dispose'],
    'media': ['dispose'],
    'device': ['modify', 'use_private'],
    'software': ['install'],
    'network': ['change'],
    'area': ['enter'],
}
TYPES = [('asset', 45), ('iodata', 5), ('media', 15), ('device', 12), ('software', 8),
         ('network', 5), ('area', 10)]


def weighted(rnd, pairs):
    return rnd.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rnd = random.Random(42)
    users = []
    for i in range(2000):
        emp = weighted(rnd, EMPLOYMENT)
        sec = rnd.choice(SECTIONS)
        roles = [] if emp == '受託事業者' else [f'staff@section:{sec}']
        if emp == '職員' and rnd.random() < 0.02:
            roles = [f'security_officer@section:{sec}']
        if emp == '職員' and rnd.random() < 0.01:
            roles.append(f'system_manager@system:{rnd.choice(SYSTEMS)}')
        if emp == '職員' and rnd.random() < 0.001:
            roles.append('system_chief@org')
        users.append({'id': f'u{i:05d}', 'roles': roles,
                      'section': '' if emp == '受託事業者' else sec, 'employment': emp})
    with open(out, 'w', encoding='utf-8') as f:
        for i in range(n):
            u = rnd.choice(users)
            rtype = weighted(rnd, TYPES)
            action = 'read' if rtype != 'iodata' and rnd.random() < 0.4 else rnd.choice(ACTIONS[rtype])
            sec = u['section'] if u['section'] and rnd.random() < 0.7 else rnd.choice(SECTIONS)
            res = {'type': rtype, 'id': f'r{i % 20000:06d}',
                   'level': weighted(rnd, [('3', 20), ('2', 50), ('1', 30)]),
                   'section': sec, 'system': rnd.choice(SYSTEMS)}
            f.write(json.dumps({'subject': u, 'action': {'name': f'{rtype}.{action}'},
                                'resource': res, 'context': {}}, ensure_ascii=False) + '\n')


main()
