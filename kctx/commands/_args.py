"""A tiny argument parser for the hot commands (no argparse import)."""

from __future__ import annotations

from kctx.errors import UsageError

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from kctx.commands.helptext import Help


def simple(argv: list[str], prog: str, doc: Help, value_flags: dict[str, str] = {},  # noqa: B006
           max_positional: int = 1) -> tuple[dict[str, str], list[str]]:
    """A tiny parser for the hot commands (ls, use): importing argparse would slow their start.

    ``value_flags`` maps each spelling (-o, --output) to a key. Returns (flags, positionals);
    ``-h``/``--help`` raises HelpRequested with the help text (rendered only then).
    """
    flags: dict[str, str] = {}
    pos: list[str] = []
    it = iter(argv)
    value: str | None  # a flag's value; None when the line ends before it
    for arg in it:
        if arg in ("-h", "--help"):
            from kctx.commands.helptext import render

            raise HelpRequested(render(doc))
        name, eq, value = arg.partition("=")
        if name in value_flags and name.startswith("-"):
            if not eq:
                value = next(it, None)
                if value is None:
                    raise UsageError(f"{prog}: {name} needs a value")
            flags[value_flags[name]] = value
        elif arg.startswith("-") and arg != "-":
            raise UsageError(f"{prog}: unknown option {arg} (see 'kctx {prog} -h')")
        else:
            pos.append(arg)
    if len(pos) > max_positional:
        raise UsageError(f"{prog}: too many arguments (see 'kctx {prog} -h')")
    return flags, pos


class HelpRequested(Exception):
    """Raised by ``simple`` for -h; cli.main prints the text and exits 0."""
