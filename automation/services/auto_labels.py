"""Auto-labels: the keyword sets of `automation/label_sets.py` as label-only rules of a
workspace (its labels created in the workspace's set when missing). Installing twice adds
nothing; the rules are ordinary rules afterwards (edit, switch off, delete)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.functions import Lower

from automation.label_sets import LABEL_SETS
from automation.models import Rule
from automation.services.admin import rule_save
from conversations.models import Label


def auto_labels_install(*, workspace, actor=None) -> int:
    """Create the missing label-only rules; returns how many were created."""
    created = 0
    with transaction.atomic():
        for _key, (name, words) in LABEL_SETS.items():
            label = (Label.objects.annotate(lname=Lower("name"))
                     .filter(workspace=workspace, channel_account__isnull=True,
                             deleted_at__isnull=True, lname=name.lower()).first())  # fmt: skip
            if label is None:
                label = Label.objects.create(workspace=workspace, name=name)
            if Rule.objects.filter(workspace=workspace, add_label=label, reply_text="").exists():
                continue
            rule_save(workspace=workspace, rule=Rule(
                workspace=workspace, name=name, keywords=list(words), add_label=label,
            ), actor=actor)  # fmt: skip
            created += 1
    return created
