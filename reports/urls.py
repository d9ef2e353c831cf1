from django.urls import path

from reports import views

workspace_urlpatterns = [
    path("reports/", views.reports_overview, name="reports"),
    path("reports/export/<slug:table>.<slug:fmt>", views.reports_export, name="reports_export"),
]
