"""The peer of `cargo xtask bench`: DuckDB on the same delivery files as godkend, three steps timed apart.

1. read: every delivery (CSV with read_csv, Parquet with read_parquet) into one table;
2. keep the last version: per (kommunekode, sagsid) the row of the newest delivery (month, then sequence
   number), deletions dropped;
3. count: distinct citizens per kommune × service × quarter of the window (each case unnested to its quarters).

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
    # The delivery format is fixed (docs/leveringer.md): no sniffing of 13,000 files.
    names = "kommunekode sagsid cpr udlaendingenr foedselsdato koen ydelse maalgruppe startdato slutdato slettet"
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in names.split()) + "}"
    parts.append(
        f"SELECT {cols}, filename FROM read_csv([{files}], delim=';', header=true, auto_detect=false, "
        f"columns={columns}, filename=true)"
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
# A delivery's version from its name (`<kode>_<YYYY-MM>[_N]`): one row per file, joined, not parsed per row.
versions = []
for f in csv + parquet:
    stem = os.path.basename(f).rsplit(".", 1)[0].split("_")
    seq = int(stem[2]) if len(stem) > 2 else 1
    versions.append((f, int(stem[1].replace("-", "")) * 100 + seq))
con.execute("CREATE TABLE v (filename VARCHAR, version INTEGER)")
con.executemany("INSERT INTO v VALUES (?, ?)", versions)
con.execute("""
CREATE TABLE live AS
WITH last AS (
  SELECT raw.*, v.version FROM raw JOIN v USING (filename)
  QUALIFY row_number() OVER (PARTITION BY kommunekode, sagsid ORDER BY v.version DESC) = 1)
SELECT kommunekode, coalesce(nullif(cpr, ''), udlaendingenr) AS person, ydelse,
       year(TRY_CAST(startdato AS DATE)) * 4 + (month(TRY_CAST(startdato AS DATE)) - 1) // 3 AS qa,
       coalesce(year(TRY_CAST(nullif(slutdato, '') AS DATE)) * 4 + (month(TRY_CAST(nullif(slutdato, '') AS DATE)) - 1) // 3,
                100000) AS qb
FROM last WHERE coalesce(slettet, '') <> '1'
""")
print(f"duckdb keep-last {time.perf_counter() - t:.2f}")

t = time.perf_counter()
first, last = first_year * 4, last_year * 4 + 3
cells = con.execute(f"""
SELECT count(*) FROM (
  SELECT kommunekode, ydelse, q, count(DISTINCT person) AS n
  FROM (SELECT kommunekode, ydelse, person,
               unnest(range(greatest(qa, {first}), least(qb, {last}) + 1)) AS q
        FROM live WHERE qb >= {first} AND qa <= {last})
  GROUP BY kommunekode, ydelse, q)
""").fetchone()[0]
print(f"duckdb count {time.perf_counter() - t:.2f} {cells}")
