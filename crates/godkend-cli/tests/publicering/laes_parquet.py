"""Reads a publication table's Parquet file with pyarrow and compares every cell with the CSV godkend
wrote beside it (`..` ↔ null and status skjult, `-` ↔ 0 and status nul; the key columns are the CSV's
columns before `vaerdi`). Exit 0 when they agree.

python3 laes_parquet.py TABLE.parquet TABLE.csv
"""
import csv
import sys

import pyarrow.parquet as pq

table = pq.read_table(sys.argv[1]).to_pydict()
with open(sys.argv[2], encoding="utf-8") as f:
    reader = csv.reader(f, delimiter=";")
    header = next(reader)
    keys = header[:-1]
    from_csv = {tuple(r[:-1]): r[-1] for r in reader}
assert list(table) == keys + ["vaerdi", "status"], (list(table), keys)
diff = []
n = len(table["vaerdi"])
for i in range(n):
    key = tuple(table[k][i] for k in keys)
    v, status = table["vaerdi"][i], table["status"][i]
    shown = ".." if v is None else "-" if status == "nul" else v
    want = from_csv.get(key)
    if want is None or (shown == ".." or shown == "-") and shown != want or shown not in ("..", "-") and abs(float(want) - shown) > 1e-9:
        diff.append((key, shown, want, status))
print(f"{n} rækker i Parquet, {len(from_csv)} i CSV, {len(diff)} forskelle")
for d in diff[:10]:
    print("  ", d)
sys.exit(0 if not diff and n == len(from_csv) else 1)
