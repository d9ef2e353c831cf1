"""The provider edge's services: ingest/ (webhooks in), delivery (messages out), profiles,
media, subscriptions and credentials; they ask the adapters, never a provider package."""
