"""What the content team pulls out of the mart; text made safe for spreadsheets."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str | None) -> str | None:
    """A cell a spreadsheet will show as text, never run as a formula ('+5%' -> "'+5%")."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
