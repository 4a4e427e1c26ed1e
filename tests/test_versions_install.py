"""Installing real kubectl releases from a loopback mirror (and a file:// one), and all the ways to fail."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kctx.config import Config
from kctx.errors import KctxError
from kctx.guard.target import Target
from kctx.paths import Paths
from kctx.versions import cache, install, store
from kctx.versions.client import client_version
from kctx.versions.select import choose
from tests.kubectl_bins import kubectl_binary
from tests.mirror import Mirror, file_mirror

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def releases() -> dict[str, Path]:
    return {"1.37.1": kubectl_binary("1.37"), "1.36.4": kubectl_binary("1.36")}


@pytest.fixture(scope="module")
def mirror(releases: dict[str, Path]):
    with Mirror(releases, pause=1.5) as m:
        yield m


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """No proxies (the mirror is on 127.0.0.1), no kctx settings from the outer environment."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("KCTX_", "KUBECONFIG")) and "proxy" not in k.lower()}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(home.parent / "run"), PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def leftovers(paths: Paths, version: str) -> list[str]:
    folder = Path(store.version_dir(paths.kubectl_dir, version))
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_install_exact_version(home: Path, mirror: Mirror) -> None:
    environ = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base("good"))
    paths, err = Paths(environ), io.StringIO()
    before = mirror.downloads("1.36.4")
    binary = install.ensure(paths, "1.36.4", environ, err)
    assert binary == store.binary_path(paths.kubectl_dir, "1.36.4")
    assert os.stat(binary).st_mode & 0o777 == 0o755
    assert client_version(binary) == "1.36.4"
    assert leftovers(paths, "1.36.4") == ["kubectl"]
    assert "\r" not in err.getvalue()  # no progress bar without a terminal
    assert "sha256 verified" in err.getvalue() and "installed kubectl 1.36.4" in err.getvalue()
    install.ensure(paths, "1.36.4", environ, err)
    assert mirror.downloads("1.36.4") == before + 1  # already installed: no second download


def test_install_through_a_redirect_chain_with_a_progress_bar(home: Path, mirror: Mirror) -> None:
    environ = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base("redirect"))
    tty = TTY()
    install.ensure(Paths(environ), "1.37.1", environ, tty)
    hops = [p for _, p in mirror.log if p.endswith("/v1.37.1/bin/linux/amd64/kubectl")]
    assert [h.split("/")[1] for h in hops[-3:]] == ["redirect", "redirect2", "good"]
    assert "\r  [" not in tty.getvalue()  # a download quicker than a second draws no bar
    assert "sha256 verified" in tty.getvalue()


def test_a_download_longer_than_a_second_shows_a_progress_bar(home: Path, mirror: Mirror) -> None:
    environ = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base("trickle"))  # 1.5 s spread over the body
    tty = TTY()
    install.ensure(Paths(environ), "1.36.4", environ, tty)
    assert "\r  [" in tty.getvalue() and "MB/s" in tty.getvalue() and "sha256 verified" in tty.getvalue()


def test_a_stalled_download_gives_up(home: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> None:
    from kctx.versions import mirror as source

    assert source.STALL <= 10
    monkeypatch.setattr(source, "STALL", 1.0)  # the same code path, without waiting 10 s
    environ = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base("stall"))
    paths = Paths(environ)
    started = time.monotonic()
    with pytest.raises(KctxError) as err:
        install.ensure(paths, "1.36.4", environ, io.StringIO())
    assert time.monotonic() - started < 8
    assert "stalled: no data for 1 s after" in err.value.message and "nothing was installed" in err.value.message
    assert leftovers(paths, "1.36.4") == []


def test_install_from_a_file_mirror(home: Path, releases: dict[str, Path], tmp_path: Path) -> None:
    environ = clean_env(home, KCTX_KUBECTL_MIRROR=file_mirror(tmp_path / "mirror", releases))
    paths = Paths(environ)
    assert install.ensure_minor(paths, 1, 37, environ, io.StringIO()) == "1.37.1"
    assert client_version(store.binary_path(paths.kubectl_dir, "1.37.1")) == "1.37.1"


@pytest.mark.parametrize(("mode", "message"), [
    ("bad-digest", "sha256 mismatch"),
    ("html", "text/html (an HTML error page?), not a kubectl executable"),
    ("truncated", "short read"),
    ("no-sum", "no checksum published"),
])
def test_broken_mirrors_install_nothing(home: Path, mirror: Mirror, mode: str, message: str) -> None:
    environ = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base(mode))
    paths = Paths(environ)
    with pytest.raises(KctxError) as err:
        install.ensure(paths, "1.36.4", environ, io.StringIO())
    assert message in err.value.message and "\n" not in err.value.message
    assert leftovers(paths, "1.36.4") == []  # no binary, no temp file
    assert store.installed(paths.kubectl_dir) == []


def test_no_verify_installs_without_a_checksum_loudly(home: Path, mirror: Mirror) -> None:
    environ = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base("no-sum"))
    err = io.StringIO()
    install.ensure(Paths(environ), "1.36.4", environ, err, no_verify=True)
    url = re.escape(mirror.base("no-sum")) + r"/release/v1\.36\.4/bin/[^/]+/[^/]+/kubectl"
    assert re.search(f"^kctx: warning: no checksum at {url}\\.sha256: installing kubectl WITHOUT verification "
                     r"\(--no-verify\)$", err.getvalue(), re.M), err.getvalue()


def test_failures_are_remembered_briefly(home: Path, mirror: Mirror) -> None:
    environ = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base("html"))
    paths = Paths(environ)
    with pytest.raises(KctxError):
        install.ensure(paths, "1.37.1", environ, io.StringIO())
    asked = len(mirror.log)
    with pytest.raises(install.RecentFailure) as err:
        install.ensure(paths, "1.37.1", environ, io.StringIO())
    assert "kctx kubectl install 1.37.1" in err.value.message
    assert len(mirror.log) == asked  # the mirror was not asked again
    environ["KCTX_KUBECTL_MIRROR"] = mirror.base("good")
    install.ensure(paths, "1.37.1", environ, io.StringIO(), retry=True)  # an explicit install retries


def test_parallel_installs_download_once(home: Path, mirror: Mirror) -> None:
    env = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base("slow"))
    before = mirror.downloads("1.36.4")
    procs = [subprocess.Popen([sys.executable, "-m", "kctx", "kubectl", "install", "1.36.4"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(5)]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 5, [e for _, e in results]
    assert mirror.downloads("1.36.4") == before + 1
    for out, _ in results:
        version, binary = out.strip().split("\t")
        assert version == "1.36.4" and client_version(binary) == "1.36.4"
    assert any("waiting for another kctx" in e for _, e in results)


def test_selection_installs_the_servers_minor(home: Path, mirror: Mirror) -> None:
    environ = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base("named-sum"), PATH="/nonexistent")
    paths = Paths(environ)
    t = Target()
    t.context, t.cluster, t.server, t.ca_sha256 = "dev", "dev", "https://dev.example:6443", ""
    now = time.time()
    cache.write(cache.folder(paths.cache_dir), cache.Entry(t.server, "", "1.36.0", now, now, ""))
    with pytest.raises(KctxError) as err:  # installing off, nothing installed, no kubectl on PATH
        choose(t, Config(), environ, str(home), paths, detect=False, install=False)
    assert "no kubectl 1.35–1.37 is installed" in err.value.message
    c = choose(t, Config(), environ, str(home), paths, detect=False)
    assert (c.rule, c.version, c.server_version, c.skew) == ("server", "1.36.4", "1.36.0", "")
    assert "installed 1.36.4 just now" in c.why
    assert client_version(c.path) == "1.36.4"


def test_downloads_honour_http_proxy_and_no_proxy(home: Path, mirror: Mirror) -> None:
    from kctx.versions import mirror as source

    proxy = f"http://127.0.0.1:{mirror.port}"
    environ = clean_env(home, KCTX_KUBECTL_MIRROR="http://kubectl-mirror.invalid/good", HTTP_PROXY=proxy)
    assert source.latest_patch(environ, 1, 36) == "1.36.4"  # only reachable through the proxy
    assert mirror.log[-1] == ("GET", "http://kubectl-mirror.invalid/good/release/stable-1.36.txt")
    environ.update(KCTX_KUBECTL_MIRROR="http://127.0.0.1:9/good", NO_PROXY="127.0.0.1")
    with pytest.raises(KctxError, match="Connection refused"):
        source.latest_patch(environ, 1, 36)  # NO_PROXY: asked directly, and nothing listens there
    assert source._proxies({"HTTPS_PROXY": proxy, "no_proxy": "dl.k8s.io"}, "https://dl.k8s.io/x") == {}
    assert source._proxies({"HTTPS_PROXY": proxy}, "https://dl.k8s.io/x") == {"https": proxy}


def test_platforms_and_bad_settings() -> None:
    from kctx.versions import mirror as source

    assert source.platform("1.29.3", "Linux", "x86_64") == ("linux", "amd64")
    assert source.platform("1.29.3", "Darwin", "arm64") == ("darwin", "arm64")
    assert source.platform("1.20.15", "Darwin", "arm64") == ("darwin", "amd64")  # no arm64 build yet
    with pytest.raises(KctxError, match="no kubectl downloads for Windows"):
        source.platform("1.29.3", "Windows", "AMD64")
    with pytest.raises(KctxError, match="SSL_CERT_FILE=/nonexistent/ca.pem: no such file"):
        source.open_url("https://dl.k8s.io/x", {"SSL_CERT_FILE": "/nonexistent/ca.pem"})


def _target_at(paths: Paths, server_version: str) -> Target:
    t = Target()
    t.context, t.cluster, t.server, t.ca_sha256 = "dev", "dev", "https://dev.example:6443", ""
    now = time.time()
    cache.write(cache.folder(paths.cache_dir), cache.Entry(t.server, "", server_version, now, now, ""))
    return t


@pytest.mark.parametrize(("server", "expected", "how"), [
    ("1.38.0-rc.1", "1.37.1", "one minor older"),  # a pre-release: no stable-1.38.txt yet
    ("1.35.2", "1.36.4", "one minor newer"),  # a mirror without the server's minor (nor 1.34)
])
def test_selection_installs_an_adjacent_minor_the_mirror_has(home: Path, mirror: Mirror, server: str,
                                                             expected: str, how: str) -> None:
    environ = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base("good"), PATH="/nonexistent")
    paths = Paths(environ)
    c = choose(_target_at(paths, server), Config(), environ, str(home), paths, detect=False)
    assert (c.rule, c.version, c.server_version, c.skew, c.notice) == ("server", expected, server, "", "")
    assert f"runs {server}" in c.why and f"installed {expected} just now, {how}" in c.why
    assert client_version(c.path) == expected


def test_offline_falls_back_to_path_with_a_notice(home: Path, tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    kubectl = tmp_path / "bin" / "kubectl"
    kubectl.write_text("#!/bin/sh\nexit 0\n")
    kubectl.chmod(0o755)
    environ = clean_env(home, KCTX_KUBECTL_MIRROR="http://127.0.0.1:9", PATH=str(tmp_path / "bin"))
    paths = Paths(environ)
    c = choose(_target_at(paths, "1.36.0"), Config(), environ, str(home), paths, detect=False)
    assert (c.rule, c.path) == ("path", str(kubectl))
    assert c.notice.startswith(f"falling back to the kubectl on PATH ({kubectl})")
    assert "installing failed (kubectl 1.36:" in c.notice and "Connection refused" in c.notice
    assert "1.35" not in c.notice  # the mirror is unreachable: an adjacent minor is not tried
