"""Reads a PX file with an independent reader (pyaxis, from PyPI) and compares every value with the CSV
godkend wrote beside it (its key columns are the PX variables in STUB, HEADING order). Exit 0 when they
agree; prints the first differences otherwise.

python3 laes_px.py TABLE.px TABLE.csv
"""
import csv
import sys

from pyaxis import pyaxis

px_path, csv_path = sys.argv[1], sys.argv[2]
px = pyaxis.parse(uri=px_path, encoding="utf-8")
meta = px["METADATA"]
df = px["DATA"]
names = meta["STUB"] + meta["HEADING"]
to_code = {name: dict(zip(meta[f"VALUES({name})"], meta[f"CODES({name})"])) for name in names}
from_px = {}
for row in df.itertuples(index=False):
    key = tuple(to_code[name][row[i]] for i, name in enumerate(names))
    value = row[len(names)]
    # pyaxis reads the PX symbol ".." (suppressed) as a missing value.
    from_px[key] = ".." if value != value or value is None or str(value) in ("nan", "None") else str(value).strip('"')
with open(csv_path, encoding="utf-8") as f:
    reader = csv.reader(f, delimiter=";")
    header = next(reader)
    assert header[-1] == "vaerdi" and len(header) == len(names) + 1, (header, names)
    from_csv = {tuple(r[:-1]): r[-1] for r in reader}
diff = [(k, from_px.get(k), v) for k, v in from_csv.items() if from_px.get(k) != v]
print(f"{len(from_px)} værdier i PX, {len(from_csv)} i CSV, {len(diff)} forskelle")
for d in diff[:10]:
    print("  ", d)
sys.exit(0 if not diff and len(from_px) == len(from_csv) else 1)
