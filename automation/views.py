"""The automation pages (admins): the rule list, the editor with its "thử" box, the log."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_for_workspace, require_admin
from automation.forms import CommentGuardForm, RuleForm, SequenceForm, StepFormSet, TryForm
from automation.models import CommentGuard, Rule, RuleRun, Sequence
from automation.services import admin
from automation.services.auto_labels import auto_labels_install
from automation.services.rules import rules_try
from conversations.channels import channel_accounts_of

LOG_PAGE = 100


@require_admin
def rule_list(request):
    rules = Rule.objects.filter(workspace=request.workspace).select_related("channel_account")
    return render(request, "automation/rules.html", {"rules": rules, "try_form": TryForm()})


@require_admin
def rule_edit(request, pk=None):
    workspace = request.workspace
    rule = get_for_workspace(Rule, workspace=workspace, pk=pk) if pk else Rule(workspace=workspace)
    form = RuleForm(request.POST or None, instance=rule, workspace=workspace)
    if request.method == "POST" and form.is_valid():
        admin.rule_save(
            workspace=workspace,
            rule=form.save(commit=False),
            save_m2m=form.save_m2m,
            actor=request.user,
        )
        messages.success(request, _("Rule saved."))
        return redirect("automation_rules", ws=workspace.slug)
    try_form = TryForm(initial={"page": rule.channel_account_id})
    return render(request, "automation/rule_edit.html",
                  {"form": form, "rule": rule, "try_form": try_form})  # fmt: skip


@require_admin
@require_POST
def rule_toggle(request, pk):
    admin.rule_toggle(
        rule=get_for_workspace(Rule, workspace=request.workspace, pk=pk), actor=request.user
    )
    return redirect("automation_rules", ws=request.workspace.slug)


@require_admin
@require_POST
def rule_move(request, pk):
    rule = get_for_workspace(Rule, workspace=request.workspace, pk=pk)
    admin.rule_move(rule=rule, up=request.POST.get("direction") != "down")
    return redirect("automation_rules", ws=request.workspace.slug)


@require_admin
@require_POST
def auto_labels(request):
    created = auto_labels_install(workspace=request.workspace, actor=request.user)
    messages.success(request, _("Auto-label rules added: %(n)s.") % {"n": created})
    return redirect("automation_rules", ws=request.workspace.slug)


@require_admin
@require_POST
def rule_try(request):
    """The "thử" box: which rule would answer, and what it would send. Sends nothing."""
    form = TryForm(request.POST)
    outcome = None
    if form.is_valid():
        pages = channel_accounts_of(workspace_id=request.workspace.pk).order_by("pk")
        if form.cleaned_data["page"]:
            pages = pages.filter(pk=form.cleaned_data["page"])
        page = pages.first()
        outcome = rules_try(workspace=request.workspace, text=form.cleaned_data["text"],
                            channel_account=page, returning=form.cleaned_data["returning"])  # fmt: skip
    return render(request, "automation/_try_result.html", {"form": form, "outcome": outcome})


@require_admin
def run_log(request):
    runs = RuleRun.objects.filter(workspace=request.workspace)
    conversation_id = request.GET.get("c", "")
    if conversation_id.isdigit():  # one conversation's
        runs = runs.filter(conversation_id=int(conversation_id))
    message_id = request.GET.get("m", "")
    if message_id.isdigit():  # from an automated message in the thread: what sent it, and why
        pk = int(message_id)
        cause = runs.filter(sent_id=pk).values_list("message_id", flat=True).first()
        # the run that sent it and the other actions of the same customer message
        runs = runs.filter(Q(sent_id=pk) | Q(message_id=cause or pk))
    runs = runs.select_related("conversation__customer").order_by("-created_at", "-id")[:LOG_PAGE]
    return render(request, "automation/log.html", {"runs": runs})


@require_admin
def comment_guards(request):
    """Per page: hide comments that show a phone number (exempt / forced posts, shown again
    after X hours). One form per page; a POST saves the page it names."""
    workspace = request.workspace
    pages = list(channel_accounts_of(workspace_id=workspace.pk).filter(kind="facebook")
                 .order_by("display_name", "pk"))  # fmt: skip
    guards = {g.channel_account_id: g for g in CommentGuard.objects.filter(workspace=workspace)}
    posted = request.POST.get("page", "") if request.method == "POST" else ""
    forms_ = []
    for page in pages:
        guard = guards.get(page.pk) or CommentGuard(channel_account=page, workspace=workspace)
        bound = posted == str(page.pk)
        form = CommentGuardForm(request.POST if bound else None, instance=guard,
                                prefix=f"p{page.pk}")  # fmt: skip
        if bound and form.is_valid():
            admin.comment_guard_save(form=form, page=page, actor=request.user)
            messages.success(request, _("Saved for %(page)s.") % {"page": page.display_name})
            return redirect("automation_comment_guards", ws=workspace.slug)
        forms_.append((page, form))
    return render(request, "automation/comment_guards.html", {"pages": forms_})


@require_admin
def sequence_list(request):
    sequences = Sequence.objects.filter(workspace=request.workspace).prefetch_related("steps")
    return render(request, "automation/sequences.html", {"sequences": sequences.order_by("name")})


@require_admin
def sequence_edit(request, pk=None):
    """A follow-up sequence and its steps (after X hours without an answer, optionally only
    with a label, the message); a step whose box is ticked is deleted."""
    workspace = request.workspace
    sequence = (get_for_workspace(Sequence, workspace=workspace, pk=pk) if pk
                else Sequence(workspace=workspace))  # fmt: skip
    data = request.POST if request.method == "POST" else None
    form = SequenceForm(data, instance=sequence)
    steps = StepFormSet(data, instance=sequence, prefix="steps",
                        form_kwargs={"workspace": workspace},
                        queryset=sequence.steps.order_by("position", "id") if pk else None)  # fmt: skip
    if data is not None and form.is_valid() and steps.is_valid():
        admin.sequence_save(
            workspace=workspace, sequence=form.save(commit=False), steps=steps, actor=request.user
        )
        messages.success(request, _("Sequence saved."))
        return redirect("automation_sequences", ws=workspace.slug)
    return render(request, "automation/sequence_edit.html",
                  {"form": form, "steps": steps, "sequence": sequence})  # fmt: skip
