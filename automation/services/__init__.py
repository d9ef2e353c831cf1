"""Automation's write side, one module per responsibility:

- capture.py   phone numbers found in customers' messages and comments
"""
