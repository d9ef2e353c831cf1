"""A person's own inbox preferences."""

from __future__ import annotations


def user_sound_set(*, user, enabled: bool) -> None:
    user.sound_enabled = enabled
    user.save(update_fields=["sound_enabled"])
