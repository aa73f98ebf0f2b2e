"""CSV downloads that open correctly in Excel: UTF-8 with a byte-order mark (without one Excel reads "María González"
as "MarÃ­a GonzÃ¡lez"), and no cell a spreadsheet would run as a formula.

In courses, the lowest app, so that the back office of every app and the instructor portal share it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse

BYTE_ORDER_MARK = "\ufeff"

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); a leading apostrophe makes it
# text. Tab and carriage return are there because Excel drops them and then reads what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_download(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> HttpResponse:
    """A CSV attachment: the byte-order mark, the header, then each row, every cell made safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BYTE_ORDER_MARK)
    writer = csv.writer(response)
    writer.writerow(spreadsheet_cell(value) for value in header)
    for row in rows:
        writer.writerow(spreadsheet_cell(value) for value in row)
    return response
