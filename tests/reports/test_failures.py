"""A derivation that dies mid-way loses nothing, and two workers never derive or roll up the
same thing twice."""

import threading

import pytest
from django.db import connection

from reports.models import DailyRollup, PendingConversation, PendingDay, ReportFact
from reports.services import derive
from reports.services.derive import pending_derive
from reports.services.rollup import pending_rollup
from tests.factories import make_conversation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(page_a):
    conversations = [make_conversation(page_a, f"psid-{i}", f"Khách {i}") for i in range(30)]
    PendingConversation.objects.bulk_create(
        [PendingConversation(conversation_id=c.pk) for c in conversations]
    )
    return conversations


def test_a_worker_dying_mid_derivation_leaves_the_queue_whole(queued, monkeypatch):
    def dies(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(derive, "facts_write", dies)
    with pytest.raises(RuntimeError):
        pending_derive()
    assert PendingConversation.objects.count() == 30 and not ReportFact.objects.exists()
    monkeypatch.undo()
    pending_derive()
    assert not PendingConversation.objects.exists()
    assert ReportFact.objects.filter(kind="inbound").count() == 30


def test_two_workers_share_the_queue_without_doing_anything_twice(queued):
    results, errors = [], []

    def worker():
        try:
            results.append((pending_derive(batch=5), pending_rollup(batch=1)))
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(facts for facts, _days in results) == ReportFact.objects.count() == 30 * 2
    assert not PendingConversation.objects.exists() and not PendingDay.objects.exists()
    assert sum(DailyRollup.objects.values_list("inbound", flat=True)) == 30
