"""A home wired to the stand-in clusters: kubeconfig, protection of prod*, a real kubectl on PATH."""

from __future__ import annotations

import os
from pathlib import Path

from kctx.sandbox import Sandbox
from kctx.shim import install as shiminstall


def sandbox_world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path, *, shim: bool,
                  native: bool | None = None) -> dict:
    """``shim``: put an installed kctx shim first on PATH (tests of the shim itself); ``native``: as a native
    launcher (default: where a C compiler is, like `kctx shim install`) or as the Python script."""
    sandbox.write_kubeconfig(home / ".kube" / "config", current="dev")
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("protect:\n  contexts: ['prod*']\n")
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    (real_dir / "kubectl").symlink_to(kubectl)
    path = f"{real_dir}:{os.environ['PATH']}"
    world: dict = {"home": home}
    if shim:
        shim_dir = tmp_path / "shim"
        shiminstall.install(shim_dir, native=native)
        path = f"{shim_dir}:{path}"
        world["kubectl"] = shim_dir / "kubectl"  # the native launcher where a C compiler is, else the script
        script = shiminstall.script_path(shim_dir)
        world["shim"] = script if script.exists() else world["kubectl"]  # the Python shim
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KCTX_", "KUBECONFIG", "NO_COLOR"))}
    env.update(HOME=str(home), PATH=path, XDG_RUNTIME_DIR=str(home.parent / "run"))
    sandbox.clear_requests()
    world["env"] = env
    return world
