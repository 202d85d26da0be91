"""The command line explains itself: every option has help naming its default, options
that read the environment name their ``HINDSIGHT_*`` variable, no internal references."""

from __future__ import annotations

import argparse

import pytest

from hindsight.cli import _parser, main


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


def test_every_option_has_help_with_its_default() -> None:
    for name, command in _subcommands().items():
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            where = f"hindsight {name} {action.option_strings}"
            assert action.help, where
            assert "default" in action.help or "required" in action.help, where
            if action.default not in (None, False) and action.option_strings != ["--demo"]:
                assert "HINDSIGHT_" in action.help, where


def test_options_read_their_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HINDSIGHT_PORT", "8123")
    monkeypatch.setenv("HINDSIGHT_DEMO_OUTCOMES", "77")
    commands = _subcommands()
    assert commands["serve"].parse_args([]).port == 8123
    assert commands["demo"].parse_args([]).outcomes == 77


def test_help_cites_no_internal_documents(capsys: pytest.CaptureFixture[str]) -> None:
    for args in ([], *([name] for name in _subcommands())):
        with pytest.raises(SystemExit):
            main([*args, "--help"])
        text = capsys.readouterr().out
        assert "DESIGN" not in text and "§" not in text, text
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "HINDSIGHT_DATABASE_URL" in capsys.readouterr().out
