"""`kctx shim install|path`: put a real `kubectl` executable first on PATH (for scripts and CI images)."""

from __future__ import annotations

import os

from kctx.commands._parser import Parser
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus
from kctx.shim import install as shiminstall
from kctx.shim import native as shimnative

HELP = Help(
    ["shim install [--dir DIR]", "shim path"],
    "Install the kubectl shim (a real `kubectl` executable that runs the guard and the right kubectl\n"
    "version), or print its folder. `kctx init` does this for interactive shells; scripts and CI images\n"
    "put the folder first on PATH themselves.",
    [('export PATH="$(kctx shim path):$PATH"', "in a script or a Dockerfile"),
     ("kctx shim install --dir /usr/local/bin", "for every user of the machine")])


def parser() -> Parser:
    p = Parser("shim", doc=HELP)
    sub = p.add_subparsers(dest="action", required=True)
    inst = sub.add_parser("install", help="write the shim (default: the kctx data folder)",
                          description="Write the shim (default: the kctx data folder) and print its folder.",
                          examples=[("kctx shim install", "into the kctx data folder"),
                                    ("kctx shim install --dir /usr/local/bin", "for every user of the machine")])
    inst.add_argument("--dir", default="", help="install into this folder instead (e.g. /usr/local/bin)")
    sub.add_parser("path", help="print the shim folder (put it first on PATH)",
                   description="Print the shim folder (put it first on PATH).",
                   examples=[('export PATH="$(kctx shim path):$PATH"', "in a script or a Dockerfile")])
    return p


def run(argv: list[str], env: Environment) -> int:
    args = parser().parse_args(argv)
    folder = env.paths.shim_dir
    if args.action == "install":
        folder = os.path.abspath(args.dir) if args.dir else folder
        written = shiminstall.install(folder, native=shimnative.wanted(env.environ), retry=True)
        for path in written:
            env.stderr.write(f"installed {path}\n")
        path_dirs = env.environ.get("PATH", "").split(os.pathsep)
        if not path_dirs or os.path.realpath(path_dirs[0]) != os.path.realpath(folder):
            env.stderr.write(f'add it first on PATH: export PATH="{folder}:$PATH"\n')
    env.stdout.write(f"{folder}\n")
    return ExitStatus.OK
