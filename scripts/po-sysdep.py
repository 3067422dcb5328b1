#!/usr/bin/env python3
"""po-sysdep.py IN.po OUT.po NAME=VALUE...: the catalogue with <inttypes.h> macros in formats
("%<PRId64>", as xgettext writes "%" PRId64) replaced by what they are on the build's platform
("%ld"), so that the embedded catalogue's plain lookup (src/web/i18n.c) finds the message the
program formats at run time. GNU gettext keeps such messages in a table of system-dependent
strings that only libintl expands; Mamori reads the .mo itself."""
import re
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    macros = dict(a.split('=', 1) for a in sys.argv[3:])
    text = open(src, encoding='utf-8').read()

    def expand(m):
        name = m.group(1)
        if name not in macros:
            sys.exit(f'po-sysdep.py: {src}: <{name}> is not given on the command line')
        return macros[name]

    text = re.sub(r'<(PRI[diouxX](?:8|16|32|64|MAX|PTR))>', expand, text)
    with open(out, 'w', encoding='utf-8') as f:
        f.write(text)


main()
