"""The documentation site's generated pages: the GraphQL reference covers every type and root
field of ``schema.graphql`` (it is built from it at every ``make docs``), and the changelog
page keeps its links working from the site; mkdocs.yml's nav names only pages that exist."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from graphql import build_schema

ROOT = Path(__file__).resolve().parents[1]


def hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_graphql_reference_names_every_type_and_root_field() -> None:
    sdl = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    page = hook("graphql_reference").page(sdl)
    schema = build_schema(sdl)
    roots = [schema.query_type, schema.mutation_type, schema.subscription_type]
    headings = set(re.findall(r"^### (\w+)$", page, re.M))
    named = {n for n in schema.type_map if not n.startswith("__")} - {r.name for r in roots if r}
    assert named - headings == set()
    for root in filter(None, roots):
        for field in root.fields:
            assert f"- **`{field}`**" in page, f"{root.name}.{field}"


def test_the_changelog_page_links_work_from_the_site() -> None:
    links = hook("changelog_page").site_links
    text = "see [the policy](docs/reference/api.md#x) in [`schema/`](schema/releases/)\n"
    text += "[0.1.0]: schema/releases/0.1.0.graphql\n"
    assert links(text) == "see [the policy](reference/api.md#x) in `schema/`\n"


def test_the_nav_names_pages_that_exist_or_are_generated() -> None:
    nav = re.findall(r"^\s+- (?:[^:\n]+: )?(\S+\.md)$", (ROOT / "mkdocs.yml").read_text(), re.M)
    generated = {"reference/graphql.md", "changelog.md"}
    assert nav and [p for p in nav if p not in generated and not (ROOT / "docs" / p).exists()] == []
