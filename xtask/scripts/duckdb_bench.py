"""The peer of `cargo xtask bench`: DuckDB on the same delivery files as godkend, three steps timed apart.

1. read: every delivery (CSV with read_csv, Parquet with read_parquet) into one table;
2. keep the last version: per (kommunekode, sagsid) the row of the newest delivery (month, then sequence
   number), deletions dropped;
3. count: distinct citizens per kommune × service × quarter of the window (range join on the quarters).

It does less than godkend (no validation, no pseudonymisation, no receipts, no merged periods, no flags)
and is the yardstick, not a check. Prints one line per step: `duckdb <step> <seconds>`.

usage: python3 duckdb_bench.py DELIVERIES FIRST_QUARTER_YEAR LAST_YEAR
"""
import glob
import os
import sys
import time

import duckdb

folder, first_year, last_year = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
csv = sorted(glob.glob(os.path.join(folder, "*.csv")))
parquet = sorted(glob.glob(os.path.join(folder, "*.parquet")))
con = duckdb.connect()
cols = "kommunekode, sagsid, cpr, udlaendingenr, ydelse, startdato, slutdato, slettet"

t = time.perf_counter()
parts = []
if csv:
    files = ", ".join(f"'{f}'" for f in csv)
    parts.append(
        f"SELECT {cols}, filename FROM read_csv([{files}], delim=';', header=true, all_varchar=true, "
        f"filename=true, union_by_name=true)"
    )
if parquet:
    files = ", ".join(f"'{f}'" for f in parquet)
    parts.append(
        f"SELECT {', '.join(f'CAST({c} AS VARCHAR) AS {c}' for c in cols.split(', '))}, filename "
        f"FROM read_parquet([{files}], filename=true, union_by_name=true)"
    )
con.execute("CREATE TABLE raw AS " + " UNION ALL ".join(parts))
rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]
print(f"duckdb read {time.perf_counter() - t:.2f} {rows}")

t = time.perf_counter()
con.execute(r"""
CREATE TABLE live AS
WITH v AS (
  SELECT *,
    regexp_extract(filename, '_(\d{4})-(\d{2})(?:_(\d+))?\.', 1) || regexp_extract(filename, '_(\d{4})-(\d{2})(?:_(\d+))?\.', 2)
      || lpad(coalesce(nullif(regexp_extract(filename, '_(\d{4})-(\d{2})(?:_(\d+))?\.', 3), ''), '1'), 2, '0') AS version
  FROM raw),
last AS (
  SELECT * FROM v QUALIFY row_number() OVER (PARTITION BY kommunekode, sagsid ORDER BY version DESC) = 1)
SELECT kommunekode, coalesce(nullif(cpr, ''), udlaendingenr) AS person, ydelse,
       TRY_CAST(startdato AS DATE) AS st, coalesce(TRY_CAST(nullif(slutdato, '') AS DATE), DATE '9999-12-31') AS sl
FROM last WHERE coalesce(slettet, '') <> '1'
""")
print(f"duckdb keep-last {time.perf_counter() - t:.2f}")

t = time.perf_counter()
con.execute("CREATE TABLE q (s DATE, e DATE)")
con.executemany(
    "INSERT INTO q VALUES (?, ?)",
    [
        (f"{y}-{3 * k - 2:02d}-01", f"{y + (k == 4)}-{(3 * k + 1) % 12 or 12:02d}-01")
        for y in range(first_year, last_year + 1)
        for k in range(1, 5)
    ],
)
cells = con.execute("""
SELECT count(*) FROM (
  SELECT kommunekode, ydelse, q.s, count(DISTINCT person) AS n
  FROM live JOIN q ON live.st < q.e AND live.sl >= q.s
  GROUP BY kommunekode, ydelse, q.s)
""").fetchone()[0]
print(f"duckdb count {time.perf_counter() - t:.2f} {cells}")
