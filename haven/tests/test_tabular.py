"""The one writer of CSV and XLSX files."""

import csv
import io

import openpyxl

from haven.lib import tabular


def test_csv_download_starts_with_a_bom_and_keeps_every_script():
    rows = [["Școală", "学校", "Trường"], ["Cluj", 3, None]]
    response = tabular.download([tabular.Sheet("x", rows)], "csv", "list")
    body = response.content
    assert body.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table == [["Școală", "学校", "Trường"], ["Cluj", "3", ""]]
    assert response["Content-Disposition"] == 'attachment; filename="list.csv"'
    assert "no-store" in response["Cache-Control"]


def test_xlsx_has_one_sheet_per_table_with_numbers_as_numbers_and_valid_names():
    sheets = [
        tabular.Sheet("Cazuri: luna [mai]", [["Cod", "Număr"], ["A", 4]]),
        tabular.Sheet("Cazuri: luna [mai]", [["Cod"], ["=1+1"]]),
        tabular.Sheet("x" * 40, [["a"]]),
    ]
    book = openpyxl.load_workbook(io.BytesIO(tabular.to_xlsx(sheets)))
    names = book.sheetnames
    assert names[0] == "Cazuri  luna  mai"
    assert names[1] != names[0] and len(names[1]) <= 31
    assert len(names[2]) == 31
    first = book[names[0]]
    assert first["B2"].value == 4 and isinstance(first["B2"].value, int)
    assert book[names[1]]["A2"].value == "'=1+1"
