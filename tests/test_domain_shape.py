"""The domain keeps its shape: features live in packages, and at most ten shared modules sit
at the top (a small shared module folds into the package it belongs to)."""

from __future__ import annotations

from pathlib import Path

import hindsight.domain

MAX_TOP_LEVEL_MODULES = 10


def test_the_domain_has_at_most_ten_top_level_modules() -> None:
    folder = Path(hindsight.domain.__file__).parent
    modules = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules
