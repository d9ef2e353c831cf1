"""Every automated action is announced with the log row that records it, so the audit log
(a reader beside automation) keeps it without automation naming it."""

from __future__ import annotations

from automation.models import RuleRun, RunResult
from conversations import domain_events as de
from inbox_project.domain_events import publish

ANNOUNCED = (RunResult.DONE, RunResult.FAILED)  # a refusal did nothing


def run_announce(run: RuleRun) -> RuleRun:
    if run.result in ANNOUNCED:
        publish(de.AutomatedActionTaken(
            workspace_id=run.workspace_id, run_id=run.pk, rule_id=run.rule_id,
            rule_name=run.rule_name, conversation_id=run.conversation_id, action=run.action,
            result=run.result, detail=run.detail[:500], at=run.created_at,
        ))  # fmt: skip
    return run
