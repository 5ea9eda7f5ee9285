"""An independent count of the tables HANDGK3 (region × series × sex × age group × quarter) and HANDGK4
(municipality × children's series × year) straight from the case store's Parquet files (pyarrow), with
the reference data's CSV files, compared with every published cell of godkend's CSVs: a shown figure
must be the true one, `-` a true zero, and `..` is only allowed where a figure is small or protected
(that is checked elsewhere). Exit 0 when they agree.

python3 orakel.py STORE REFERENCE_DIR HANDGK3.csv HANDGK4.csv
"""
import csv
import datetime as dt
import glob
import os
import sys
from collections import defaultdict

import pyarrow.parquet as pq

store, ref, gk3, gk4 = sys.argv[1:5]


def rows(path, sep):
    with open(os.path.join(ref, path), encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=sep))


serie = {r["kode"]: r["serie"] for r in rows("ydelser.csv", ";")}
region = {int(r["kode"]): r["regionskode"] for r in rows("kommuner.csv", ",")}
groups = [(r["kode"], int(r["fra"])) for r in rows("aldersgrupper.csv", ";")]


def group(age):
    found = groups[0][0]
    for code, start in groups:
        if age >= start:
            found = code
    return found


def age(born, day):
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def quarter(label):
    y, q = int(label[:4]), int(label[5])
    first = dt.date(y, 3 * q - 2, 1)
    last = dt.date(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - dt.timedelta(days=1)
    return first, last


files = sorted(glob.glob(os.path.join(store, "sager", "*.parquet")))
assert all(f.endswith("-g1.parquet") for f in files), "only base files (no deltas) are read here"
cases = []
for f in files:
    t = pq.read_table(f).to_pylist()
    cases.extend(c for c in t if not c["slettet"] and c["ydelse"] in serie)
cases.sort(key=lambda c: (c["kommunekode"], c["sagsid"]))

with open(gk3, encoding="utf-8") as f:
    published3 = {tuple(r[:-1]): r[-1] for r in list(csv.reader(f, delimiter=";"))[1:]}
quarters = sorted({k[4] for k in published3})
# Each citizen once per (kommune, series, quarter), with the sex and birth date of the first case.
seen = {}
for c in cases:
    for label in quarters:
        first, last = quarter(label)
        if c["startdato"] <= last and (c["slutdato"] is None or c["slutdato"] >= first):
            seen.setdefault((c["kommunekode"], serie[c["ydelse"]], label, c["person"]), (c["koen"], c["foedselsdato"], last))
truth3 = defaultdict(int)
for (kommune, s, label, _), (koen, born, last) in seen.items():
    for area in ("000", region[kommune]):
        for sex in ("TOT", koen):
            for g in ("TOT", group(age(born, last))):
                truth3[(area, s, sex, g, label)] += 1

with open(gk4, encoding="utf-8") as f:
    published4 = {tuple(r[:-1]): r[-1] for r in list(csv.reader(f, delimiter=";"))[1:]}
years = sorted({int(k[2]) for k in published4})
persons = set()
for c in cases:
    for y in years:
        if c["startdato"] <= dt.date(y, 12, 31) and (c["slutdato"] is None or c["slutdato"] >= dt.date(y, 1, 1)):
            persons.add((c["kommunekode"], serie[c["ydelse"]], y, c["person"]))
truth4 = defaultdict(int)
for kommune, s, y, _ in persons:
    for area in ("000", region[kommune], f"{kommune:03}"):
        truth4[(area, s, str(y))] += 1

bad, shown = [], 0
for name, published, truth in (("HANDGK3", published3, truth3), ("HANDGK4", published4, truth4)):
    for key, v in published.items():
        want = truth.get(key, 0)
        if v == "..":
            continue
        shown += 1
        got = 0 if v == "-" else int(v)
        if got != want:
            bad.append((name, key, v, want))
print(f"{len(cases)} sager, {shown} viste celler sammenlignet, {len(bad)} forskelle")
for b in bad[:10]:
    print("  ", b)
sys.exit(0 if not bad and shown > 0 else 1)
