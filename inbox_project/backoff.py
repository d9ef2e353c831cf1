"""Exponential backoff, the one formula every retrying job uses: base, 2×base, 4×base …
capped. Each job chooses its base and cap (a reply waits seconds, a profile minutes)."""


def backoff_seconds(attempt: int, *, base: float, cap: float) -> float:
    """Delay before try number `attempt + 1` after `attempt` failures (1 → base)."""
    return min(cap, base * 2 ** max(0, attempt - 1))
