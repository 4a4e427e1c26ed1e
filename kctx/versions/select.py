"""Pick the kubectl for a target. The first rule that decides wins (docs/versions.md has the table):

1. ``env``: $KCTX_KUBECTL_VERSION (also set by ``kctx kubectl which/run --kubectl-version``), else
   $MISE_KUBECTL_VERSION, else $ASDF_KUBECTL_VERSION;
2. ``pin``: config ``kubectl.pins``, globs matched against the context name, then the cluster name;
3. ``tool-versions`` / ``mise``: the nearest project file naming kubectl, walking up from the cwd
   (kctx/versions/toolversions.py; the home folder's files are the user's global default, rule 5);
4. ``server``: the cluster's cached server version: an installed kubectl of the same minor (newest
   patch), else minor+1, else minor-1 (kctx's installs first, then the kubectl.1.NN beside a dispatcher on
   PATH), else the newest patch of the server's minor is installed, else of minor-1, else of minor+1;
5. ``global``: ``~/.tool-versions`` (what ``asdf global`` writes), the home folder's mise files, mise's
   global config;
6. ``default``: config ``kubectl.default`` (a version or a path), else ``path``: the first kubectl on PATH,
   else (``default``) the newest installed version. Reaching this after an earlier rule wanted a version
   it could not have is a fallback: the choice carries a ``notice``, which the shim says.

A requested version is ``1.29`` (newest installed, else newest released patch) or ``1.29.3``; ``system``
means the kubectl on PATH. Shim path: with warm caches this reads a few small files and opens no socket
and starts no process; it imports only os, time and kctx's cheap modules.
"""

from __future__ import annotations

import posix
import time

from kctx.errors import ExitStatus, KctxError
from kctx.util.fastos import expanduser, isfile
from kctx.util.globmatch import first_match
from kctx.versions import cache, store, toolversions
from kctx.versions.parse import fmt, minor_of, parse_spec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from kctx.config import Config
    from kctx.guard.target import Target
    from kctx.paths import Paths
    from kctx.versions.parse import Version

ENV = "KCTX_KUBECTL_VERSION"
ENVS = (ENV, "MISE_KUBECTL_VERSION", "ASDF_KUBECTL_VERSION")  # mise's and asdf's per-shell override, alike
SYSTEM = "system"  # asdf's word for "the one on PATH"
RULES = ("env", "pin", "tool-versions", "mise", "server", "global", "default", "path")


class Choice:
    """The kubectl to run and why. ``version`` is "" when unknown (a kubectl from PATH or a path).
    ``source``: what decided (a variable, a config key, ``file:line``). ``notice``: set when selection fell
    back from what the cluster needs to a kubectl it cannot vouch for (the shim says it, once per period).
    ``valid_until``: the epoch time until which the same files give the same choice (the server-version
    cache expires, the last-used mark is due); 0.0 when it came from a download or a detection."""

    __slots__ = ("version", "path", "rule", "why", "source", "skew", "server_version", "notice", "valid_until")

    def __init__(self, version: str, path: str, rule: str, why: str, source: str = "") -> None:
        self.version, self.path, self.rule, self.why, self.source = version, path, rule, why, source
        self.skew = ""
        self.server_version = ""
        self.notice = ""
        self.valid_until = 0.0

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__slots__}


class Request:
    """A version someone asked for: ``specs`` in order of preference (asdf fallbacks), ``where`` names the
    source for error messages, ``why`` explains the rule."""

    __slots__ = ("rule", "specs", "where", "why")

    def __init__(self, rule: str, specs: list[str], where: str, why: str) -> None:
        self.rule, self.specs, self.where, self.why = rule, specs, where, why


def choose(target: Target, config: Config, environ: Mapping[str, str], cwd: str, paths: Paths, *, detect: bool = True,
           install: bool = True, mark: bool = True) -> Choice:
    """The kubectl for ``target``. ``detect=False`` never touches the network (the cache is read even
    when stale); ``install=False`` never downloads. Raises KctxError when nothing usable exists."""
    picker = _Picker(environ, paths, install)
    entry, until = _server_entry(target, paths, environ, detect)
    request = requested(target, config, environ, cwd)
    choice = picker.resolve(request) if request else None
    if choice is None:
        choice = picker.by_server(target, entry) or picker.by_global() or picker.by_default(config)
    choice.server_version = entry.version if entry else ""
    choice.skew = skew(choice.version, choice.server_version, _label(target))
    choice.valid_until = 0.0 if picker.installed_now else min(until, picker.until)
    # Only a real run counts as use (`kctx kubectl gc`); reports (doctor, explain, the toolbar) pass mark=False.
    if mark and choice.version and choice.path == store.binary_path(paths.kubectl_dir, choice.version):
        choice.valid_until = min(choice.valid_until, store.mark_used(paths.kubectl_dir, choice.version))
    return choice


def requested(target: Target, config: Config, environ: Mapping[str, str], cwd: str) -> Request | None:
    """Rules 1–3: an explicit version from the environment, a pin or a project's asdf or mise file."""
    for name in ENVS:
        value = environ.get(name, "").strip()
        if value:
            return Request("env", [value], name, f"{name}={value}")
    pins = config.kubectl_pins
    if pins:
        for what, name in (("context", target.context), ("cluster", target.cluster)):
            hit = first_match(name, list(pins))
            if hit:
                where = f'{config.source or "config"}: kubectl.pins."{hit}"'
                return Request("pin", [pins[hit].strip()], where,
                               f'{what} "{name}" matches kubectl.pins "{hit}" ({pins[hit]})')
    found = toolversions.find(cwd, environ)
    return _file_request(found, found.kind) if found is not None else None


def _file_request(found: toolversions.Found, rule: str) -> Request:
    where = f"{found.file}:{found.line}"
    if not found.versions:
        raise KctxError(f"{where}: the kubectl line names no version")
    return Request(rule, found.versions, where, f"{where} says kubectl {' '.join(found.versions)}")


def skew(version: str, server_version: str, label: str) -> str:
    """A warning when ``version`` is outside kubectl's supported skew (±1 minor) of the server, else ""."""
    ours = minor_of(version) if version else None
    theirs = minor_of(server_version) if server_version else None
    if ours is None or theirs is None or (ours[0] == theirs[0] and abs(ours[1] - theirs[1]) <= 1):
        return ""
    return (f"kubectl {version} is outside the supported version skew of {label} (server {server_version}; "
            "kubectl supports one minor version older or newer)")


def _label(target: Target) -> str:
    if target.context:
        return f'context "{target.context}"'
    return f'cluster "{target.cluster}"' if target.cluster else target.server or "the cluster"


def _server_entry(target: Target, paths: Paths, environ: Mapping[str, str],
                  detect: bool) -> tuple[cache.Entry | None, float]:
    """The cached server version, refreshed if stale and ``detect``, and until when it stays fresh (0.0 when
    it is stale or was just detected)."""
    if not target.server:
        return None, float("inf")
    entry = cache.read(cache.folder(paths.cache_dir), target.server, target.ca_sha256)
    now = time.time()
    if entry is not None and entry.fresh(now):
        return entry, entry.expires()
    if detect:
        from kctx.versions.refresh import refresh

        try:
            entry = refresh(target, paths, environ)
        except OSError:
            pass  # an unwritable cache folder: do without detection rather than fail the command
    return entry, 0.0


class _Picker:
    """The steps after a rule has produced a version: installed? installable? else a fallback."""

    __slots__ = ("environ", "paths", "install", "have", "notes", "installed_now", "until", "dispatchers")

    def __init__(self, environ: Mapping[str, str], paths: Paths, install: bool) -> None:
        self.environ, self.paths, self.install = environ, paths, install
        self.have = store.installed(paths.kubectl_dir)
        self.notes: list[str] = []  # why earlier rules did not decide, for the final ``why``
        self.installed_now = False  # a download was tried on this call
        self.until = float("inf")  # a remembered install failure decided: until it is forgotten
        self.dispatchers: list[str] | None = None  # folders of the kubectls on PATH, looked up when needed

    def installed(self, version: str, rule: str, why: str, source: str = "") -> Choice:
        return Choice(version, store.binary_path(self.paths.kubectl_dir, version), rule, why, source)

    def resolve(self, req: Request) -> Choice:
        wanted = [_spec(text, req.where) for text in req.specs]
        for v in wanted:  # asdf order: the first one that is available wins
            if v is None:
                path = self._on_path()
                if path:
                    return Choice("", path, req.rule, f"{req.why}: the kubectl on PATH ({path})", req.where)
                continue
            hit = store.best(self.have, *v)
            if hit is not None:
                return self.installed(fmt(hit), req.rule, f"{req.why}: installed {fmt(hit)}", req.where)
            bundled = self._bundled(req.rule, req.why, v[0], v[1]) if v[2] < 0 else None
            if bundled is not None:
                bundled.source = req.where
                return bundled
        first = next((v for v in wanted if v is not None), None)
        if first is None:
            raise KctxError(f"{req.where}: asks for the system kubectl, but there is none on PATH",
                            ExitStatus.KUBECTL_MISSING)
        if self.install:
            version = self._install(first)
            return self.installed(version, req.rule, f"{req.why}: installed {version} just now", req.where)
        return self._not_installed(req, first)

    def _not_installed(self, req: Request, v: Version) -> Choice:
        """install=False: the same minor if any patch of it is installed, else the kubectl on PATH."""
        near = store.best(self.have, v[0], v[1])
        if near is not None:
            why = f"{req.why}: {fmt(v)} is not installed (installing is off); using {fmt(near)} (same minor)"
            return self.installed(fmt(near), req.rule, why, req.where)
        path = self._on_path()
        if path:
            return Choice("", path, "path", f"{req.why}, but it is not installed (installing is off): "
                                            f"using the kubectl on PATH ({path})", req.where)
        raise KctxError(f"{req.why}, but it is not installed and installing is off; "
                        f"run 'kctx kubectl install {fmt(v)}'", ExitStatus.KUBECTL_MISSING)

    def by_server(self, target: Target, entry: cache.Entry | None) -> Choice | None:
        """Rule 4, or None (with a note saying why) when the server version is unknown or nothing fits.

        Within kubectl's supported skew, installed before installable, and an adjacent minor before
        anything outside the skew: a pre-release server, a mirror without the server's minor or an offline
        machine still gets a kubectl that supports the cluster."""
        sv = minor_of(entry.version) if entry is not None and entry.version else None
        if entry is None or sv is None:
            if target.server:
                reason = entry.error if entry is not None and entry.error else "not detected yet"
                self.notes.append(f"server version of {_label(target)} unknown ({reason})")
            return None
        runs = f"{_label(target)} runs {entry.version} (detected {cache.age(entry)})"
        source = f"{target.server}/version"
        major, minor = sv
        for m, how in ((minor, "same minor"), (minor + 1, "one minor newer"), (minor - 1, "one minor older")):
            hit = store.best(self.have, major, m)
            if hit is not None:
                return self.installed(fmt(hit), "server", f"{runs}: installed {fmt(hit)}, {how}", source)
            bundled = self._bundled("server", f"{runs}: {how}", major, m)
            if bundled is not None:
                bundled.source = source
                return bundled
        if not self.install:
            self.notes.append(f"{runs}, but no kubectl {major}.{minor - 1}–{major}.{minor + 1} is installed "
                              "(installing is off)")
            return None
        failed = []
        for m, how in ((minor, ""), (minor - 1, ", one minor older"), (minor + 1, ", one minor newer")):
            try:
                version = self._install((major, m, -1))
            except KctxError as exc:
                failed.append(f"kubectl {major}.{m}: {exc.message}")
                if not _not_published(exc):  # offline, a broken mirror: an adjacent minor fails alike
                    break
                continue
            done = f"{runs}: " + "; ".join(failed) + "; " if failed else f"{runs}: "
            return self.installed(version, "server", f"{done}installed {version} just now{how}", source)
        self.notes.append(f"{runs}, but installing failed ({'; '.join(failed)})")
        return None

    def by_global(self) -> Choice | None:
        """The user's global asdf/mise version: a default, below the cluster's own version."""
        found = toolversions.find_global(self.environ)
        if found is None:
            return None
        request = _file_request(found, "global")
        if self.notes:
            request.why = f"{'; '.join(self.notes)}; {request.why}"
        return self.resolve(request)

    def by_default(self, config: Config) -> Choice:
        """Rule 5: the configured default, else the first kubectl on PATH."""
        prefix = "; ".join(self.notes) + "; " if self.notes else ""
        spec = config.kubectl_default.strip()
        where = f"{config.source or 'config'}: kubectl.default"
        if spec and "/" in spec:
            path = expanduser(spec)
            if not (isfile(path) and posix.access(path, posix.X_OK)):
                raise KctxError(f"{where}: {path} is not an executable file")
            return Choice("", path, "default", f"{prefix}kubectl.default is {path}", where)
        if spec:
            return self.resolve(Request("default", [spec], where, f"{prefix}kubectl.default is {spec}"))
        path = self._on_path()
        if path:
            what = "KCTX_KUBECTL" if path == self.environ.get("KCTX_KUBECTL") else "the first kubectl on PATH"
            source = "KCTX_KUBECTL" if what[0] == "K" else "PATH"
            choice = Choice("", path, "path", f"{prefix}{what} ({path})", source)
            return self._fell_back(choice, f"the kubectl on PATH ({path}), whose version kctx does not know")
        if self.have:  # the shim may be the only kubectl on PATH: the newest kctx-installed one then
            newest = fmt(self.have[0])
            why = f"{prefix}no default configured and no kubectl on PATH: the newest installed, {newest}"
            return self._fell_back(self.installed(newest, "default", why), f"kubectl {newest}, the newest installed")
        raise KctxError(f"{prefix}no kubectl to run: none installed by kctx fits and none is on PATH "
                        "(run 'kctx kubectl install VERSION')", ExitStatus.KUBECTL_MISSING)

    def _bundled(self, rule: str, why: str, major: int, minor: int) -> Choice | None:
        """A ``kubectl.<major>.<minor>`` shipped beside a dispatcher on PATH (the Google Cloud SDK's)."""
        from kctx.kubectl.binaries import bundled_minor, dispatcher_dirs

        if self.dispatchers is None:
            self.dispatchers = dispatcher_dirs(self.environ, self.paths.shim_dir)
        path = bundled_minor(self.dispatchers, major, minor)
        if not path:
            return None
        return Choice(f"{major}.{minor}", path, rule, f"{why}: {path}, shipped beside the kubectl dispatcher on PATH")

    def _fell_back(self, choice: Choice, what: str) -> Choice:
        """``choice`` carries a notice when an earlier rule wanted something it could not have."""
        if self.notes:
            choice.notice = f"falling back to {what}: {'; '.join(self.notes)}"
        return choice

    def _on_path(self) -> str:
        from kctx.kubectl.binaries import find

        return find(self.environ, self.paths.shim_dir)

    def _install(self, v: Version) -> str:
        import sys

        from kctx.versions import failures

        why, forgotten = failures.check(self.paths.cache_dir, fmt(v) if v[2] >= 0 else f"{v[0]}.{v[1]}")
        if why:  # checked here too: importing the installer costs more than the whole shim
            self.until = min(self.until, forgotten)
            raise KctxError(why)
        self.installed_now = True
        from kctx.versions import install

        if v[2] >= 0:
            install.ensure(self.paths, fmt(v), self.environ, sys.stderr)
            return fmt(v)
        return install.ensure_minor(self.paths, v[0], v[1], self.environ, sys.stderr)


def _not_published(exc: KctxError) -> bool:
    """The mirror answered that it has no such release (a pre-release's minor, a partial mirror). Only the
    installer raises that, so without it loaded (a remembered failure) it is not: nothing to import then."""
    import sys

    mirror = sys.modules.get("kctx.versions.mirror")
    return mirror is not None and isinstance(exc, mirror.NotFound)


def _spec(text: str, where: str) -> Version | None:
    """A requested version; None for "system"."""
    if text == SYSTEM:
        return None
    if text.startswith(("ref:", "path:")):
        raise KctxError(f'{where}: "{text}": only released kubectl versions work here (or "system")')
    v = parse_spec(text)
    if v is None:
        raise KctxError(f'{where}: "{text}" is not a kubectl version (expected e.g. 1.29 or 1.29.3)')
    return v
