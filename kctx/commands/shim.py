"""`kctx shim install|path`: put a real `kubectl` executable first on PATH (for scripts and CI images)."""

from __future__ import annotations

import os

from kctx.commands._parser import Parser
from kctx.env import Environment
from kctx.errors import ExitStatus
from kctx.shim import install as shiminstall
from kctx.shim import native as shimnative


def run(argv: list[str], env: Environment) -> int:
    p = Parser("shim", "Install the kubectl shim, or print its folder.")
    sub = p.add_subparsers(dest="action", required=True)
    inst = sub.add_parser("install", help="write the shim (default: the kctx data folder)")
    inst.add_argument("--dir", default="", help="install into this folder instead (e.g. /usr/local/bin)")
    sub.add_parser("path", help="print the shim folder (put it first on PATH)")
    args = p.parse_args(argv)
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
