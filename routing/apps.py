from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Routing"

    def ready(self):
        # tasks: registered in every process (not only workers), since routing's services
        # queue them by name through enqueue_on_commit.
        from routing import presence_login, subscribers, tasks  # noqa: F401

        presence_login.connect()
        subscribers.register()
