from django.apps import AppConfig


class ChannelsAppConfig(AppConfig):
    name = "channels_app"
    verbose_name = "Channel accounts and webhooks"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        import channels_app.tasks  # noqa: F401 - registered by name for enqueue_on_commit
        from channels_app import subscribers
        from channels_app.models import ChannelAccount
        from channels_app.providers import declare_to_conversations
        from channels_app.services.ingest import channel_accounts_forget

        subscribers.register()
        declare_to_conversations()

        # The webhook edge caches accounts for a few seconds; a change made here is seen now.
        post_save.connect(channel_accounts_forget, sender=ChannelAccount)
        post_delete.connect(channel_accounts_forget, sender=ChannelAccount)
