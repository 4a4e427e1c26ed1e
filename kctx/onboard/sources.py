"""Where things come from: the team file and kubeconfig sources (a local path or an http(s) URL, relative
ones resolved against the team file), and credential commands that write a kubeconfig to ``{path}``."""

from __future__ import annotations

import os

from kctx.errors import KctxError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from kctx.onboard.transport import Transport

MAX_BYTES = 16 << 20  # a kubeconfig is kilobytes; anything this big is a wrong URL, not a config
COMMAND_TIMEOUT = 300.0  # cloud CLIs may be slow, but a run from a script must end
STDERR_LINES = 20  # how much of a failing command's stderr to show


class CommandFailed(KctxError):
    """A credentials command failed; ``stderr`` holds what it said (shown above the one-line error)."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def locate(arg: str, cwd: str, home: str) -> str:
    """The team file as given on the command line: an http(s) URL, or an absolute local path."""
    if is_url(arg):
        return arg
    scheme = arg.split("://", 1)[0] if "://" in arg else ""
    if scheme and scheme.replace("+", "").replace(".", "").replace("-", "").isalnum() and scheme != "file":
        raise KctxError(f"{arg}: only https:// URLs (http:// for this machine), file:// URLs and local paths; "
                        "a URL's scheme is written in lower case")
    if arg.startswith("file://"):
        from urllib.request import url2pathname

        return url2pathname(arg[len("file://"):])
    return os.path.normpath(os.path.join(cwd, _home(arg, home)))


def resolve(base: str, ref: str, home: str) -> str:
    """``ref`` (a path or URL from the team file) relative to the team file at ``base``."""
    if is_url(ref) or ref.startswith("file://"):
        return locate(ref, "/", home)
    ref = _home(ref, home)
    if os.path.isabs(ref):
        return os.path.normpath(ref)
    if is_url(base):
        from urllib.parse import urljoin

        return urljoin(base, ref)
    return os.path.normpath(os.path.join(os.path.dirname(base), ref))


def _home(path: str, home: str) -> str:
    return home + path[1:] if path == "~" or path.startswith("~/") else path


def read(location: str, transport: Transport | None = None) -> bytes:
    """The bytes at ``location``; KctxError (one line naming it) when they cannot be had. A URL is fetched
    under ``transport``'s rules (https, or plain http only on loopback or with --insecure-http)."""
    if is_url(location):
        if transport is None:
            raise KctxError(f"{location}: not fetched (this mode reads only local files)")
        return _limited(transport.read(location, MAX_BYTES), location)
    try:
        with open(location, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise KctxError(f"{location}: cannot read: {exc.strerror or exc}") from None
    return _limited(data, location)


def _limited(data: bytes, where: str) -> bytes:
    if len(data) > MAX_BYTES:
        raise KctxError(f"{where}: larger than {MAX_BYTES >> 20} MiB; not a kubeconfig")
    return data


def command_cwd(team_location: str, home: str) -> str:
    """Where credentials commands run: the team file's folder, or the home folder for a fetched file."""
    return home if is_url(team_location) else os.path.dirname(team_location)


def command_argv(command: list[str] | str, path: str) -> list[str]:
    """The argv to run: a list gets ``{path}`` replaced in each word; a string runs under sh with the path
    shell-quoted (so a path with spaces stays one word)."""
    if isinstance(command, list):
        return [word.replace("{path}", path) for word in command]
    import shlex

    return ["/bin/sh", "-c", command.replace("{path}", shlex.quote(path))]


def run_command(command: list[str] | str, path: str, extra_env: dict[str, str], environ: Mapping[str, str], cwd: str,
                where: str) -> None:
    """Run a credentials command that writes a kubeconfig to ``path`` (also given as $KUBECONFIG, which
    cloud CLIs' get-credentials honour). Non-interactive: stdin is /dev/null."""
    import subprocess

    argv = command_argv(command, path)
    env = dict(environ)
    env["KUBECONFIG"] = path
    env.update({k: v.replace("{path}", path) for k, v in extra_env.items()})
    try:
        proc = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=COMMAND_TIMEOUT, check=False)
    except FileNotFoundError:
        raise KctxError(f"{where}: cannot run {argv[0]}: command not found") from None
    except OSError as exc:
        raise KctxError(f"{where}: cannot run {argv[0]}: {exc.strerror or exc}") from None
    except subprocess.TimeoutExpired:
        raise KctxError(f"{where}: {argv[0]} did not finish in {COMMAND_TIMEOUT:.0f} s") from None
    if proc.returncode != 0:
        said = proc.stderr.decode(errors="replace").strip().splitlines()
        last = said[-1] if said else "no message on stderr"
        raise CommandFailed(f"{where}: credentials command failed (exit status {proc.returncode}): {last}",
                            "\n".join(said[-STDERR_LINES:]))
    if not os.path.exists(path):
        raise KctxError(f"{where}: the credentials command succeeded but wrote nothing to {path} "
                        "(it should write there, or to $KUBECONFIG)")
