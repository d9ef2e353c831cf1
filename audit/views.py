"""The audit log page and its CSV (owners and admins). Read only: no view writes."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from accounts.access import require_admin
from audit import exports, selectors
from audit.forms import AuditFilterForm, filters_of
from audit.presenters import present


def _cursor(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _filtered(request):
    workspace = request.workspace
    data = request.GET if any(k in request.GET for k in AuditFilterForm.base_fields) else None
    form = AuditFilterForm(data, people=selectors.people_of(workspace=workspace))
    filters = filters_of(form)
    return form, filters, selectors.entries_filtered(workspace=workspace, filters=filters)


@require_admin
def audit_log(request):
    form, filters, entries = _filtered(request)
    page = selectors.entries_page(entries, before=_cursor(request, "before"),
                                  after=_cursor(request, "after"))  # fmt: skip
    query = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    return render(request, "audit/log.html", {
        "form": form, "rows": [present(e) for e in page.entries], "page": page,
        "query": query.urlencode(), "filtered": any(filters.values()),
    })  # fmt: skip


@require_admin
def audit_log_csv(request):
    _form, _filters, entries = _filtered(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return exports.csv_response(entries.order_by("-id"), zone=request.workspace.time_zone,
                                filename=f"audit-{request.workspace.slug}-{stamp}")  # fmt: skip
