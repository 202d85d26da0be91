"""Print the schema's SDL: ``python -m hindsight.api.export > schema.graphql``."""

from __future__ import annotations

from hindsight.api.build import build_schema
from hindsight.settings import Settings


def sdl() -> str:
    return build_schema(Settings()).as_str() + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
