from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"
    verbose_name = "Automation"

    def ready(self):
        # tasks: registered in every process, since the subscribers queue them by name.
        from automation import subscribers, tasks  # noqa: F401

        subscribers.register()
