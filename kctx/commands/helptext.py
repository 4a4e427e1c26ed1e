"""One layout for every command's help: usage lines, what it does, its arguments and options, examples.
Commands with an argparse parser take their arguments and options from it, so the two cannot drift. The
man page (scripts/gen_manpage.py) is made from the same text."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    import argparse

Entries = list[tuple[str, str]]  # (what to type, what it does)
Sections = list[tuple[str, Entries]]  # (title, entries)
HELP_OPTION = ("-h, --help", "show this help")
WIDTH = 26  # where the explanations start; a longer left side puts its explanation on the next line


class Help:
    """``usage``: lines after "kctx " (the first word is the command); ``sections``: ("arguments",
    "actions" or "options", entries) for a command without a parser; ``examples``: (command line, comment)."""

    __slots__ = ("usage", "description", "sections", "examples")

    def __init__(self, usage: list[str], description: str, examples: Entries, sections: Sections | None = None) -> None:
        self.usage, self.description, self.examples = usage, description.strip(), examples
        self.sections = sections or []

    @property
    def command(self) -> str:
        return self.usage[0].split()[0]

    def all_sections(self, parser: argparse.ArgumentParser | None = None) -> Sections:
        """The sections to show, "-h, --help" included; from ``parser`` when the command has one."""
        sections = parser_sections(parser) if parser is not None else [(t, list(e)) for t, e in self.sections]
        options = next((entries for title, entries in sections if title == "options"), None)
        if options is None:
            sections.append(("options", options := []))
        if HELP_OPTION not in options:
            options.append(HELP_OPTION)
        return sections


def render(h: Help, parser: argparse.ArgumentParser | None = None) -> str:
    lines = [f"{'usage:' if i == 0 else '      '} kctx {u}" for i, u in enumerate(h.usage)]
    lines += ["", *h.description.splitlines()]
    for title, entries in h.all_sections(parser):
        lines += ["", f"{title}:", *_entries(entries)]
    lines += ["", "examples:", *_examples(h.examples)]
    return "\n".join(lines) + "\n"


def parser_sections(parser: argparse.ArgumentParser) -> Sections:
    """A parser's sub-commands ("actions"), positional arguments and options, with their help."""
    import argparse

    actions: Entries = []
    for a in parser._actions:  # argparse has no public API for this; _actions has been stable for years
        if isinstance(a, argparse._SubParsersAction):
            helps = {c.dest: c.help or "" for c in a._choices_actions}
            for name, sub in a.choices.items():
                actions.append((name, helps.get(name, "")))
                # A sub-command's own arguments and options, indented under it.
                actions += [(f"  {left}", text) for left, text in _arguments(sub) + _options(sub)]
    arguments, options = _arguments(parser), _options(parser)
    return [(t, e) for t, e in (("actions", actions), ("arguments", arguments)) if e] + [("options", options)]


def _arguments(parser: argparse.ArgumentParser) -> Entries:
    import argparse

    return [(str(a.metavar or a.dest).upper(), _text(a)) for a in parser._actions
            if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]


def _options(parser: argparse.ArgumentParser) -> Entries:
    import argparse

    out = []
    for a in parser._actions:
        if a.option_strings and not isinstance(a, argparse._HelpAction) and a.help != argparse.SUPPRESS:
            value = f" {a.metavar or a.dest.upper()}" if a.nargs != 0 else ""
            out.append((", ".join(a.option_strings) + value, _text(a)))
    return out


def _text(a: argparse.Action) -> str:
    return (a.help or "") % {"default": a.default}


def _entries(entries: Entries) -> list[str]:
    out = []
    for left, text in entries:
        first, *rest = text.split("\n")
        if len(left) > WIDTH - 4:
            out += [f"  {left}", f"{' ' * WIDTH}{first}"]
        else:
            out.append(f"  {left.ljust(WIDTH - 2)}{first}".rstrip())
        out += [" " * WIDTH + more for more in rest]
    return out


def _examples(examples: Entries) -> list[str]:
    width = max(len(cmd) for cmd, _ in examples)
    return [f"  {cmd.ljust(width)}  # {why}" if why else f"  {cmd}" for cmd, why in examples]
