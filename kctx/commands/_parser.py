"""argparse that reports usage errors as KctxError (one line, exit 2) instead of exiting itself."""

from __future__ import annotations

import argparse

from kctx.errors import UsageError

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from typing import Any, NoReturn


class Parser(argparse.ArgumentParser):
    def __init__(self, prog: str, description: str = "", **kw: Any) -> None:  # argparse's own
        super().__init__(prog=f"kctx {prog}", description=description, **kw)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")

