"""A k-fold national set from the bench's deliveries, for measuring how godkend scales.

    python3 xtask/scripts/mangfold.py SRC DST K

Every delivery in SRC is written to DST with its rows and K-1 copies of them. A copy j has the sagsid
`<sagsid>-x<j>`, the udlaendingenr `<nr>x<j>`, and a CPR whose last three digits are shifted by
200 * j (the century digit and the sex are kept, so every copy is a valid, different person for
j < 5). The months, services and dates are the original ones, so every municipality simply has
K times the citizens. Used for the 3x figures in docs/PERFORMANCE.md; demo-data itself cannot write
more than 1x on a 23 GB machine.
"""

import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq


def cpr(c, j):
    if len(c) != 10:
        return c
    return c[:7] + "%03d" % ((int(c[7:]) + 200 * j) % 1000)


def copy_value(column, v, j):
    if column == "sagsid":
        return v + "-x%d" % j
    if column == "cpr" and v:
        return cpr(v, j)
    if column == "udlaendingenr" and v:
        return v + "x%d" % j
    return v


def main(src, dst, k):
    if not 1 <= k <= 5:
        sys.exit("K must be 1-5 (the CPR shift keeps copies distinct only up to 5)")
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if name.endswith(".csv"):
            lines = open(path, encoding="utf-8").read().split("\n")
            head, rows = lines[0], [line for line in lines[1:] if line]
            columns = head.split(";")
            out = [head] + rows
            for j in range(1, k):
                for line in rows:
                    fields = line.split(";")
                    out.append(";".join(copy_value(c, v, j) for c, v in zip(columns, fields)))
            with open(os.path.join(dst, name), "w", encoding="utf-8") as f:
                f.write("\n".join(out) + "\n")
        elif name.endswith(".parquet"):
            table = pq.read_table(path)
            columns = {c: table.column(c).to_pylist() for c in table.column_names}
            n = table.num_rows
            for j in range(1, k):
                for c in table.column_names:
                    columns[c].extend(copy_value(c, columns[c][i], j) for i in range(n))
            arrays = {c: pa.array(columns[c], type=table.schema.field(c).type) for c in table.column_names}
            pq.write_table(pa.table(arrays), os.path.join(dst, name))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
