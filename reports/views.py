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
    scope = page.scope_of(request.membership)
    options = page.choices(request.workspace)
    filters, meta = page.query_of(
        request.GET, workspace=request.workspace, scope=scope, options=options
    )
    found = page.table_rows(table, filters, meta, options, scope)
    if found is None or fmt not in ("csv", "xlsx"):
        raise Http404
    columns, rows = found
    name = f"{request.workspace.slug}-{table}-{filters.period.start}-{filters.period.end}"
    if fmt == "csv":
        return exports.csv_response(name, columns, rows)
    return exports.xlsx_response(name, table, columns, rows)
