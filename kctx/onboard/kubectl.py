"""Which kubectl a team context would run, without network or downloads (for the minimum and --check)."""

from __future__ import annotations

from kctx.errors import KctxError
from kctx.guard.target import Target, resolve
from kctx.versions.parse import parse, parse_spec
from kctx.versions.select import ENV as VERSION_ENV

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.workspace import Workspace


def target_for(ws: Workspace, name: str) -> Target:
    """The target of ``kubectl --context name`` over everything kctx knows (all known kubeconfig files)."""
    return resolve({"context": name}, ws.env.environ, ws.paths, ws.config, view=ws.view)


def at_least(version: str, minimum: str) -> bool:
    have, want = parse(version), parse_spec(minimum)
    return have is not None and want is not None and have >= (want[0], want[1], max(want[2], 0))


class Effective:
    """The kubectl each context would run as the machine is set up: selection without detection or
    installs, a per-shell KCTX_KUBECTL_VERSION ignored, .tool-versions looked up from the home folder."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.environ = {k: v for k, v in ws.env.environ.items() if k != VERSION_ENV}
        self._reported: dict[str, str] = {}

    def version(self, name: str) -> tuple[str, str]:
        """(version or "", why): "" when nothing would run or its version cannot be learnt."""
        version, _, why = self.binary(name)
        return version, why

    def binary(self, name: str) -> tuple[str, str, str]:
        """(version or "", the kubectl's path or "", why)."""
        from kctx.versions.select import choose

        try:
            c = choose(target_for(self.ws, name), self.ws.config, self.environ, self.ws.paths.home,
                       self.ws.paths, detect=False, install=False, mark=False)
        except KctxError as exc:
            return "", "", exc.message
        return c.version or self._binary_version(c.path), c.path, c.why

    def _binary_version(self, path: str) -> str:
        if path not in self._reported:
            from kctx.versions.client import client_version

            try:
                self._reported[path] = client_version(path)
            except KctxError:
                self._reported[path] = ""
        return self._reported[path]
