#!/usr/bin/env python3
"""Packs a `mamori ledger export` directory into one file for fuzz/fuzz-verify-offline.c:
records of a 1-byte name length, the name, a 4-byte big-endian length and the data.

    python3 tests/ledger/pack-export.py EXPORT-DIR OUT-FILE
"""
import os
import sys

root, out = sys.argv[1], sys.argv[2]
with open(out, 'wb') as f:
    for d, _, names in sorted(os.walk(root)):
        for n in sorted(names):
            rel = os.path.relpath(os.path.join(d, n), root)
            if rel in ('README.md', 'verify.py'):
                continue
            data = open(os.path.join(d, n), 'rb').read()
            f.write(bytes([len(rel)]) + rel.encode() + len(data).to_bytes(4, 'big') + data)
