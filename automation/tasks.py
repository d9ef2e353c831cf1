"""Automation's Celery tasks: the inbound work (queue `automation`, when AUTOMATION_RUN is
"queue") and the follow-up sweep (queue `timers`, from beat)."""

from celery import shared_task

from automation.services.followups import followups_due_sweep
from automation.services.inbound import messages_process


@shared_task(ignore_result=True)
def messages_process_task(message_ids: list[int]) -> None:
    messages_process(message_ids=message_ids)


@shared_task(ignore_result=True)
def followups_due_sweep_task(limit: int = 200) -> int:
    """Beat, queue `timers`: the follow-up steps that are due."""
    return followups_due_sweep(limit=limit)
