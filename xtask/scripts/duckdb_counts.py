"""Independent recount of the report JSONs with DuckDB (plain SQL over the case store).

Written separately from godkend's polars code: merged periods by gaps-and-islands window functions,
quarters by a range join. Compares recipients and full-time equivalents of every series and quarter
in every <kode>-<år>.json of OUT with the recount, and prints the time DuckDB took.

usage: python3 duckdb_counts.py STORE OUT REFERENCE_DIR
"""
import glob
import json
import os
import sys
import time

import duckdb

store, out, ref = sys.argv[1:4]
reports = sorted(glob.glob(os.path.join(out, "[0-9][0-9][0-9]-[0-9][0-9][0-9][0-9].json")))
if not reports:
    sys.exit(f"no report JSON in {out}")
quarters = sorted({kv for path in reports for kv in json.load(open(path))["kvartaler"]})
# The store's manifest names the committed case files (older generations may still lie beside them).
manifest = json.load(open(os.path.join(store, "godkend-store.json")))
case_files = ", ".join(f"'{os.path.join(store, f)}'" for f in sorted(manifest["sager"].values()))

con = duckdb.connect()
start = time.perf_counter()
con.execute(f"""
CREATE TABLE y AS SELECT kode, serie FROM read_csv('{ref}/ydelser.csv', delim=';', header=true, all_varchar=true);
CREATE TABLE c AS
  SELECT s.kommunekode AS k, y.serie, s.person, s.startdato AS st, coalesce(s.slutdato, DATE '9999-12-31') AS sl
  FROM read_parquet([{case_files}]) s JOIN y ON s.ydelse = y.kode
  WHERE NOT s.slettet;
CREATE TABLE m AS
  WITH o AS (
    SELECT *, max(sl) OVER (PARTITION BY k, serie, person ORDER BY st, sl
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM c),
  b AS (
    SELECT *, sum(CASE WHEN reach IS NULL OR st > reach + 1 THEN 1 ELSE 0 END)
              OVER (PARTITION BY k, serie, person ORDER BY st, sl ROWS UNBOUNDED PRECEDING) AS blk
    FROM o)
  SELECT k, serie, person, min(st) AS st, max(sl) AS sl FROM b GROUP BY k, serie, person, blk;
""")
rows = []
for kv in quarters:
    y, q = int(kv[:4]), int(kv[5])
    rows.append((kv, f"{y}-{3*q-2:02d}-01"))
con.execute("CREATE TABLE q (kv VARCHAR, s DATE)")
con.executemany("INSERT INTO q VALUES (?, ?)", rows)
result = con.execute("""
  WITH qq AS (SELECT kv, s, (s + INTERVAL 3 MONTH)::DATE - 1 AS e FROM q)
  SELECT k, serie, kv, count(DISTINCT person) AS n,
         sum(least(sl, e) - greatest(st, s) + 1) / max(e - s + 1) AS fte
  FROM m JOIN qq ON m.st <= qq.e AND m.sl >= qq.s
  GROUP BY k, serie, kv
""").fetchall()
took = time.perf_counter() - start
counts = {(k, serie, kv): (n, fte) for k, serie, kv, n, fte in result}

problems = 0
figures = 0
for path in reports:
    r = json.load(open(path))
    for s in r["serier"]:
        for t in s["kvartaler"]:
            n, fte = counts.get((r["kommunekode"], s["serie"], t["kvartal"]), (0, 0.0))
            figures += 1
            if n != t["modtagere"] or abs(round(fte, 2) - t["helaarsaekvivalenter"]) > 0.0051:
                problems += 1
                if problems <= 20:
                    print(f"{os.path.basename(path)} {s['serie']} {t['kvartal']}: godkend {t['modtagere']}/{t['helaarsaekvivalenter']}, duckdb {n}/{fte:.2f}")
print(f"{len(reports)} rapporter, {figures} tal sammenlignet med DuckDB: {problems} afvigelser (DuckDB-optælling {took:.2f} s)")
sys.exit(1 if problems else 0)
