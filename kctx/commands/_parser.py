"""argparse that reports usage errors as KctxError (one line, exit 2) instead of exiting itself, and prints
the command's help in the layout every kctx command shares (kctx/commands/helptext.py)."""

from __future__ import annotations

import argparse

from kctx.errors import UsageError

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from typing import Any, NoReturn

    from kctx.commands.helptext import Help


class Parser(argparse.ArgumentParser):
    def __init__(self, prog: str, description: str = "", doc: Help | None = None, **kw: Any) -> None:
        super().__init__(prog=f"kctx {prog}", description=description or (doc.description if doc else ""), **kw)
        self.doc = doc

    def format_help(self) -> str:
        if self.doc is None:  # a sub-command's own parser
            return super().format_help()
        from kctx.commands.helptext import render

        return render(self.doc, self)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")
