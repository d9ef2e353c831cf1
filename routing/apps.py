from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Routing"

    def ready(self):
        from routing import presence_login, subscribers

        presence_login.connect()
        subscribers.register()
