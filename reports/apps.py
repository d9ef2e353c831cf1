from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from reports import subscribers, tasks  # noqa: F401  (tasks: queued by name)

        subscribers.register()
