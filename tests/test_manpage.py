"""The committed man page is what scripts/gen_manpage.py makes from the commands' help text."""

from __future__ import annotations

import subprocess
import sys

from tests.runner import ROOT


def test_the_committed_man_page_is_up_to_date():
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_manpage.py"), "--check"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr


def test_the_page_has_every_command_and_its_examples():
    from kctx.cli import COMMANDS

    text = (ROOT / "kctx" / "data" / "man" / "kctx.1").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f'.SS "kctx {name}"' in text
    assert text.count(r"\fIExamples:\fR") == len(COMMANDS)
    assert r"kctx ls \-o wide" in text  # hyphens escaped: copied from the page, options still work
