"""Every command's help has the same layout (usage, what it does, arguments/options, examples), and a
command with a parser shows every option the parser takes."""

from __future__ import annotations

import argparse
import importlib
import io
import re
from contextlib import redirect_stdout

import pytest

from kctx.cli import COMMANDS
from kctx.commands.helptext import Help
from tests.runner import kctx

SECTION = re.compile(r"^(actions|arguments|options|examples):$", re.M)


def module(name: str):
    return importlib.import_module(f"kctx.commands.{COMMANDS[name][0]}")


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_the_same_layout_for_every_command(name, flag, home):
    printed = io.StringIO()
    with redirect_stdout(printed):  # argparse prints its help on sys.stdout itself
        r = kctx(name, flag)
    assert (r.code, r.err) == (0, ""), r
    out = r.out + printed.getvalue()
    doc = module(name).HELP
    assert isinstance(doc, Help) and doc.command == name
    usage, description, *sections = out.rstrip("\n").split("\n\n")
    assert usage.startswith(f"usage: kctx {name}")
    assert all(line.startswith("       kctx ") for line in usage.splitlines()[1:])
    assert description and not SECTION.search(description)
    titles = [s.splitlines()[0] for s in sections]
    assert titles[-2:] == ["options:", "examples:"] and set(titles) <= {"actions:", "arguments:", "options:",
                                                                          "examples:"}
    assert "  -h, --help              show this help" in sections[-2].splitlines()
    examples = sections[-1].splitlines()[1:]
    assert examples and all(line.startswith("  ") and "kctx" in line for line in examples)


def sub_commands() -> list[tuple[str, str]]:
    out = []
    for name in sorted(n for n in COMMANDS if hasattr(module(n), "parser")):
        for a in module(name).parser()._actions:
            if isinstance(a, argparse._SubParsersAction):
                out += [(name, action) for action in a.choices]
    return out


@pytest.mark.parametrize(("name", "action"), sub_commands())
def test_sub_commands_share_the_layout(name, action, home):
    printed = io.StringIO()
    with redirect_stdout(printed):
        r = kctx(name, action, "-h")
    assert (r.code, r.err) == (0, ""), r
    usage, description, *sections = (r.out + printed.getvalue()).rstrip("\n").split("\n\n")
    assert usage.startswith(f"usage: kctx {name} {action}") and "[-h]" not in usage, usage
    assert description[0].isupper() and description.endswith("."), description
    titles = [s.splitlines()[0] for s in sections]
    assert titles[-2:] == ["options:", "examples:"] and set(titles) <= {"arguments:", "options:", "examples:"}
    assert "  -h, --help              show this help" in sections[-2].splitlines()
    examples = sections[-1].splitlines()[1:]
    assert examples and all(f"kctx {name} {action}" in line for line in examples), examples


@pytest.mark.parametrize("name", sorted(n for n in COMMANDS if hasattr(module(n), "parser")))
def test_a_parser_s_options_are_all_in_its_help(name):
    parser = module(name).parser()
    text = parser.format_help()
    parsers = [parser] + [sub for a in parser._actions if isinstance(a, argparse._SubParsersAction)
                          for sub in a.choices.values()]
    for p in parsers:
        for action in p._actions:
            for option in action.option_strings:
                assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), (name, option)


def test_use_ctx_and_ns_say_the_same_success_line():
    import inspect

    from kctx.commands import ctx, ns, use

    for mod in (use, ctx, ns):
        assert "out.success(" in inspect.getsource(mod)
