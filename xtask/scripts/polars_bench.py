"""The second peer of `cargo xtask bench`: polars (Python, lazy, all cores) on the same delivery files
as godkend, the same three steps as `duckdb_bench.py`, timed apart.

1. read: every delivery (CSV with scan_csv, all columns as text; Parquet with scan_parquet, cast to text)
   into one frame;
2. keep the last version: per (kommunekode, sagsid) the row of the newest delivery (month, then sequence
   number), deletions dropped;
3. count: distinct citizens per kommune × service × quarter of the window (each case exploded to its
   quarters).

It does less than godkend (no validation, no pseudonymisation, no receipts, no merged periods, no flags)
and is the yardstick, not a check. Prints one line per step: `polars <step> <seconds>`.

usage: python3 polars_bench.py DELIVERIES FIRST_QUARTER_YEAR LAST_YEAR
"""
import glob
import os
import sys
import time

import polars as pl

folder, first_year, last_year = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
csv = sorted(glob.glob(os.path.join(folder, "*.csv")))
parquet = sorted(glob.glob(os.path.join(folder, "*.parquet")))
names = "kommunekode sagsid cpr udlaendingenr foedselsdato koen ydelse maalgruppe startdato slutdato slettet".split()
cols = ["kommunekode", "sagsid", "cpr", "udlaendingenr", "ydelse", "startdato", "slutdato", "slettet"]

t = time.perf_counter()
parts = []
if csv:
    # The delivery format is fixed (docs/leveringer.md): no schema inference over 13,000 files.
    parts.append(
        pl.scan_csv(csv, separator=";", schema={c: pl.String for c in names}, include_file_paths="filename")
        .select(cols + ["filename"])
    )
for f in parquet:
    lf = pl.scan_parquet(f)
    have = lf.collect_schema().names()
    parts.append(
        lf.select([pl.col(c).cast(pl.String) if c in have else pl.lit(None, pl.String).alias(c) for c in cols])
        .with_columns(pl.lit(f).alias("filename"))
    )
raw = pl.concat(parts, how="vertical").collect()
print(f"polars read {time.perf_counter() - t:.2f} {raw.height}")

t = time.perf_counter()
# A delivery's version from its name (`<kode>_<YYYY-MM>[_N]`): one row per file, joined, not parsed per row.
versions = []
for f in csv + parquet:
    stem = os.path.basename(f).rsplit(".", 1)[0].split("_")
    seq = int(stem[2]) if len(stem) > 2 else 1
    versions.append((f, int(stem[1].replace("-", "")) * 100 + seq))
v = pl.DataFrame(versions, schema={"filename": pl.String, "version": pl.Int32}, orient="row")


def quarter(c):
    d = pl.col(c).str.to_date("%Y-%m-%d", strict=False)
    return d.dt.year().cast(pl.Int32) * 4 + (d.dt.month().cast(pl.Int32) - 1) // 3


live = (
    raw.lazy()
    .join(v.lazy(), on="filename")
    .sort("version")
    .group_by(["kommunekode", "sagsid"])
    .last()
    .filter(pl.col("slettet").fill_null("") != "1")
    .select(
        "kommunekode",
        pl.coalesce(pl.when(pl.col("cpr") != "").then(pl.col("cpr")), pl.col("udlaendingenr")).alias("person"),
        "ydelse",
        quarter("startdato").alias("qa"),
        quarter("slutdato").fill_null(100000).alias("qb"),
    )
    .collect()
)
print(f"polars keep-last {time.perf_counter() - t:.2f}")

t = time.perf_counter()
first, last = first_year * 4, last_year * 4 + 3
cells = (
    live.lazy()
    .filter((pl.col("qb") >= first) & (pl.col("qa") <= last))
    .with_columns(pl.int_ranges(pl.max_horizontal("qa", pl.lit(first)), pl.min_horizontal("qb", pl.lit(last)) + 1).alias("q"))
    .explode("q")
    .group_by(["kommunekode", "ydelse", "q"])
    .agg(pl.col("person").n_unique().alias("n"))
    .collect()
)
print(f"polars count {time.perf_counter() - t:.2f} {cells.height}")
