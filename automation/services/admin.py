"""The admin pages' writes: saving a rule, switching it on or off, moving it in the list."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from automation.models import Rule, rules_changed
from inbox_project.errors import ApplicationError


def rule_save(*, workspace, rule: Rule, now=None, save_m2m=None) -> Rule:
    """Save the edited `rule` (a new one goes to the end of the list); `save_m2m`: the
    form's, for the members it notifies."""
    if rule.workspace_id != workspace.pk:
        raise ApplicationError("The rule is not the workspace's.", code="not_found")
    now = now or timezone.now()
    with transaction.atomic():
        if rule.pk is None:
            last = Rule.objects.filter(workspace=workspace).aggregate(m=Max("position"))["m"]
            rule.position = 0 if last is None else last + 1
            rule.created_at = now
        rule.updated_at = now
        rule.save()
        if save_m2m is not None:
            save_m2m()
    rules_changed(workspace.pk)  # compiled again with its members to notify
    return rule


def rule_toggle(*, rule: Rule, now=None) -> Rule:
    rule.enabled = not rule.enabled
    rule.updated_at = now or timezone.now()
    rule.save(update_fields=["enabled", "updated_at"])
    return rule


def rule_move(*, rule: Rule, up: bool) -> None:
    """Swap the rule with its neighbour above (`up`) or below; at the end, nothing."""
    with transaction.atomic():
        rules = list(Rule.objects.select_for_update().filter(workspace_id=rule.workspace_id)
                     .order_by("position", "id"))  # fmt: skip
        index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(rules):
            return
        rules[index], rules[other] = rules[other], rules[index]
        for position, row in enumerate(rules):
            if row.position != position:
                row.position = position
                row.save(update_fields=["position"])


def sequence_save(*, workspace, sequence, steps) -> None:
    """Save the edited sequence and its steps (`steps`: the bound, valid step formset); the
    steps keep the order they were written in (`position`)."""
    if sequence.workspace_id != workspace.pk:
        raise ApplicationError("The sequence is not the workspace's.", code="not_found")
    with transaction.atomic():
        sequence.save()
        position = 0
        for form in steps.forms:  # in the order written; ticked ones deleted, blank ones skipped
            step = form.instance
            if form.cleaned_data.get("DELETE"):
                if step.pk:
                    step.delete()
                continue
            if not step.pk and not form.has_changed():
                continue
            step = form.save(commit=False)
            step.sequence, step.position = sequence, position
            step.save()
            position += 1
