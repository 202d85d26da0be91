"""When deprecated names go (docs/reference/api.md#deprecation-policy): every
``deprecation_reason`` says what to use instead and the date before which it stays."""

from __future__ import annotations

# Deprecated in 0.2.0 (2026-12-08): at least 90 days and one minor release.
NEXT_REMOVAL = ("0.4.0", "2027-03-08")


def going(reason: str, release: str = NEXT_REMOVAL[0], not_before: str = NEXT_REMOVAL[1]) -> str:
    """``reason`` plus when the name goes, as the SDL shows it in ``@deprecated(reason:)``."""
    return f"{reason} Goes in {release}, not before {not_before}."
