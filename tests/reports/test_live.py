"""Facts arrive by themselves: what the inbox publishes queues the conversation, the
debounced task derives it and rolls its day up, and beat finds whatever a lost task left."""

import datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from conversations.services.orders import order_create
from reports.models import PendingConversation, PendingDay, ReportFact
from reports.periods import Period
from reports.selectors.figures import ReportFilters, figures_total
from reports.tasks import reports_derive_task
from routing import services as routing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_debounce():
    cache.delete("reports:derive-queued")


def today_filters(workspace):
    today = timezone.localdate()
    return ReportFilters(workspace_id=workspace.pk, period=Period("today", today, today))


def test_a_claim_and_an_order_reach_the_report(workspace_a, conversation_a, bob, capture_events):
    routing.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    conversation_a.refresh_from_db()
    order_create(conversation=conversation_a, user=bob, amount_vnd=350_000, items=[])
    capture_events.commit()  # the commits the test's transaction stands for
    assert PendingConversation.objects.filter(conversation_id=conversation_a.pk).exists()
    queued = [e for e in capture_events.enqueued if e.task == "reports.tasks.reports_derive_task"]
    assert len(queued) == 1  # a burst of events costs one task
    # 5 facts and the closing spans of the conversation and of Bob
    assert reports_derive_task.apply().get() == {"facts": 7, "days": 1}
    assert not PendingConversation.objects.exists() and not PendingDay.objects.exists()
    total = figures_total(today_filters(workspace_a))
    assert (total.counters["claims"], total.counters["orders"], total.counters["revenue_vnd"]) == (
        1, 1, 350_000,
    )  # fmt: skip
    assert total.close_rate == 1.0


def test_beat_drains_what_a_lost_task_left(workspace_a, conversation_a):
    PendingConversation.objects.create(conversation_id=conversation_a.pk)
    entry = settings.CELERY_BEAT_SCHEDULE["reports-derive"]
    assert entry["task"] == "reports.tasks.reports_derive_task"
    reports_derive_task.apply().get()
    assert ReportFact.objects.filter(conversation_id=conversation_a.pk, kind="inbound").count() == 1
    assert figures_total(today_filters(workspace_a)).counters["inbound"] == 1


def test_a_redis_outage_still_queues_the_task(monkeypatch, capture_events, conversation_a):
    from reports.services import queueing

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(queueing.cache, "add", down)
    queueing.derivation_enqueue()
    assert [e.task for e in capture_events.enqueued] == ["reports.tasks.reports_derive_task"]


def test_a_later_order_status_rewrites_the_fact(workspace_a, conversation_a, bob):
    from conversations.models import Order

    routing.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    conversation_a.refresh_from_db()
    order = order_create(conversation=conversation_a, user=bob, amount_vnd=100_000, items=[])
    reports_derive_task.apply().get()
    PendingConversation.objects.create(conversation_id=conversation_a.pk)
    Order.objects.filter(pk=order.pk).update(status="returned")
    reports_derive_task.apply().get()
    total = figures_total(today_filters(workspace_a))
    assert (total.counters["orders"], total.counters["returned_orders"]) == (0, 1)
    assert total.counters["revenue_vnd"] == 0


def test_days_are_local(workspace_a, conversation_a):
    """A fact at 23:30 UTC is the next local day in Ho Chi Minh City."""
    late = datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.UTC)
    conversation_a.messages.update(sent_at=late)
    PendingConversation.objects.create(conversation_id=conversation_a.pk)
    reports_derive_task.apply().get()
    fact = ReportFact.objects.get(kind="inbound")
    assert (fact.day, fact.hour) == (datetime.date(2026, 3, 3), 6)
