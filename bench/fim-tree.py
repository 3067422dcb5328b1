#!/usr/bin/env python3
# The file integrity benchmark's tree when ../shared/peers/fim is not here: 20,000 files, about
# 1 GiB, in 20 x 50 directories (18,000 config-like files of 0.5-20 KiB, 1,900 of 100-300 KiB,
# 100 of 4-5 MiB), deterministic sizes, random contents. Prints "files N bytes B".
import os
import random
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "fimtree"
rnd = random.Random(14)
sizes = [rnd.randint(512, 20 * 1024) for _ in range(18000)]
sizes += [rnd.randint(100 * 1024, 300 * 1024) for _ in range(1900)]
sizes += [rnd.randint(4 * 1024 * 1024, 5 * 1024 * 1024) for _ in range(100)]
rnd.shuffle(sizes)
pool = os.urandom(6 * 1024 * 1024)
total = 0
for i, size in enumerate(sizes):
    d = os.path.join(root, "d%02d" % (i % 20), "s%02d" % ((i // 20) % 50))
    os.makedirs(d, exist_ok=True)
    off = rnd.randint(0, len(pool) - size - 1)
    with open(os.path.join(d, "f%05d.dat" % i), "wb") as f:
        f.write(pool[off:off + size])
    total += size
print("files", len(sizes), "bytes", total)
