"""Every file and folder kctx uses, in one place, each with its environment override.

Standard library only: the shim imports this on its hot path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _xdg(environ: dict[str, str] | os._Environ, var: str, fallback: str) -> Path:
    value = environ.get(var, "")
    # The XDG spec says relative values are invalid and must be ignored.
    if value and os.path.isabs(value):
        return Path(value)
    return Path(environ.get("HOME") or os.path.expanduser("~")) / fallback


@dataclass(frozen=True)
class Paths:
    home: Path
    config_file: Path
    config_dir: Path
    state_dir: Path
    cache_dir: Path
    data_dir: Path
    runtime_dir: Path

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ | None = None) -> Paths:
        env = os.environ if environ is None else environ
        home = Path(env.get("HOME") or os.path.expanduser("~"))
        config_dir = _xdg(env, "XDG_CONFIG_HOME", ".config") / "kctx"
        explicit = env.get("KCTX_CONFIG")
        config_file = Path(explicit).expanduser() if explicit else config_dir / "config.yaml"
        state_dir = _xdg(env, "XDG_STATE_HOME", ".local/state") / "kctx"
        runtime = env.get("XDG_RUNTIME_DIR", "")
        runtime_dir = Path(runtime) / "kctx" if runtime and os.path.isabs(runtime) else state_dir / "run"
        return cls(
            home=home,
            config_file=config_file,
            config_dir=config_dir,
            state_dir=state_dir,
            cache_dir=_xdg(env, "XDG_CACHE_HOME", ".cache") / "kctx",
            data_dir=_xdg(env, "XDG_DATA_HOME", ".local/share") / "kctx",
            runtime_dir=runtime_dir,
        )

    @property
    def sessions_dir(self) -> Path:
        return self.runtime_dir / "sessions"

    @property
    def index_cache(self) -> Path:
        return self.cache_dir / "index-v1.json"

    @property
    def config_cache(self) -> Path:
        return self.cache_dir / "config-v1.json"

    @property
    def audit_log(self) -> Path:
        return self.state_dir / "audit.jsonl"

    @property
    def shim_dir(self) -> Path:
        return self.data_dir / "shim"

    @property
    def kubectl_dir(self) -> Path:
        return self.data_dir / "kubectl"

    @property
    def history_dir(self) -> Path:
        return self.state_dir / "history"

    @property
    def version_cache(self) -> Path:
        return self.cache_dir / "server-versions-v1.json"

    def default_kubeconfig(self) -> Path:
        return self.home / ".kube" / "config"
