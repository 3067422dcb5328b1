#!/usr/bin/env python3
"""list-mix.py OUT_DIR N: the bounded URL mix of the record list benchmark (bench/run-web.sh).

Writes OUT_DIR/mix.lua (a wrk script sending the N paths in turn, every request another page,
filter, sort or search of /registers/asset) and OUT_DIR/mix.sql (the SQL the server runs for
each: the filter's count and the page, as src/core/records.c writes them, without the read
decision: what SQLite alone needs, the reference row)."""
import random
import sys
import urllib.parse

out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(17)
PAGE = 50  # src/web/ui-registers.c PAGE_SIZE
SORTS = {
    "-id": "id DESC", "id": "id", "-changed": "changed_ms DESC, id DESC",
    "changed": "changed_ms, id", "level": "level, id", "-level": "level DESC, id DESC",
    "section": "section, id", "-section": "section DESC, id DESC", "state": "state, id",
    "-state": "state DESC, id DESC",
}
FILTERS = [
    {}, {"level": "3"}, {"level": "2"}, {"level": "1"}, {"section": "zeimu"},
    {"section": "kumin"}, {"state": "active"}, {"level": "3", "section": "kumin"},
    {"q": "文書 00012"}, {"q": "kumin 文書 0421"}, {"q": "01234"},
]
COLS = ("id, register, state, level, section, system, fields, version, created_ms, "
        "changed_ms, coalesce(created_by, 0)")


def lit(v):
    return "NULL" if v is None else "'" + v.replace("'", "''") + "'"


def where(f):
    like = None
    if f.get("q"):
        like = "%" + f["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    lv, sec, st = lit(f.get("level")), lit(f.get("section")), lit(f.get("state"))
    # a search of 3 characters or more goes through the trigram index first (schema/0018)
    head = " FROM records WHERE register = 'asset'"
    if f.get("q") and len(f["q"]) >= 3 and not set(f["q"]) & set("%_\\"):
        head = (f" FROM records WHERE id IN (SELECT rowid FROM records_text WHERE text LIKE"
                f" {lit('%' + f['q'] + '%')}) AND +register = 'asset'")
    return (f"{head} AND ({lv} IS NULL OR level = {lv})"
            f" AND ({sec} IS NULL OR section = {sec}) AND ({st} IS NULL OR state = {st})"
            f" AND ({lit(like)} IS NULL OR EXISTS (SELECT 1 FROM json_each(records.fields) t"
            f" WHERE t.value LIKE {lit(like)} ESCAPE '\\'))")


paths, sql = [], []
for i in range(n):
    f = rng.choice(FILTERS)
    sort = rng.choice(list(SORTS))
    page = rng.randint(1, 40)
    query = dict(f, sort=sort, page=str(page))
    paths.append("/registers/asset?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote))
    sql.append(f"SELECT count(*){where(f)};")
    sql.append(f"SELECT {COLS}{where(f)} ORDER BY {SORTS[sort]} LIMIT {PAGE} OFFSET "
               f"{(page - 1) * PAGE};")
with open(f"{out}/mix.lua", "w", encoding="utf-8") as fp:
    fp.write("local paths = {\n")
    for p in paths:
        fp.write(f'  "{p}",\n')
    fp.write("}\nlocal n = 0\nrequest = function()\n  n = n + 1\n"
             "  return wrk.format(nil, paths[(n - 1) % #paths + 1])\nend\n")
with open(f"{out}/mix.sql", "w", encoding="utf-8") as fp:
    fp.write("\n".join(sql) + "\n")
