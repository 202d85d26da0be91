"""What an API process loads: river (and the SciPy it pulls in, ~1 s and ~90 MB) only when a
drift monitor runs, never just to serve requests."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("river", "scipy", "sklearn")


def test_serving_does_not_import_river() -> None:
    probe = (
        "import sys, hindsight.app, hindsight.cli; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout
