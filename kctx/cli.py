"""Entry point: pick the command module, run it, map errors to exit statuses in one place.

Command modules are imported only when used, so `kctx ls` does not pay for the REPL or the sandbox.
"""

from __future__ import annotations

import sys

from kctx import __version__
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError, line

# name -> (module under kctx.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "ls": ("ls", "list contexts from every known kubeconfig file"),
    "ctx": ("ctx", "kubectx-compatible: list, switch, rename, delete contexts"),
    "ns": ("ns", "kubens-compatible: list and switch namespaces"),
    "use": ("use", "switch this shell's context (needs the shell integration)"),
    "current": ("current", "print this shell's effective target"),
    "explain": ("explain", "show what a kubectl command would hit and what the guard decides"),
    "init": ("init", "print the shell integration: eval \"$(kctx init bash|zsh|fish)\""),
    "session": ("session", "manage per-shell sessions (used by the shell integration)"),
    "unlock": ("unlock", "let confirmations on one context pass in this shell for a while: kctx unlock CTX 15m -r WHY"),
    "lock": ("lock", "end this shell's unlock"),
    "audit": ("audit", "read the audit log: kctx audit [--context GLOB] [--since 2h] [--json] [--tail]"),
    "shim": ("shim", "install or locate the kubectl shim"),
    "shell": ("shell", "interactive kubectl shell with completion and its own session (bare kctx on a terminal)"),
    "prompt": ("prompt", "print the prompt segment (starship, oh-my-posh); on|off|toggle in this shell"),
    "completion": ("completion", "print a shell completion script: kctx completion bash|zsh|fish"),
    "kubectl": ("kubectl", "which kubectl version runs where; install, list and remove versions"),
    "demo": ("demo", "try kctx with three stand-in clusters (nothing of yours is touched)"),
    "onboard": ("onboard", "set this machine up from a team file (--check: list deviations, --dry-run: plan)"),
    "doctor": ("doctor", "check the whole kctx setup and print fixes"),
    "prune": ("prune", "remove stale contexts and unused cluster/user entries (--dry-run lists them)"),
    "each": ("each", "run one kubectl command on many contexts: kctx each 'prod-*' -- get pods"),
}
ALIASES = {"list": "ls", "context": "ctx", "namespace": "ns", "status": "current"}
NO_FILES = frozenset({"completion"})  # commands that touch none of kctx's files: they run without a home folder


def usage() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = [
        "usage: kctx COMMAND [ARGS]",
        "",
        "Run the right kubectl against the right cluster.",
        "",
        "commands:",
        *(f"  {name.ljust(width)}  {help_}" for name, (_, help_) in COMMANDS.items()),
        "",
        "examples:",
        '  eval "$(kctx init bash)"       # in ~/.bashrc: sessions, the kubectl shim, the prompt',
        "  kctx use                       # pick this shell's context",
        "  kctx explain -- delete ns web  # what it would hit, and whether kctx asks first",
        "",
        "Run 'kctx COMMAND -h' for a command's options and examples; man kctx. Docs: README.md and docs/.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    env = env or Environment()
    if env.stdout is None or env.stderr is None:  # started with a closed descriptor (`kctx ls >&-`)
        if env.stderr is not None:
            env.stderr.write(line("error", "standard output is closed"))
        return int(ExitStatus.ERROR)
    from kctx.commands._args import HelpRequested

    try:
        return _dispatch(argv, env)
    except HelpRequested as exc:
        env.stdout.write(str(exc))
        return int(ExitStatus.OK)
    except SystemExit as exc:  # argparse's -h
        return exc.code if isinstance(exc.code, int) else int(ExitStatus.OK)
    except KctxError as exc:
        env.stderr.write(line("error", exc.message))
        return int(exc.status)
    except KeyboardInterrupt:
        env.stderr.write("\n")
        return int(ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        # `kctx ls | head`: stop quietly, and keep Python from complaining at exit.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return int(ExitStatus.ERROR)


def _dispatch(argv: list[str], env: Environment) -> int:
    if not argv and env.stdin.isatty() and env.stdout_isatty:
        argv = ["shell"]  # bare `kctx` on a terminal opens the interactive shell
    if not argv or argv[0] in ("-h", "--help", "help"):
        env.stdout.write(usage())
        return int(ExitStatus.OK)
    if argv[0] in ("-V", "--version", "version"):
        env.stdout.write(f"kctx {__version__}\n")
        return int(ExitStatus.OK)
    name = ALIASES.get(argv[0], argv[0])
    if name not in COMMANDS:
        env.stderr.write(line("error", f"unknown command \"{argv[0]}\" (see 'kctx --help')"))
        return int(ExitStatus.USAGE)
    if name not in NO_FILES:
        env.paths.check()  # a HOME that cannot hold kctx's files: one line, before anything is read or created
    module_name = f"kctx.commands.{COMMANDS[name][0]}"
    __import__(module_name)  # importlib.import_module would import importlib for nothing
    module = sys.modules[module_name]
    return int(module.run(argv[1:], env))
