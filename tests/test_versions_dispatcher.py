"""A kubectl dispatcher (the Google Cloud SDK's): a `kubectl` that runs one of the `kubectl.1.NN` beside it.

The stand-in is a script that execs its bundled kubectl.1.30 (a real 1.30.0), so it reports 1.30.0 like the
real dispatcher reports whichever kubectl it would run.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from kctx.config import Config
from kctx.errors import KctxError
from kctx.guard.target import Target
from kctx.kubectl import binaries
from kctx.paths import Paths
from kctx.versions import cache, install, manage, store
from kctx.versions.select import choose
from tests.kubectl_bins import kubectl_binary
from tests.mirror import Mirror
from tests.test_versions_install import clean_env

SERVER = "https://gke.example:443"


@pytest.fixture
def sdk(tmp_path: Path) -> Path:
    """google-cloud-sdk/bin with the dispatcher and kubectl.1.29, kubectl.1.30; /usr/bin/kubectl links to it."""
    folder = tmp_path / "google-cloud-sdk" / "bin"
    folder.mkdir(parents=True)
    for minor in ("1.29", "1.30"):
        (folder / f"kubectl.{minor}").symlink_to(kubectl_binary(minor))
    dispatcher = folder / "kubectl"
    dispatcher.write_text(f'#!/bin/sh\nexec "{folder}/kubectl.1.30" "$@"\n')
    dispatcher.chmod(0o755)
    usr = tmp_path / "usr" / "bin"
    usr.mkdir(parents=True)
    (usr / "kubectl").symlink_to(dispatcher)
    return usr


def target(paths: Paths, server_version: str) -> Target:
    t = Target()
    t.context, t.cluster, t.server, t.ca_sha256 = "gke", "gke", SERVER, ""
    now = time.time()
    cache.write(cache.folder(paths.cache_dir), cache.Entry(SERVER, "", server_version, now, now, ""))
    return t


def test_a_dispatcher_is_never_registered_under_a_version(home: Path, sdk: Path) -> None:
    paths = Paths(clean_env(home))
    assert binaries.bundled(str(sdk / "kubectl")) == {
        "1.30": str(sdk.parent.parent / "google-cloud-sdk" / "bin" / "kubectl.1.30"),
        "1.29": str(sdk.parent.parent / "google-cloud-sdk" / "bin" / "kubectl.1.29")}
    with pytest.raises(KctxError) as err:
        manage.add(paths, str(sdk / "kubectl"), io.StringIO())
    assert "a dispatcher" in err.value.message and "(1.30, 1.29)" in err.value.message
    assert "\n" not in err.value.message and store.installed(paths.kubectl_dir) == []
    bundled = sdk.parent.parent / "google-cloud-sdk" / "bin" / "kubectl.1.29"
    assert manage.add(paths, str(bundled), io.StringIO()) == "1.29.4"  # one of its kubectls is a kubectl


@pytest.mark.parametrize(("server", "expected", "how"), [
    ("1.29.8-gke.100", "1.29", "same minor"),
    ("1.31.2", "1.30", "one minor older"),
])
def test_selection_uses_the_kubectls_beside_a_dispatcher(home: Path, sdk: Path, server: str, expected: str,
                                                         how: str) -> None:
    environ = clean_env(home, PATH=str(sdk))
    paths = Paths(environ)
    c = choose(target(paths, server), Config(), environ, str(home), paths, detect=False, install=False)
    assert (c.rule, c.version, c.skew, c.notice) == ("server", expected, "", "")
    assert c.path.endswith(f"google-cloud-sdk/bin/kubectl.{expected}") and how in c.why
    environ["KCTX_KUBECTL_VERSION"] = "1.29"
    c = choose(target(paths, server), Config(), environ, str(home), paths, detect=False, install=False)
    assert (c.rule, c.path.rsplit("/", 1)[1]) == ("env", "kubectl.1.29")


def test_an_installed_kubectl_comes_before_a_bundled_one(home: Path, sdk: Path) -> None:
    environ = clean_env(home, PATH=str(sdk))
    paths = Paths(environ)
    manage.add(paths, str(kubectl_binary("1.29")), io.StringIO())
    c = choose(target(paths, "1.29.1"), Config(), environ, str(home), paths, detect=False, install=False)
    assert (c.version, c.path) == ("1.29.4", store.binary_path(paths.kubectl_dir, "1.29.4"))


def test_a_dispatcher_has_no_version_of_its_own(tmp_path: Path, sdk: Path) -> None:
    from kctx.kubectl.binaryversion import ask

    assert ask(str(sdk / "kubectl"), str(tmp_path / "versions.marshal"), "m", ("k",)) == ""
    assert ask(str(kubectl_binary("1.30")), str(tmp_path / "versions.marshal"), "m", ("k",)) == "1.30.0"


def test_install_replaces_a_dispatcher_an_older_kctx_registered(home: Path, sdk: Path) -> None:
    releases = {"1.30.0": kubectl_binary("1.30")}
    with Mirror(releases) as mirror:
        environ = clean_env(home, KCTX_KUBECTL_MIRROR=mirror.base("good"))
        paths = Paths(environ)
        binary = Path(store.binary_path(paths.kubectl_dir, "1.30.0"))
        binary.parent.mkdir(parents=True)
        binary.symlink_to(sdk / "kubectl")  # what `kctx kubectl add` did before it knew dispatchers
        install.ensure(paths, "1.30.0", environ, io.StringIO())
        assert mirror.downloads("1.30.0") == 1 and not binary.is_symlink()


REAL = Path("/usr/lib/google-cloud-sdk/bin/kubectl")


@pytest.mark.skipif(not (REAL.exists() and Path(f"{REAL}.1.30").exists()), reason="no Google Cloud SDK kubectl here")
def test_the_real_cloud_sdk_dispatcher_is_recognised(home: Path) -> None:
    with pytest.raises(KctxError, match="a dispatcher"):
        manage.add(Paths(clean_env(home)), str(REAL), io.StringIO())
