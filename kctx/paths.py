"""Every file and folder kctx uses, in one place, each with its environment override.

Standard library only and cheap to import: the shim loads this on its hot path.
"""

from __future__ import annotations

from kctx.util.fastos import expanduser, isabs, join, normpath

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping


def _xdg(environ: Mapping[str, str], var: str, home: str, fallback: str) -> str:
    value = environ.get(var, "")
    # The XDG spec says relative values are invalid and must be ignored.
    if value and isabs(value):
        return value
    return join(home, fallback)


class Paths:
    """Locations, from $HOME and the XDG variables; $KCTX_CONFIG overrides the config file."""

    __slots__ = ("home", "config_file", "config_explicit", "config_dir", "state_dir", "cache_dir", "data_dir",
                 "runtime_dir")

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        if environ is None:
            import os

            environ = os.environ
        env = environ
        home = env.get("HOME") or expanduser("~")
        self.home = home
        self.config_dir = join(_xdg(env, "XDG_CONFIG_HOME", home, ".config"), "kctx")
        explicit = env.get("KCTX_CONFIG")
        self.config_file = expanduser(explicit) if explicit else join(self.config_dir, "config.yaml")
        self.config_explicit = bool(explicit)  # named by $KCTX_CONFIG: it must exist (kctx/config.py)
        self.state_dir = join(_xdg(env, "XDG_STATE_HOME", home, ".local/state"), "kctx")
        self.cache_dir = join(_xdg(env, "XDG_CACHE_HOME", home, ".cache"), "kctx")
        self.data_dir = join(_xdg(env, "XDG_DATA_HOME", home, ".local/share"), "kctx")
        runtime = env.get("XDG_RUNTIME_DIR", "")
        self.runtime_dir = (join(runtime, "kctx") if runtime and isabs(runtime)
                            else join(self.state_dir, "run"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Paths:
        return cls(environ)

    @property
    def sessions_dir(self) -> str:
        return join(self.runtime_dir, "sessions")

    @property
    def index_dir(self) -> str:
        return join(self.cache_dir, "index-v1")

    @property
    def config_cache(self) -> str:
        return join(self.cache_dir, "config-v1.marshal")

    @property
    def kuberc_cache(self) -> str:
        return join(self.cache_dir, "kuberc-v1.marshal")

    @property
    def audit_log(self) -> str:
        return join(self.state_dir, "audit.jsonl")

    @property
    def shim_dir(self) -> str:
        return join(self.data_dir, "shim")

    @property
    def kubectl_dir(self) -> str:
        return join(self.data_dir, "kubectl")

    @property
    def history_dir(self) -> str:
        return join(self.state_dir, "history")

    def default_kubeconfig(self) -> str:
        return join(self.home, ".kube", "config")


def display(path: str, home: str) -> str:
    """``path`` with the home folder shortened to ~ (for tables and messages)."""
    p = normpath(str(path))
    return "~" + p[len(home):] if home and p.startswith(home.rstrip("/") + "/") else p
