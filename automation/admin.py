from django.contrib import admin

from automation.models import FollowUp, Rule, RuleRun, Sequence, SequenceStep


class StepInline(admin.TabularInline):
    model = SequenceStep
    extra = 1


@admin.register(Sequence)
class SequenceAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace"]
    inlines = [StepInline]


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "trigger", "enabled", "fire_count", "last_fired_at"]


@admin.register(RuleRun)
class RuleRunAdmin(admin.ModelAdmin):
    list_display = ["rule_name", "conversation", "action", "result", "reason", "created_at"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["sequence", "conversation", "status", "next_step", "due_at", "reason"]
