"""Automation's Celery tasks: the inbound work (queue `automation`, when AUTOMATION_RUN is
"queue"), the follow-up and the timed rules' sweeps (queue `timers`, from beat)."""

from celery import shared_task

from automation.services.comment_guard import comment_unhides_due_sweep
from automation.services.followups import followups_due_sweep
from automation.services.inbound import messages_process
from automation.services.timers import timers_due_sweep


@shared_task(ignore_result=True)
def messages_process_task(message_ids: list[int]) -> None:
    messages_process(message_ids=message_ids)


@shared_task(ignore_result=True)
def followups_due_sweep_task(limit: int = 200) -> int:
    """Beat, queue `timers`: the follow-up steps that are due."""
    return followups_due_sweep(limit=limit)


@shared_task(ignore_result=True)
def timers_due_sweep_task(limit: int = 200) -> int:
    """Beat, queue `timers`: the timed rules whose silence is due."""
    return timers_due_sweep(limit=limit)


@shared_task(ignore_result=True)
def comment_unhides_due_sweep_task(limit: int = 200) -> int:
    """Beat, queue `timers`: comments hidden for a phone number whose hours are over."""
    return comment_unhides_due_sweep(limit=limit)
