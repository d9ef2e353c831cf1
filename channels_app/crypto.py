"""Credentials at rest: MultiFernet over the keys in CREDENTIAL_KEYS (newest first).

Encrypting always uses the first key; decrypting tries every key, so adding a new key in
front and running `manage.py rotate_credentials` moves every row to it without downtime.
"""

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("CREDENTIAL_KEYS is empty: credentials cannot be encrypted.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "CREDENTIAL_KEYS must be url-safe base64 Fernet keys (Fernet.generate_key())."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.CREDENTIAL_KEYS))


def encrypt_json(value: dict) -> str:
    return fernet().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored credential cannot be decrypted with any key in CREDENTIAL_KEYS."
        ) from exc


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()
