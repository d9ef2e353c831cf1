"""The reports page and its exports. Every member may open it: owners and admins see the
team, an agent their own work (reports/page.py)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reports import exports, page


@require_GET
def reports_overview(request):
    context = page.overview(
        workspace=request.workspace, membership=request.membership, request_get=request.GET
    )
    return render(request, "reports/overview.html", context)


@require_GET
def reports_export(request, table: str, fmt: str):
    found = page.export_table(
        workspace=request.workspace, membership=request.membership, request_get=request.GET,
        table=table,
    )  # fmt: skip
    if found is None or fmt not in ("csv", "xlsx"):
        raise Http404
    name, columns, rows = found
    if fmt == "csv":
        return exports.csv_response(name, columns, rows)
    return exports.xlsx_response(name, table, columns, rows)
