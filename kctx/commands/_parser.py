"""argparse that reports usage errors as KctxError (one line, exit 2) instead of exiting itself, and prints
the command's help in the layout every kctx command shares (kctx/commands/helptext.py)."""

from __future__ import annotations

import argparse

from kctx.errors import UsageError

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from typing import Any, NoReturn

    from kctx.commands.helptext import Entries, Help


class Parser(argparse.ArgumentParser):
    """``doc``: a command's help. A sub-command (made by ``add_subparsers().add_parser``) passes ``examples``
    instead: its usage comes from the parser, its description from ``help``, in the same layout."""

    def __init__(self, prog: str, description: str = "", doc: Help | None = None,
                 examples: Entries | None = None, **kw: Any) -> None:
        prog = prog if prog.startswith("kctx ") else f"kctx {prog}"  # a sub-command's prog has it already
        super().__init__(prog=prog, description=description or (doc.description if doc else ""), **kw)
        self.doc, self.examples = doc, examples or []

    def format_help(self) -> str:
        if self.doc is None and not self.examples:  # a parser kctx's help does not know (tests/test_help.py)
            return super().format_help()
        from kctx.commands.helptext import Help, render

        doc = self.doc or Help([self.usage_line()], self.description or "", self.examples)
        return render(doc, self)

    def usage_line(self) -> str:
        """argparse's usage on one line, after "kctx " and without "[-h]" (the options list -h)."""
        words = self.format_usage().split()[2:]  # "usage:", "kctx"
        return " ".join(w for w in words if w != "[-h]")

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog.removeprefix('kctx ')}: {message}")  # the line starts with "kctx: error: "
