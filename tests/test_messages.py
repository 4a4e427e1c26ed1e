"""One rule for how kctx's messages start (kctx/errors.py): "kctx: error: " for kctx's own commands, the
shim and the REPL; `kctx ctx` and `kctx ns` keep kubectx's and kubens's "error: " (tests/test_ctx.py and
tests/test_ns.py hold their exact lines)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.runner import kctx

KCTX = Path(__file__).resolve().parent.parent / "kctx"
# A message that starts with a prefix written out by hand instead of through kctx.errors.prefix/line.
BY_HAND = re.compile(r"(kctx: |kctx [a-z]+: )?(error|warning|note|debug): ", re.I)


def test_kctx_s_own_commands_say_kctx_error(home):
    assert kctx("nope").err == "kctx: error: unknown command \"nope\" (see 'kctx --help')\n"
    assert kctx("ls", "-o", "xml").err == "kctx: error: ls: -o must be table, wide, json, yaml or name, not 'xml'\n"
    assert kctx("kubectl", "gc").err == "kctx: error: kubectl gc: the following arguments are required: --days\n"
    assert kctx("use", "--bogus").err == "kctx: error: use: unknown option --bogus (see 'kctx use -h')\n"


def test_kubectx_s_drop_ins_say_what_kubectx_says(home):
    assert kctx("ctx", "-d").err == "error: '-d' needs arguments\n"


def _message_starts(tree: ast.AST) -> list[tuple[int, str]]:
    """The first literal text of every string and f-string, but docstrings and removeprefix's argument."""
    skip = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    skip |= {id(a) for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr == "removeprefix" for a in n.args}
    out = []
    for n in ast.walk(tree):
        if id(n) in skip:
            continue
        if isinstance(n, ast.JoinedStr) and n.values and isinstance(n.values[0], ast.Constant):
            skip.add(id(n.values[0]))
            out.append((n.lineno, str(n.values[0].value)))
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.append((n.lineno, n.value))
    return out


def test_no_module_writes_a_prefix_by_hand():
    found = []
    for path in sorted(KCTX.rglob("*.py")):
        if path.name == "errors.py" or "sandbox" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(KCTX.parent)}:{n}: {text!r}" for n, text in _message_starts(tree)
                  if BY_HAND.match(text)]
    assert found == []
