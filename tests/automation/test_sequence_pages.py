"""The sequence editor: list, create with steps, edit (reorder by writing, delete a step),
refusals that lose nothing, admins only."""

import pytest
from django.urls import reverse

from automation.models import Sequence, SequenceStep
from conversations.models import Label

pytestmark = pytest.mark.django_db


def url(name, **kw):
    return reverse(name, kwargs={"ws": "shop-a", **kw})


def management(total, initial=0):
    return {"steps-TOTAL_FORMS": total, "steps-INITIAL_FORMS": initial,
            "steps-MIN_NUM_FORMS": 0, "steps-MAX_NUM_FORMS": 1000}  # fmt: skip


def test_an_admin_creates_a_sequence_with_its_steps(client_for, adam, workspace_a):
    hot = Label.objects.create(workspace=workspace_a, name="Nóng")
    client = client_for(adam)
    page = client.get(url("automation_sequence_new")).content.decode()
    assert 'data-testid="sequence-step"' in page and 'name="steps-0-after_hours"' in page
    response = client.post(url("automation_sequence_new"), {
        "name": "Nhắc chốt đơn", **management(2),
        "steps-0-after_hours": 2, "steps-0-text": "Anh/chị còn quan tâm không ạ?",
        "steps-1-after_hours": 24, "steps-1-needs_label": hot.pk,
        "steps-1-text": "Shop giữ hàng đến hết tuần",
    })  # fmt: skip
    assert response.status_code == 302
    sequence = Sequence.objects.get(workspace=workspace_a)
    assert list(sequence.steps.values_list("position", "after_hours", "needs_label_id", "text")) == [
        (0, 2, None, "Anh/chị còn quan tâm không ạ?"), (1, 24, hot.pk, "Shop giữ hàng đến hết tuần")]  # fmt: skip
    listing = client.get(url("automation_sequences")).content.decode()
    assert "Nhắc chốt đơn" in listing and 'data-testid="sequence-row"' in listing


def test_editing_deletes_a_step_and_keeps_the_order(client_for, adam, workspace_a):
    sequence = Sequence.objects.create(workspace=workspace_a, name="S")
    a = SequenceStep.objects.create(sequence=sequence, position=0, after_hours=1, text="a")
    b = SequenceStep.objects.create(sequence=sequence, position=1, after_hours=2, text="b")
    response = client_for(adam).post(url("automation_sequence", pk=sequence.pk), {
        "name": "S2", **management(3, initial=2),
        "steps-0-id": a.pk, "steps-0-after_hours": 1, "steps-0-text": "a", "steps-0-DELETE": "on",
        "steps-1-id": b.pk, "steps-1-after_hours": 3, "steps-1-text": "b sửa",
        "steps-2-after_hours": 5, "steps-2-text": "c",
    })  # fmt: skip
    assert response.status_code == 302
    sequence.refresh_from_db()
    assert sequence.name == "S2"
    assert list(sequence.steps.values_list("position", "after_hours", "text")) == [
        (0, 3, "b sửa"), (1, 5, "c")]  # fmt: skip


def test_a_step_without_a_message_or_hours_is_refused_and_nothing_is_lost(client_for, adam,
                                                                         workspace_a):  # fmt: skip
    response = client_for(adam).post(url("automation_sequence_new"), {
        "name": "Nhắc", **management(2),
        "steps-0-after_hours": 0, "steps-0-text": "Chào <b>anh</b>",
        "steps-1-after_hours": 4,
    })  # fmt: skip
    assert response.status_code == 200 and not Sequence.objects.exists()
    page = response.content.decode()
    assert "Chào &lt;b&gt;anh&lt;/b&gt;" in page  # kept, escaped
    assert page.count('class="form-error"') >= 2


def test_another_workspaces_sequence_is_404_and_agents_403(client_for, adam, bob, charlie,
                                                          workspace_b):  # fmt: skip
    theirs = Sequence.objects.create(workspace=workspace_b, name="B")
    assert client_for(adam).get(url("automation_sequence", pk=theirs.pk)).status_code == 404
    assert client_for(bob).get(url("automation_sequences")).status_code == 403
