"""Beat-driven sweeps (queue `timers`): thin wrappers, one service each."""

from celery import shared_task
from django.utils import timezone

from routing import services


@shared_task(ignore_result=True)
def release_due_sweep_task(limit: int = 500) -> int:
    return services.release_due_sweep(now=timezone.now(), limit=limit)


@shared_task(ignore_result=True)
def assign_waiting_task(workspace_id: int) -> int:
    return services.assign_waiting(workspace_id=workspace_id, now=timezone.now())


@shared_task(ignore_result=True)
def assign_waiting_sweep_task() -> int:
    return services.assign_waiting_sweep(now=timezone.now())
