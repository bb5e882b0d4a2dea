"""The CLI's help in one language per locale (issue 18 item 12): Vietnamese by default
(and for any non-English LANG), English with LANG=en_*; every command's help line."""

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from cli import help_lang
from cli.main import main

ROOT = Path(__file__).resolve().parents[2]
VIETNAMESE = re.compile(
    r"[ăâđêôơưàáạảãằắặẳẵầấậẩẫèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹ]", re.I
)


def commands(group: click.Command, path: str = "") -> list[str]:
    found = [path]
    if isinstance(group, click.Group):
        for name, sub in group.commands.items():
            found += commands(sub, f"{path} {name}".strip())
    return found


def test_every_command_has_both_languages() -> None:
    missing = [p for p in commands(main) if p not in help_lang.HELP]
    assert missing == []
    for path, (vi, en) in help_lang.HELP.items():
        assert VIETNAMESE.search(vi), path
        assert not VIETNAMESE.search(en), path


@pytest.mark.parametrize(
    ("lang", "expect_vi"),
    [("", True), ("vi_VN.UTF-8", True), ("C.UTF-8", True), ("en_US.UTF-8", False)],
)
def test_help_follows_lang(lang: str, expect_vi: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    if lang:
        env["LANG"] = lang
    for args in (["--help"], ["users", "--help"], ["org", "--help"], ["calendar", "--help"]):
        out = subprocess.run(
            [sys.executable, "-c", "from cli.main import main; main()", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
        listed = [m.group(1) for m in re.finditer(r"^  [a-z-]+\s{2,}(\S.*)$", out, re.M)]
        assert listed, out
        for line in listed:
            assert bool(VIETNAMESE.search(line)) == expect_vi, (lang, args, line)
        assert ("Hiện trợ giúp này" in out) == expect_vi
