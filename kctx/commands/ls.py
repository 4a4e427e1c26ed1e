"""`kctx ls`: every context kctx knows, from kubectl's files and the config's globs."""

from __future__ import annotations

from kctx.commands._args import simple
from kctx.env import Environment
from kctx.errors import ExitStatus, UsageError
from kctx.guard.protection import protection
from kctx.workspace import Workspace

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from typing import TypedDict

    class Row(TypedDict):
        current: bool
        name: str
        cluster: str
        server: str
        namespace: str
        file: str
        protected: bool

USAGE = """usage: kctx ls [-o table|json|name]

List every context kctx knows (kubectl's files and the config's kubeconfig globs), the current one marked.
"""
COLUMNS = ("CURRENT", "NAME", "CLUSTER", "SERVER", "NAMESPACE", "FILE", "PROTECTED")


def run(argv: list[str], env: Environment) -> int:
    flags, _ = simple(argv, "ls", USAGE, {"-o": "output", "--output": "output"}, max_positional=0)
    output = flags.get("output", "table")
    if output not in ("table", "json", "name"):
        raise UsageError(f"kctx ls: -o must be table, json or name, not {output!r}")
    ws = Workspace(env)
    rows = rows_for(ws)
    ws.warn_broken_files()
    if output == "json":
        import json

        env.stdout.write(json.dumps(rows, indent=2) + "\n")
    elif output == "name":
        env.stdout.write("".join(r["name"] + "\n" for r in rows))
    else:
        env.stdout.write(table(rows, str(ws.paths.home)))
    return int(ExitStatus.OK)


def rows_for(ws: Workspace) -> list[Row]:
    view, config, current = ws.view, ws.config, ws.current_context()
    rows: list[Row] = []
    for ctx in view.contexts():
        cl = view.cluster(ctx.cluster)
        server = cl.server if cl else ""
        rows.append({
            "current": ctx.name == current,
            "name": ctx.name,
            "cluster": ctx.cluster,
            "server": server,
            "namespace": ctx.namespace or "default",
            "file": ctx.file,
            "protected": bool(protection(config, view, ctx.name, ctx.cluster, server)),
        })
    rows.sort(key=lambda r: r["name"])
    return rows


def table(rows: list[Row], home: str) -> str:
    def cells(r: Row) -> list[str]:
        f = r["file"]
        f = "~" + f[len(home):] if f.startswith(home + "/") else f
        return ["*" if r["current"] else "", r["name"], r["cluster"], r["server"], r["namespace"], f,
                "yes" if r["protected"] else ""]

    grid = [list(COLUMNS)] + [cells(r) for r in rows]
    widths = [max(len(row[i]) for row in grid) for i in range(len(COLUMNS))]
    return "".join("   ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n" for row in grid)
