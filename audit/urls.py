from django.urls import path

from audit import views

workspace_urlpatterns = [
    path("settings/audit/", views.audit_log, name="audit_log"),
    path("settings/audit/export.csv", views.audit_log_csv, name="audit_log_csv"),
]
