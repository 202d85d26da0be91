"""The exported SDL is checked in (schema.graphql): every API change shows up in review.

Regenerate with ``python -m hindsight.api.export > schema.graphql``.
"""

from __future__ import annotations

from pathlib import Path

from hindsight.api.export import sdl

CHECKED_IN = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_checked_in_sdl_matches_the_code() -> None:
    assert CHECKED_IN.read_text() == sdl(), "schema changed: regenerate schema.graphql"
