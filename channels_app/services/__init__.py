"""The provider edge's write side: ingest.py (webhooks in) and delivery.py (messages out)."""
