"""What the shim decides for each team context, asked through the shim's own judge() (kctx/guard/judge.py), so
onboarding, `onboard --check` and a later kubectl call agree on protection and on the kubectl that runs.

The answer depends on the machine's setup only, never on this shell or on caches: no session, no
KCTX_KUBECTL_VERSION or KCTX_CONFIRM, .tool-versions looked up from the home folder, and the kubectl chosen as
before any server version is known (no detection, the server-version cache unread, nothing installed).
"""

from __future__ import annotations

from kctx.errors import KctxError
from kctx.guard.target import Target, resolve
from kctx.versions.parse import parse, parse_spec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.env import Environment
    from kctx.guard.judge import Judgement
    from kctx.workspace import Workspace

PROBE = ["apply", "-f", "-"]  # a write: what protection is about (judge() reads no stdin)
KEPT = ("KCTX_CONFIG",)  # the one kctx variable that is setup (where the config is), not shell state


def target_for(ws: Workspace, name: str) -> Target:
    """The target of ``kubectl --context name`` over everything kctx knows (all known kubeconfig files)."""
    return resolve({"context": name}, ws.env.environ, ws.paths, ws.config, view=ws.view)


def at_least(version: str, minimum: str) -> bool:
    have, want = parse(version), parse_spec(minimum)
    return have is not None and want is not None and have >= (want[0], want[1], max(want[2], 0))


def below_minimum(name: str, version: str, why: str, minimum: str) -> str:
    """The line for a team context that would run a kubectl older than the team's minimum."""
    runs = version or "unknown version"
    return (f'wrong kubectl for "{name}": {runs} ({why}); the team needs >= {minimum} (a kubectl.pins entry '
            "or kubectl.default in your config decides)")


class Judged:
    """judge() for ``kubectl --context NAME apply -f -`` on each team context, memoised per name. Create one
    after the config changed: a judgement reads the config as it is then."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.environ = _setup_environ(env)
        self._done: dict[str, Judgement] = {}
        self._environ: dict[str, dict[str, str]] = {}
        self._reported: dict[str, str] = {}

    def of(self, name: str) -> Judgement:
        if name not in self._done:
            from kctx.guard.judge import judge

            environ = self._environ[name] = dict(self.environ)  # judge() adds the KUBECONFIG the call needs
            self._done[name] = judge(["--context", name, *PROBE], environ, self.env.paths, self.env.paths.home,
                                     tty=True, install=False, mark=False, server=False)
        return self._done[name]

    def environ_for(self, name: str) -> dict[str, str]:
        """The environment kubectl gets for a call on ``name`` (as the shim would run it)."""
        self.of(name)
        return dict(self._environ[name])

    def protected(self, name: str) -> bool:
        """Whether the shim asks before a write to ``name``."""
        from kctx.guard.decision import ALLOW

        return self.of(name).decision.action != ALLOW

    def version(self, name: str) -> tuple[str, str]:
        """(version or "", why): "" when nothing would run or its version cannot be learnt."""
        version, _, why = self.binary(name)
        return version, why

    def binary(self, name: str) -> tuple[str, str, str]:
        """(version or "", the kubectl's path or "", why)."""
        j = self.of(name)
        if j.choice is None:
            return "", "", j.failure.message if j.failure else "no kubectl"
        c = j.choice
        return c.version or self._binary_version(c.path), c.path, c.why

    def _binary_version(self, path: str) -> str:
        if path not in self._reported:
            from kctx.versions.client import client_version

            try:
                self._reported[path] = client_version(path)
            except KctxError:
                self._reported[path] = ""
        return self._reported[path]


def _setup_environ(env: Environment) -> dict[str, str]:
    """The environment without this shell's state: kctx's per-shell variables go, and in a session KUBECONFIG
    is the shell's own files again (the session narrows it to its current context)."""
    environ = {k: v for k, v in env.environ.items() if not k.startswith("KCTX_") or k in KEPT}
    if env.session_path is not None:
        from kctx.workspace import Workspace

        try:
            base = Workspace(env).base_files
        except KctxError:
            base = []
        if base:
            environ["KUBECONFIG"] = ":".join(base)
        else:
            environ.pop("KUBECONFIG", None)
    return environ
