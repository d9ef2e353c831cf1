"""The report's tables as files: CSV written row by row into a streaming response, XLSX
written by openpyxl in write-only mode into a temporary file that is then streamed. Both
carry the same columns as the page, with raw numbers (amounts in VND, times in seconds)."""

from __future__ import annotations

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook


class _Echo:
    def write(self, value):
        return value


def _cells(columns, rows):
    yield [str(c.header) + (" (s)" if c.kind == "duration" else "") for c in columns]
    for row in rows:
        yield [_raw(row[c.key], c.kind) for c in columns]


def _raw(value, kind):
    if value is None:
        return ""
    if kind == "pct":
        return round(value * 100, 2)
    return value


def csv_response(filename: str, columns, rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # Excel opens UTF-8 with a byte-order mark as UTF-8 (Vietnamese names)
        for cells in _cells(columns, rows):
            yield writer.writerow(cells)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, sheet: str, columns, rows) -> FileResponse:
    book = Workbook(write_only=True)
    page = book.create_sheet(title=sheet[:31])
    for cells in _cells(columns, rows):
        page.append(cells)
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
