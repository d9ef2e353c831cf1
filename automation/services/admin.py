"""The admin pages' writes: saving a rule, switching it on or off, moving it in the list,
saving a follow-up sequence or a page's comment guard. Each is announced as an admin action
(`accounts.admin_actions`), which the audit log records."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.admin_actions import admin_action_publish
from automation.models import Rule, rules_changed
from inbox_project.errors import ApplicationError


def rule_save(*, workspace, rule: Rule, now=None, save_m2m=None, actor=None) -> Rule:
    """Save the edited `rule` (a new one goes to the end of the list); `save_m2m`: the
    form's, for the members it notifies."""
    if rule.workspace_id != workspace.pk:
        raise ApplicationError("The rule is not the workspace's.", code="not_found")
    now = now or timezone.now()
    with transaction.atomic():
        created = rule.pk is None
        if rule.pk is None:
            last = Rule.objects.filter(workspace=workspace).aggregate(m=Max("position"))["m"]
            rule.position = 0 if last is None else last + 1
            rule.created_at = now
        rule.updated_at = now
        rule.save()
        if save_m2m is not None:
            save_m2m()
        _announce(rule, "automation.rule_created" if created else "automation.rule_changed",
                  actor, {"enabled": rule.enabled, "trigger": rule.trigger}, now)  # fmt: skip
    rules_changed(workspace.pk)  # compiled again with its members to notify
    return rule


def rule_toggle(*, rule: Rule, now=None, actor=None) -> Rule:
    rule.enabled = not rule.enabled
    rule.updated_at = now or timezone.now()
    with transaction.atomic():
        rule.save(update_fields=["enabled", "updated_at"])
        _announce(rule, "automation.rule_switched", actor, {"enabled": rule.enabled},
                  rule.updated_at)  # fmt: skip
    return rule


def _announce(rule: Rule, action: str, actor, details: dict, now) -> None:
    admin_action_publish(workspace_id=rule.workspace_id, actor=actor, action=action,
                         target_type="rule", target_id=rule.pk, target_label=rule.name,
                         details=details, at=now)  # fmt: skip


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


def sequence_save(*, workspace, sequence, steps, actor=None) -> None:
    """Save the edited sequence and its steps (`steps`: the bound, valid step formset); the
    steps keep the order they were written in (`position`)."""
    if sequence.workspace_id != workspace.pk:
        raise ApplicationError("The sequence is not the workspace's.", code="not_found")
    with transaction.atomic():
        created = sequence.pk is None
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
        admin_action_publish(
            workspace_id=workspace.pk, actor=actor,
            action="automation.sequence_created" if created else "automation.sequence_changed",
            target_type="sequence", target_id=sequence.pk, target_label=sequence.name,
            details={"steps": position},
        )  # fmt: skip


def comment_guard_save(*, form, page, actor=None):
    """Save a page's comment guard (`form`: the bound, valid CommentGuardForm)."""
    with transaction.atomic():
        guard = form.save()
        admin_action_publish(
            workspace_id=guard.workspace_id, actor=actor, action="automation.comment_guard_changed",
            target_type="channel", target_id=page.pk, target_label=page.display_name,
            details={"hide_phones": guard.hide_phones, "exempt_posts": list(guard.exempt_posts),
                     "forced_posts": list(guard.forced_posts),
                     "unhide_after_hours": guard.unhide_after_hours},
        )  # fmt: skip
    return guard
