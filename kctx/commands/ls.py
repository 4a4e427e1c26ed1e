"""`kctx ls`: every context kctx knows, from kubectl's files and the config's globs."""

from __future__ import annotations

from kctx.commands._args import simple
from kctx.commands.helptext import Help
from kctx.commands.printer import GREEN_BOLD, RED_BOLD, Printer
from kctx.env import Environment
from kctx.errors import ExitStatus, UsageError
from kctx.guard.protection import protection
from kctx.workspace import Workspace

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypedDict

    class BaseRow(TypedDict):
        current: bool
        name: str
        cluster: str
        server: str
        namespace: str
        file: str
        protected: bool

    class Row(BaseRow, total=False):  # -o wide only
        user: str
        protected_by: str

HELP = Help(
    ["ls [-o table|wide|json|yaml|name]"],
    """
List every context kctx knows (kubectl's files and the config's kubeconfig globs), the current one marked
and, on a terminal, highlighted, protected ones in red (NO_COLOR turns colour off).
""",
    [("kctx ls", "the table"), ("kctx ls -o wide", "also the user, and why a context is protected"),
     ("kctx ls -o name | grep eu-", "names only, for scripts"), ("kctx ls -o json", "every field, for jq")],
    [("options", [("-o, --output FORMAT", "table (default), wide, json, yaml or name")])])
OUTPUTS = ("table", "wide", "json", "yaml", "name")
COLUMNS = ("CURRENT", "NAME", "CLUSTER", "SERVER", "NAMESPACE", "FILE", "PROTECTED")
WIDE_COLUMNS = ("CURRENT", "NAME", "CLUSTER", "SERVER", "USER", "NAMESPACE", "FILE", "PROTECTED")


def run(argv: list[str], env: Environment) -> int:
    flags, _ = simple(argv, "ls", HELP, {"-o": "output", "--output": "output"}, max_positional=0)
    output = flags.get("output", "table")
    if output not in OUTPUTS:
        raise UsageError(f"ls: -o must be {', '.join(OUTPUTS[:-1])} or {OUTPUTS[-1]}, not {output!r}")
    ws = Workspace(env)
    rows = rows_for(ws, wide=output == "wide")
    ws.warn_broken_files()
    if output == "json":
        import json

        env.stdout.write(json.dumps(rows, indent=2) + "\n")
    elif output == "yaml":
        import yaml

        env.stdout.write(yaml.safe_dump(rows, sort_keys=False, allow_unicode=True))
    elif output == "name":
        env.stdout.write("".join(r["name"] + "\n" for r in rows))
    else:
        env.stdout.write(table(rows, str(ws.paths.home), Printer(env).paint, wide=output == "wide"))
    return int(ExitStatus.OK)


def rows_for(ws: Workspace, wide: bool = False) -> list[Row]:
    """One row per context, by name; ``wide`` adds its user and the rule that protects it."""
    view, config, current = ws.view, ws.local_config, ws.current_context()
    rows: list[Row] = []
    for ctx in view.contexts():
        cl = view.cluster(ctx.cluster)
        server = cl.server if cl else ""
        why = protection(config, view, ctx.name, ctx.cluster, server)
        row: Row = {
            "current": ctx.name == current,
            "name": ctx.name,
            "cluster": ctx.cluster,
            "server": server,
            "namespace": ctx.namespace or "default",
            "file": ctx.file,
            "protected": bool(why),
        }
        if wide:
            row["user"], row["protected_by"] = ctx.user, why
        rows.append(row)
    rows.sort(key=lambda r: r["name"])
    return rows


def table(rows: list[Row], home: str, paint: Callable[[str, str], str] | None = None, wide: bool = False) -> str:
    """The rows as aligned columns; ``paint`` (Printer.paint) highlights the current context's name and the
    protected cell (the marks stay, for a terminal without colour)."""
    def cells(r: Row) -> list[str]:
        f = r["file"]
        f = "~" + f[len(home):] if f.startswith(home + "/") else f
        protected = (r.get("protected_by", "") or "yes") if r["protected"] else ""
        user = [r.get("user", "")] if wide else []
        return ["*" if r["current"] else "", r["name"], r["cluster"], r["server"], *user, r["namespace"], f,
                protected]

    columns = WIDE_COLUMNS if wide else COLUMNS
    grid = [list(columns)] + [cells(r) for r in rows]
    widths = [max(len(row[i]) for row in grid) for i in range(len(columns))]
    styles = [""] * len(columns)
    lines = ["   ".join(c.ljust(w) for c, w in zip(grid[0], widths, strict=True)).rstrip() + "\n"]
    for r, row in zip(rows, grid[1:], strict=True):
        styles[1] = GREEN_BOLD if r["current"] else ""
        styles[-1] = RED_BOLD if r["protected"] else ""
        lines.append(_line(row, widths, styles, paint))
    return "".join(lines)


def _line(cells: list[str], widths: list[int], styles: list[str], paint: Callable[[str, str], str] | None) -> str:
    """One aligned row, a cell painted (when it has a style) before its padding so the columns stay aligned."""
    last = max((i for i, c in enumerate(cells) if c), default=-1)
    out = []
    for i, (c, w, style) in enumerate(zip(cells[:last + 1], widths, styles, strict=False)):
        pad = "" if i == last else " " * (w - len(c))
        out.append((paint(c, style) if paint and style and c else c) + pad)
    return "   ".join(out) + "\n"
