"""One `requests` session per thread (connection reuse to the providers; sessions are not
safe to share between threads)."""

import threading

import requests

_local = threading.local()


def thread_session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session
