"""The reports' Celery tasks, on the `reports` queue: derive queued conversations, then
rebuild the days their facts fell on. Beat runs the same task for anything left queued."""

from celery import shared_task

from reports.services.derive import pending_derive
from reports.services.rollup import pending_rollup


@shared_task(name="reports.tasks.reports_derive_task")
def reports_derive_task() -> dict:
    facts = pending_derive()
    days = pending_rollup()
    return {"facts": facts, "days": days}
