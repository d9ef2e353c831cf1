"""Money as sellers read it: whole đồng, Vietnamese grouping, whatever the UI language."""


def vnd(amount) -> str:
    """350000 -> "350.000 ₫"; anything that is not a whole number -> ""."""
    try:
        value = int(amount)
    except (TypeError, ValueError):
        return ""
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value):,}".replace(",", ".") + " ₫"
