"""The filtered log as CSV, written row by row into a streaming response (times in the
workspace's zone; a cell that a spreadsheet would run as a formula is quoted)."""

from __future__ import annotations

import csv
import json
import zoneinfo

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from audit.kinds import kind_label
from audit.presenters import actor_words

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(entries, *, zone: str):
    tz = zoneinfo.ZoneInfo(zone)
    yield [_("Time"), _("Person"), _("Kind"), "kind", _("Target"), "target_type", "target_id",
           _("Details")]  # fmt: skip
    for entry in entries.iterator(chunk_size=1000):
        yield [
            entry.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            _cell(actor_words(entry)), kind_label(entry.kind), entry.kind,
            _cell(entry.target_label), entry.target_type, entry.target_id or "",
            _cell(json.dumps(entry.details, ensure_ascii=False, sort_keys=True)),
        ]  # fmt: skip


def csv_response(entries, *, zone: str, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # Excel opens UTF-8 with a byte-order mark as UTF-8 (Vietnamese names)
        for cells in csv_rows(entries, zone=zone):
            yield writer.writerow(cells)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
