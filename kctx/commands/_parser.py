"""argparse that reports usage errors as KctxError (one line, exit 2) instead of exiting itself."""

from __future__ import annotations

import argparse

from kctx.errors import UsageError


class Parser(argparse.ArgumentParser):
    def __init__(self, prog: str, description: str = "", **kw) -> None:
        super().__init__(prog=f"kctx {prog}", description=description, **kw)

    def error(self, message: str):  # -> NoReturn
        raise UsageError(f"{self.prog}: {message}")

