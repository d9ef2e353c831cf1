from django.urls import path

from automation import views

workspace_urlpatterns = [
    path("automation/", views.rule_list, name="automation_rules"),
    path("automation/rules/new/", views.rule_edit, name="automation_rule_new"),
    path("automation/rules/<int:pk>/", views.rule_edit, name="automation_rule"),
    path("automation/rules/<int:pk>/toggle/", views.rule_toggle, name="automation_rule_toggle"),
    path("automation/rules/<int:pk>/move/", views.rule_move, name="automation_rule_move"),
    path("automation/try/", views.rule_try, name="automation_try"),
    path("automation/auto-labels/", views.auto_labels, name="automation_auto_labels"),
    path("automation/log/", views.run_log, name="automation_log"),
    path("automation/sequences/", views.sequence_list, name="automation_sequences"),
    path("automation/sequences/new/", views.sequence_edit, name="automation_sequence_new"),
    path("automation/sequences/<int:pk>/", views.sequence_edit, name="automation_sequence"),
    path("automation/comments/", views.comment_guards, name="automation_comment_guards"),
]
