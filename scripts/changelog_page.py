"""The changelog page of the documentation site: CHANGELOG.md at build time, its links made
to work on the site (``docs/x.md`` → ``x.md``; links to other repository files become plain
text). An mkdocs hook (``hooks:`` in mkdocs.yml)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = ROOT / "CHANGELOG.md"


def site_links(markdown: str) -> str:
    """Inline links into docs/ keep working from the site's root; other relative links (files
    of the repository the site does not hold) keep their text; reference definitions to such
    files go."""
    markdown = re.sub(r"^\[[^\]]+\]: (?!https?://)\S+\n", "", markdown, flags=re.M)
    markdown = re.sub(r"\]\(docs/([^)]+)\)", r"](\1)", markdown)
    return re.sub(r"\[([^\]]+)\]\((?!https?://|#)(?![\w/-]+\.md)[^)]+\)", r"\1", markdown)


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    content = site_links(CHANGELOG.read_text(encoding="utf-8"))
    files.append(File.generated(config, "changelog.md", content=content))
    return files
