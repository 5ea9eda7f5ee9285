"""Writes the hostile inputs of issue 9 into a folder, for `cargo xtask fjendtlig` (needs `pip install pyarrow`):

  101_2024-03.parquet   0.6 MB of dictionary-encoded rows that claim 30,000,000 records
  bombe.xlsx            a comments sheet whose one extra cell is XFD1048576 (dense: 17 billion cells)
  lang.xlsx             a comments sheet with one comment at A1048576
  stor.csv              1,000,000 comment lines that answer no flag

usage: python3 fjendtlige_filer.py DIR
"""
import os
import sys
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

n = 30_000_000
cols = {"kommunekode": "101", "sagsid": "A1", "cpr": "0101901235", "ydelse": "1.1", "maalgruppe": "6",
        "startdato": "2024-03-01"}
zeros = pa.array([0] * n, type=pa.int8())
table = pa.table({k: pa.DictionaryArray.from_arrays(zeros, pa.array([v])) for k, v in cols.items()})
pq.write_table(table, os.path.join(out, "101_2024-03.parquet"), compression="zstd")


def xlsx(path, cells):
    """A minimal workbook: inline strings at the given (row, column) positions (1-based, column letters)."""
    rows = {}
    for (r, c), v in cells.items():
        rows.setdefault(r, []).append(f'<c r="{c}{r}" t="inlineStr"><is><t>{v}</t></is></c>')
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><sheetData>'
             + "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
             + "</sheetData></worksheet>")
    ns = "http://schemas.openxmlformats.org"
    files = {
        "[Content_Types].xml": f'<?xml version="1.0"?><Types xmlns="{ns}/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
        f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="Markeringer" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)


header = {(1, c): h for c, h in zip("ABCDE", ["kommunekode", "ydelse", "kvartal", "regel", "kommentar"])}
xlsx(os.path.join(out, "bombe.xlsx"), {**header, (1048576, "XFD"): "x"})
xlsx(os.path.join(out, "lang.xlsx"), {**header, (1048576, "A"): "101"})
with open(os.path.join(out, "stor.csv"), "w") as f:
    f.write("kommunekode;ydelse;kvartal;regel;kommentar\n")
    for i in range(1_000_000):
        f.write(f"101;1.1;2025K1;aar_til_aar;svar {i}\n")
