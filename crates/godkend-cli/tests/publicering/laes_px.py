"""Reads a PX file with an independent reader (pyaxis, from PyPI) and compares every value with the CSV
godkend wrote beside it. Exit 0 when they agree; prints the first differences otherwise.

python3 laes_px.py TABLE.px TABLE.csv
"""
import csv
import sys

from pyaxis import pyaxis

px_path, csv_path = sys.argv[1], sys.argv[2]
px = pyaxis.parse(uri=px_path, encoding="utf-8")
meta = px["METADATA"]
df = px["DATA"]
codes = {name: meta[f"CODES({name})"] for name in ("område", "ydelse", "tid")}
texts = {name: meta[f"VALUES({name})"] for name in ("område", "ydelse", "tid")}
to_code = {name: dict(zip(texts[name], codes[name])) for name in codes}
from_px = {}
for row in df.itertuples(index=False):
    key = (to_code["område"][row[0]], to_code["ydelse"][row[1]], to_code["tid"][row[2]])
    value = row[3]
    # pyaxis reads the PX symbol ".." (suppressed) as a missing value.
    from_px[key] = ".." if value != value or value is None or str(value) in ("nan", "None") else str(value).strip('"')
with open(csv_path, encoding="utf-8") as f:
    from_csv = {(r["omraade"], r["ydelse"], r["kvartal"]): r["vaerdi"] for r in csv.DictReader(f, delimiter=";")}
diff = [(k, from_px.get(k), v) for k, v in from_csv.items() if from_px.get(k) != v]
print(f"{len(from_px)} værdier i PX, {len(from_csv)} i CSV, {len(diff)} forskelle")
for d in diff[:10]:
    print("  ", d)
sys.exit(0 if not diff and len(from_px) == len(from_csv) else 1)
