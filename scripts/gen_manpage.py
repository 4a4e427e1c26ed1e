#!/usr/bin/env python3
"""Generate kctx/data/man/kctx.1, the man page, from the help text every command prints (`kctx CMD -h`),
so the two never disagree. tests/test_manpage.py checks that the committed page is up to date.

    python3 scripts/gen_manpage.py           # write the page
    python3 scripts/gen_manpage.py --check   # exit 1 when the committed page differs
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kctx import __version__  # noqa: E402
from kctx.cli import ALIASES, COMMANDS  # noqa: E402
from kctx.commands.helptext import Help  # noqa: E402

PAGE = ROOT / "kctx" / "data" / "man" / "kctx.1"
ENVIRONMENT = [
    ("KUBECONFIG", "kubectl's kubeconfig files (colon list); kctx reads them the way kubectl does"),
    ("KCTX_CONFIG", "kctx's config file (default $XDG_CONFIG_HOME/kctx/config.yaml, else "
                    "~/.config/kctx/config.yaml)"),
    ("KCTX_CONFIRM", "a context name: commands that need confirmation run there without a terminal"),
    ("KCTX_KUBECTL_VERSION", "pin the kubectl version (1.29, 1.29.3 or system)"),
    ("KCTX_KUBECTL_MIRROR", "download kubectl releases from this base (https://, http:// or file://)"),
    ("KCTX_SESSION", "this shell's session file (set by the shell integration)"),
    ("KUBECTX_IGNORE_FZF", "set: use, ctx and ns list instead of opening the picker"),
    ("NO_COLOR", "set: no colour"),
]


def page() -> str:
    out = [
        f'.TH KCTX 1 "" "kctx {__version__}" "User Commands"',
        ".SH NAME",
        r"kctx \- run the right kubectl against the right cluster",
        ".SH SYNOPSIS",
        r".B kctx",
        r"\fICOMMAND\fR [\fIARGS\fR]",
        ".SH DESCRIPTION",
        "kctx keeps engineers from running the wrong kubectl against the wrong cluster: a kubeconfig session "
        "per shell, a kubectl shim on PATH whose guard asks before writes to protected clusters, the kubectl "
        "version each cluster needs, a prompt segment and an interactive shell. Bare",
        ".B kctx",
        "on a terminal opens the interactive shell.",
        ".SH COMMANDS",
    ]
    aliases = {name: [a for a, n in ALIASES.items() if n == name] for name in COMMANDS}
    for name, (module_name, summary) in COMMANDS.items():
        module = importlib.import_module(f"kctx.commands.{module_name}")
        parser = module.parser() if hasattr(module, "parser") else None
        out += command(module.HELP, summary, aliases[name], parser)
    out += [".SH ENVIRONMENT"]
    for var, text in ENVIRONMENT:
        out += [".TP", f".B {var}", escape(text)]
    out += [
        ".SH FILES",
        ".TP", ".I ~/.config/kctx/config.yaml", "protection rules, kubeconfig globs, kubectl pins, colours",
        ".TP", ".I ~/.kube/config", "kubectl's default kubeconfig",
        ".SH SEE ALSO",
        r"\fBkubectl\fR(1); README.md and docs/ in kctx's sources.",
    ]
    return "\n".join(out) + "\n"


def command(doc: Help, summary: str, aliases: list[str], parser: argparse.ArgumentParser | None) -> list[str]:
    also = f" (also: {', '.join(aliases)})" if aliases else ""
    out = [f'.SS "kctx {doc.command}"', escape(summary + also), ".PP", ".nf"]
    out += [escape(f"kctx {u}") for u in doc.usage]
    out += [".fi", ".PP", escape(" ".join(doc.description.split()))]
    for title, entries in doc.all_sections(parser):
        out += [".PP", f"\\fI{title.capitalize()}:\\fR"]
        for left, text in entries:
            indent = left.startswith("  ")
            out += [".RS" if indent else "", ".TP", f".B {escape(left.strip())}", escape(" ".join(text.split())),
                    ".RE" if indent else ""]
    out += [".PP", "\\fIExamples:\\fR", ".PP", ".RS", ".nf"]
    width = max(len(c) for c, _ in doc.examples)
    out += [escape(f"{c.ljust(width)}  # {why}" if why else c) for c, why in doc.examples]
    out += [".fi", ".RE"]
    return [line for line in out if line]


def escape(text: str) -> str:
    """Text as roff reads it literally: backslashes and hyphens escaped, no line starting a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed page instead of writing it")
    args = ap.parse_args()
    text = page()
    if args.check:
        if PAGE.read_text(encoding="utf-8") != text:
            print(f"{PAGE.relative_to(ROOT)} is out of date: run python3 scripts/gen_manpage.py", file=sys.stderr)
            return 1
        return 0
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
