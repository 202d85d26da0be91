"""The live server fixture of tests/live, for the Apollo Client test."""

from tests.live.conftest import live

__all__ = ["live"]
