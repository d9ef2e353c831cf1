"""Automation's write side, one module per responsibility:

- inbound.py   what runs on customers' messages after their commit: capture, then rules
- capture.py   phone numbers found in customers' messages and comments
- rules.py     the workspace's rules: facts, limits, actions, the log, the "thử" box
"""
