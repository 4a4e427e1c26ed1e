"""Selection rules, one table row per rule, with fake installed binaries (no network, no downloads)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kctx.config import Config
from kctx.errors import ExitStatus, KctxError
from kctx.guard.target import Target
from kctx.paths import Paths
from kctx.versions import cache, store
from kctx.versions.select import choose

SERVER, CA = "https://prod.example:6443", "ab" * 32


class World:
    """An isolated HOME with fake installed versions, a fake kubectl on PATH and a seeded cache."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.bin = home / "bin"
        self.bin.mkdir()
        self.environ = {"HOME": str(home), "PATH": str(self.bin)}
        self.paths = Paths(self.environ)
        self.config = Config(source=str(home / "config.yaml"))
        self.cwd = home / "work"
        self.cwd.mkdir()

    def install(self, *versions: str) -> None:
        for v in versions:
            _executable(Path(store.binary_path(self.paths.kubectl_dir, v)))

    def on_path(self) -> str:
        return str(_executable(self.bin / "kubectl"))

    def server(self, version: str, error: str = "", age: float = 0.0) -> None:
        now = time.time() - age
        cache.write(cache.folder(self.paths.cache_dir), cache.Entry(SERVER, CA, version, now, now, error))

    def choose(self, target: Target | None = None, **kw):
        return choose(target or make_target(), self.config, self.environ, str(self.cwd), self.paths, **kw)


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def make_target(context: str = "prod-eu", cluster: str = "gke_prod", server: str = SERVER) -> Target:
    t = Target()
    t.context, t.cluster, t.server, t.ca_sha256 = context, cluster, server, CA
    t.user, t.files = "admin", []
    return t


@pytest.fixture
def world(home: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    def no_detection(*a, **kw):
        raise AssertionError("selection tried to detect the server version")

    def no_install(*a, **kw):
        raise AssertionError("selection tried to download")

    monkeypatch.setattr("kctx.versions.refresh.refresh", no_detection)
    monkeypatch.setattr("kctx.versions.install.ensure", no_install)
    monkeypatch.setattr("kctx.versions.install.ensure_minor", no_install)
    return World(home)


def test_env_wins_over_everything(world: World) -> None:
    world.install("1.27.4", "1.29.3", "1.30.1")
    world.config.kubectl_pins = {"prod-*": "1.29"}
    (world.cwd / ".tool-versions").write_text("kubectl 1.30.1\n")
    world.server("1.30.1")
    world.environ["KCTX_KUBECTL_VERSION"] = "v1.27"
    c = world.choose()
    assert (c.rule, c.version) == ("env", "1.27.4")
    assert c.path == store.binary_path(world.paths.kubectl_dir, "1.27.4")
    assert "KCTX_KUBECTL_VERSION=v1.27" in c.why
    assert c.server_version == "1.30.1"
    assert "outside the supported version skew" in c.skew  # 1.27 against a 1.30 server


@pytest.mark.parametrize(("pins", "expected", "matched"), [
    ({"prod-*": "1.29"}, "1.29.10", 'context "prod-eu" matches kubectl.pins "prod-*"'),  # newest patch
    ({"prod-*": "1.29.3"}, "1.29.3", "prod-*"),  # exact
    ({"prod-*": "v1.29.3"}, "1.29.3", "prod-*"),  # a leading v is fine
    ({"gke_*": "1.28"}, "1.28.2", 'cluster "gke_prod" matches kubectl.pins "gke_*"'),  # cluster name
    ({"gke_*": "1.28", "prod-eu": "1.29.3"}, "1.29.3", 'context "prod-eu"'),  # context before cluster
    ({"dev-*": "1.28"}, "1.30.0", None),  # no pin matches: the server rule decides
])
def test_pins(world: World, pins: dict, expected: str, matched: str | None) -> None:
    world.install("1.28.2", "1.29.3", "1.29.10", "1.30.0")
    world.server("1.30.0")
    world.config.kubectl_pins = pins
    c = world.choose()
    assert c.version == expected
    if matched:
        assert c.rule == "pin" and matched in c.why
    else:
        assert c.rule == "server"


def test_tool_versions_walking_up_with_fallbacks(world: World) -> None:
    world.install("1.28.0")
    repo = world.cwd / "repo"
    (repo / "charts" / "app").mkdir(parents=True)
    (repo / ".tool-versions").write_text("golang 1.22.0\nkubectl 1.29.3 1.28.0\n")
    world.cwd = repo / "charts" / "app"
    c = world.choose(install=False, detect=False)
    assert (c.rule, c.version) == ("tool-versions", "1.28.0")  # 1.29.3 is not installed: the asdf fallback
    assert f"{repo / '.tool-versions'}:2" in c.why


def test_tool_versions_system_means_path(world: World) -> None:
    kubectl = world.on_path()
    (world.cwd / ".tool-versions").write_text("kubectl system\n")
    c = world.choose(detect=False)
    assert (c.rule, c.path, c.version) == ("tool-versions", kubectl, "")


@pytest.mark.parametrize(("installed", "server", "expected", "how"), [
    (("1.28.9", "1.29.1", "1.29.4", "1.30.2"), "1.29.3", "1.29.4", "same minor"),  # newest patch of the minor
    (("1.28.9", "1.30.2", "1.30.5"), "1.29.3", "1.30.5", "one minor newer"),
    (("1.27.1", "1.28.9"), "1.29.3", "1.28.9", "one minor older"),
    (("1.29.1",), "1.29", "1.29.1", "same minor"),  # a server that reported only major.minor
])
def test_server_rule(world: World, installed: tuple, server: str, expected: str, how: str) -> None:
    world.install(*installed)
    world.server(server)
    c = world.choose()
    assert (c.rule, c.version, c.skew) == ("server", expected, "")
    assert how in c.why and f"runs {server}" in c.why


def test_server_rule_without_a_fit_and_no_install_falls_back_to_path(world: World) -> None:
    world.install("1.26.0")
    kubectl = world.on_path()
    world.server("1.29.3")
    c = world.choose(install=False)
    assert (c.rule, c.path) == ("path", kubectl)
    assert "no kubectl 1.28–1.30 is installed (installing is off)" in c.why


def test_unknown_server_version_uses_the_default(world: World) -> None:
    world.install("1.29.3", "1.30.1")
    world.server("", error="https://prod.example:6443: timed out")
    world.config.kubectl_default = "1.30"
    c = world.choose()
    assert (c.rule, c.version) == ("default", "1.30.1")
    assert "unknown (https://prod.example:6443: timed out)" in c.why


def test_default_path_and_no_kubectl_at_all(world: World) -> None:
    custom = _executable(world.home / "opt" / "kubectl")
    world.config.kubectl_default = str(custom)
    c = world.choose(make_target(server=""))
    assert (c.rule, c.path) == ("default", str(custom))
    world.config.kubectl_default = ""
    with pytest.raises(KctxError) as err:
        world.choose(make_target(server=""))
    assert err.value.status == ExitStatus.KUBECTL_MISSING
    assert "\n" not in err.value.message


def test_kctx_kubectl_env_counts_as_path(world: World) -> None:
    explicit = _executable(world.home / "tools" / "kubectl")
    world.environ["KCTX_KUBECTL"] = str(explicit)
    c = world.choose(make_target(server=""))
    assert (c.rule, c.path) == ("path", str(explicit))
    assert "KCTX_KUBECTL" in c.why


def test_install_off_prefers_the_same_minor_then_path(world: World) -> None:
    world.install("1.29.1")
    world.environ["KCTX_KUBECTL_VERSION"] = "1.29.3"
    c = world.choose(install=False, detect=False)
    assert (c.rule, c.version) == ("env", "1.29.1")
    assert "1.29.3 is not installed (installing is off)" in c.why
    world.environ["KCTX_KUBECTL_VERSION"] = "1.31.0"
    kubectl = world.on_path()
    c = world.choose(install=False, detect=False)
    assert (c.rule, c.path) == ("path", kubectl)


@pytest.mark.parametrize(("where", "value", "names"), [
    ("env", "1.x", "KCTX_KUBECTL_VERSION"),
    ("pin", "latest", 'kubectl.pins."prod-*"'),
    ("tool-versions", "ref:v1.29.3", ".tool-versions:1"),
    ("default", "1", "kubectl.default"),
])
def test_bad_versions_are_one_line_errors(world: World, where: str, value: str, names: str) -> None:
    if where == "env":
        world.environ["KCTX_KUBECTL_VERSION"] = value
    elif where == "pin":
        world.config.kubectl_pins = {"prod-*": value}
    elif where == "tool-versions":
        (world.cwd / ".tool-versions").write_text(f"kubectl {value}\n")
    else:
        world.config.kubectl_default = value
    with pytest.raises(KctxError) as err:
        world.choose(make_target(server=""))
    assert names in err.value.message and value in err.value.message
    assert "\n" not in err.value.message


def test_stale_entries_are_detected_once_and_never_with_detect_off(world: World,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    world.install("1.29.3")
    calls = []

    def fake_refresh(target, paths, environ, **kw):
        calls.append(target.server)
        now = time.time()
        entry = cache.Entry(target.server, target.ca_sha256, "1.29.3", now, now, "")
        cache.write(cache.folder(paths.cache_dir), entry)
        return entry

    monkeypatch.setattr("kctx.versions.refresh.refresh", fake_refresh)
    world.server("1.28.0", age=cache.OK_TTL + 60)  # stale
    c = world.choose(detect=False)
    assert calls == [] and c.server_version == "1.28.0"  # the stale value, and no detection
    c = world.choose()
    assert calls == [SERVER] and c.server_version == "1.29.3"
    world.choose()
    world.choose()
    assert calls == [SERVER]  # fresh now


def test_choice_marks_use(world: World) -> None:
    world.install("1.29.3")
    world.environ["KCTX_KUBECTL_VERSION"] = "1.29.3"
    used = Path(world.paths.kubectl_dir) / "1.29.3" / store.USED
    assert not used.exists()
    world.choose(detect=False)
    assert used.exists()


def test_unquoted_yaml_versions_are_refused(world: World, tmp_path: Path) -> None:
    from kctx.config import from_dict

    world.install("1.30.1")
    with pytest.raises(KctxError) as err:  # refused when the config is read, before any selection
        from_dict({"kubectl": {"pins": {"prod-*": 1.30}}}, str(tmp_path / "config.yaml"))
    assert "kubectl.pins.prod-*: versions must be quoted strings" in err.value.message
    assert "config.yaml" in err.value.message
    world.config = from_dict({"kubectl": {"pins": {"prod-*": "1.30"}}}, str(tmp_path / "config.yaml"))
    assert world.choose(detect=False).version == "1.30.1"


def test_fallback_notices_are_due_once_per_period(home: Path) -> None:
    from kctx.versions import notices

    paths = Paths({"HOME": str(home)})
    now = time.time()
    assert notices.due(paths.cache_dir, SERVER, now)
    assert not notices.due(paths.cache_dir, SERVER, now + 1)
    assert notices.due(paths.cache_dir, "https://other.example", now + 1)  # per cluster
    assert notices.due(paths.cache_dir, SERVER, now + notices.PERIOD + 1)


def test_no_fallback_notice_when_nothing_was_wanted(world: World) -> None:
    world.on_path()
    assert world.choose(make_target(server="")).notice == ""  # no cluster: PATH is the plain default
    world.server("", error="timed out")
    c = world.choose()
    assert c.rule == "path" and "server version of context" in c.notice and "timed out" in c.notice


def test_global_tool_versions_is_a_default_below_the_cluster(world: World) -> None:
    world.install("1.27.4", "1.30.1")
    (world.home / ".tool-versions").write_text("# asdf global kubectl 1.27.4\nkubectl 1.27.4\n")
    world.server("1.30.0")
    c = world.choose()
    assert (c.rule, c.version) == ("server", "1.30.1")  # not the global 1.27.4, which the server's skew rules out
    world.server("", error="timed out")
    c = world.choose()
    assert (c.rule, c.version, c.source) == ("global", "1.27.4", f"{world.home / '.tool-versions'}:2")
    assert "unknown (timed out)" in c.why and c.notice == ""


@pytest.mark.parametrize(("name", "text", "line", "expected"), [
    ("mise.toml", '[tools]\nkubectl = "1.29"\n', 2, "1.29.10"),
    (".mise.toml", "[env]\nA = 1\n\n[tools]\nnode = '20'\nkubectl = '1.29.3' # pinned\n", 6, "1.29.3"),
    ("mise.local.toml", '[tools]\nkubectl = ["1.31", "1.28"]\n', 2, "1.28.2"),  # fallbacks, in order
    ("mise.toml", '[tools]\nkubectl = [\n  "1.31",\n  "1.28",\n]\n', 2, "1.28.2"),
    (".config/mise.toml", '[tools]\nkubectl = { version = "1.29.3", os = ["linux"] }\n', 2, "1.29.3"),
    ("mise.toml", '[tools.kubectl]\nversion = "prefix:1.28"\n', 2, "1.28.2"),
    ("mise.toml", 'tools.kubectl = "1.28"\n', 1, "1.28.2"),
    ("mise.toml", '[tools]\n"aqua:kubernetes/kubectl" = "1.28"\n', 2, "1.28.2"),
])
def test_mise_files(world: World, name: str, text: str, line: int, expected: str) -> None:
    world.install("1.28.2", "1.29.3", "1.29.10")
    (world.cwd / name).parent.mkdir(parents=True, exist_ok=True)
    (world.cwd / name).write_text(text)
    c = world.choose(install=False, detect=False)
    assert (c.rule, c.version, c.source) == ("mise", expected, f"{world.cwd / name}:{line}")


def test_the_nearest_file_wins_whatever_its_kind(world: World) -> None:
    world.install("1.27.4", "1.28.2", "1.29.3", "1.30.1")
    repo = world.cwd / "repo"
    (repo / "sub" / "deeper").mkdir(parents=True)
    (repo / "mise.toml").write_text('[tools]\nkubectl = "1.29"\n')
    (repo / ".tool-versions").write_text("kubectl 1.27.4\n")  # same folder: mise's file comes first
    (repo / "sub" / ".tool-versions").write_text("kubectl 1.28.2\n")
    (repo / "sub" / "deeper" / "mise.toml").write_text('[tools]\nnode = "20"\n')  # no kubectl: walk on
    for cwd, rule, version in ((repo, "mise", "1.29.3"), (repo / "sub" / "deeper", "tool-versions", "1.28.2")):
        world.cwd = cwd
        assert (world.choose(detect=False).rule, world.choose(detect=False).version) == (rule, version)
    (repo / "mise.local.toml").write_text('[tools]\nkubectl = "1.30"\n')
    world.cwd = repo
    assert world.choose(detect=False).version == "1.30.1"


@pytest.mark.parametrize("name", ["MISE_KUBECTL_VERSION", "ASDF_KUBECTL_VERSION"])
def test_mise_and_asdf_variables_are_like_kctx_kubectl_version(world: World, name: str) -> None:
    world.install("1.28.2", "1.29.3")
    world.config.kubectl_pins = {"prod-*": "1.29"}
    world.environ[name] = "1.28"
    c = world.choose(detect=False)
    assert (c.rule, c.version, c.source) == ("env", "1.28.2", name)
    world.environ["KCTX_KUBECTL_VERSION"] = "1.29"
    assert world.choose(detect=False).version == "1.29.3"


@pytest.mark.parametrize(("text", "message"), [
    ("[tools]\nkubectl = 1.30\n", "mise.toml:2: expected a quoted kubectl version"),
    ("[tools]\nkubectl = { os = ['linux'] }\n", "mise.toml:2: the kubectl entry has no version"),
    ("[tools]\nkubectl = 'latest'\n", 'mise.toml:2: "latest" is not a kubectl version'),
    ("[tools]\nkubectl = []\n", "mise.toml:2: the kubectl entry names no version"),
])
def test_bad_mise_entries_are_one_line_errors(world: World, text: str, message: str) -> None:
    (world.cwd / "mise.toml").write_text(text)
    with pytest.raises(KctxError) as err:
        world.choose(detect=False)
    assert message in err.value.message and "\n" not in err.value.message
