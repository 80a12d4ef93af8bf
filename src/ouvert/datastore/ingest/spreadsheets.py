"""Rows of spreadsheets (XLSX, XLS, ODS) and JSON arrays, as (source row, cell texts).

Cells become text in the forms the type inference reads back without loss: ISO dates, numbers
with a decimal point and no exponent for ordinary magnitudes, "true"/"false".
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time

from .errors import IngestError, _

Rows = Iterator[tuple[int, list[str]]]
MAX_REPEAT = 1000  # ODS repeats empty cells/rows to the sheet's edge: cap what we expand


def check_zip(path: str, *, max_uncompressed: int, max_ratio: int) -> zipfile.ZipFile:
    """Open a zip container after checking it cannot expand past the allowed size."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise IngestError(_("The file is damaged: it is not a valid spreadsheet archive."),
                          "spreadsheet") from None
    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > max_uncompressed or (total > 10 * 1024**2 and total / packed > max_ratio):
        archive.close()
        raise IngestError(
            _("The spreadsheet expands to %(mb)d MB from %(packed)d KB (a ratio of %(ratio)d): "
              "it is refused as a possible zip bomb.")
            % {"mb": total // 1024**2, "packed": packed // 1024, "ratio": total // packed},
            "zip_bomb")
    return archive


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _pick(names: list[str], sheet) -> int:
    if sheet is None:
        return 0
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return sheet
    elif sheet in names:
        return names.index(sheet)
    raise IngestError(_("The workbook has no sheet “%(sheet)s”; its sheets are: %(names)s.")
                      % {"sheet": sheet, "names": ", ".join(names)}, "bad_option")


def xlsx_rows(path: str, *, sheet=None, max_uncompressed: int, max_ratio: int) -> Rows:
    check_zip(path, max_uncompressed=max_uncompressed, max_ratio=max_ratio).close()
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise IngestError(_("The XLSX file could not be read: %s") % exc, "spreadsheet") from None
    try:
        ws = book.worksheets[_pick(book.sheetnames, sheet)]
        for number, values in enumerate(ws.iter_rows(values_only=True), start=ws.min_row or 1):
            yield number, [cell_text(v) for v in values]
    finally:
        book.close()


def xls_rows(path: str, *, sheet=None) -> Rows:
    import xlrd

    try:
        book = xlrd.open_workbook(path, on_demand=True)
    except Exception as exc:
        raise IngestError(_("The XLS file could not be read: %s") % exc, "spreadsheet") from None
    try:
        ws = book.sheet_by_index(_pick(book.sheet_names(), sheet))
        for r in range(ws.nrows):
            cells = []
            for cell in ws.row(r):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    cells.append(cell_text(xlrd.xldate_as_datetime(cell.value, book.datemode)))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    cells.append(cell_text(bool(cell.value)))
                elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    cells.append("")
                else:
                    cells.append(cell_text(cell.value))
            yield r + 1, cells
    finally:
        book.release_resources()


def ods_rows(path: str, *, sheet=None, max_uncompressed: int, max_ratio: int) -> Rows:
    check_zip(path, max_uncompressed=max_uncompressed, max_ratio=max_ratio).close()
    from odf import opendocument, table, teletype

    try:
        doc = opendocument.load(path)
    except Exception as exc:
        raise IngestError(_("The ODS file could not be read: %s") % exc, "spreadsheet") from None
    sheets = doc.spreadsheet.getElementsByType(table.Table)
    ws = sheets[_pick([s.getAttribute("name") for s in sheets], sheet)]
    number = 0
    for row in ws.getElementsByType(table.TableRow):
        cells: list[str] = []
        for cell in row.childNodes:
            if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                continue
            repeat = min(int(cell.getAttribute("numbercolumnsrepeated") or 1), MAX_REPEAT)
            kind = cell.getAttribute("valuetype")
            if kind in ("float", "percentage", "currency"):
                text = cell_text(float(cell.getAttribute("value")))
            elif kind == "date":
                text = cell.getAttribute("datevalue")
            elif kind == "boolean":
                text = cell.getAttribute("booleanvalue")
            else:
                text = teletype.extractText(cell)
            cells.extend([text] * repeat)
        while cells and not cells[-1]:
            cells.pop()
        rows_repeat = int(row.getAttribute("numberrowsrepeated") or 1)
        if not cells:
            # Empty rows (often repeated to the sheet's edge) are skipped, not expanded.
            number += rows_repeat
            continue
        for _i in range(min(rows_repeat, MAX_REPEAT)):
            number += 1
            yield number, cells
        number += max(0, rows_repeat - MAX_REPEAT)


def json_rows(path: str, *, max_bytes: int) -> tuple[list[str], Rows]:
    """Header (keys in order of first appearance) and rows of a JSON array of objects."""
    import os

    if os.path.getsize(path) > max_bytes:
        raise IngestError(_("JSON files larger than %d MB are not accepted; publish a CSV.")
                          % (max_bytes // 1024**2), "too_large")
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IngestError(_("The JSON file could not be read: %s") % exc, "json") from None
    if isinstance(data, dict):
        # {"records": [...]} and similar wrappers of one array are common in API dumps.
        arrays = [v for v in data.values() if isinstance(v, list)]
        data = arrays[0] if len(arrays) == 1 else data
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise IngestError(_("The JSON file must hold an array of objects, one per row."), "json")
    keys: dict[str, None] = {}
    for item in data:
        for key in item:
            keys.setdefault(str(key), None)
    header = list(keys)

    def text(value) -> str:
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return cell_text(value)

    def rows() -> Rows:
        for number, item in enumerate(data, start=1):
            yield number, [text(item.get(k)) for k in header]

    return header, rows()
