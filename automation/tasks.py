"""Automation's Celery tasks (routed to the `automation` queue by inbox_project/celery.py)."""

from celery import shared_task

from automation.services.inbound import messages_process


@shared_task(ignore_result=True)
def messages_process_task(message_ids: list[int]) -> None:
    messages_process(message_ids=message_ids)
