"""Every file and folder kctx uses, in one place, each with its environment override.

Standard library only and cheap to import: the shim loads this on its hot path.
"""

from __future__ import annotations

from kctx.util.fastos import exists, expanduser, isabs, isdir, join, normpath

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping

# Where the folders that would live in a home folder point when there is none: a file, so nothing below it can
# ever be created (ENOTDIR) and nothing below it exists. kctx never creates HOME, or files in / or the cwd.
NOWHERE = "/dev/null"
FOLDER_VARS = "XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_CACHE_HOME, XDG_DATA_HOME"


def home_problem(home: str | None) -> str:
    """Why ``home`` ($HOME) cannot hold kctx's files ("" when it can). kubectl takes $HOME as it is
    (default_kubeconfig); kctx needs an existing absolute folder."""
    if home is None:
        return "HOME is not set"
    if not home:
        return "HOME is empty"
    if not isabs(home):
        return f"HOME ({home}) is not an absolute path"
    if not isdir(home):
        return f"HOME ({home}) " + ("is not a folder" if exists(home) else "does not exist")
    return ""


def _xdg(environ: Mapping[str, str], var: str, home: str, fallback: str) -> str:
    value = environ.get(var, "")
    # The XDG spec says relative values are invalid and must be ignored.
    if value and isabs(value):
        return value
    return join(home, fallback)


class Paths:
    """Locations, from $HOME and the XDG variables; $KCTX_CONFIG overrides the config file. A HOME that cannot
    hold them (``home_problem``) leaves ``home`` and every folder not named by its own variable at NOWHERE."""

    __slots__ = ("home", "home_problem", "kubectl_home", "config_file", "config_explicit", "config_unfindable",
                 "config_dir", "state_dir", "cache_dir", "data_dir", "runtime_dir")

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        if environ is None:
            import os

            environ = os.environ
        env = environ
        self.kubectl_home = env.get("HOME", "")  # as kubectl takes it: default_kubeconfig()
        self.home_problem = home_problem(env.get("HOME"))
        home = NOWHERE if self.home_problem else self.kubectl_home
        self.home = home
        self.config_dir = join(_xdg(env, "XDG_CONFIG_HOME", home, ".config"), "kctx")
        explicit = env.get("KCTX_CONFIG")
        if explicit and explicit[:1] == "~" and self.home_problem:
            explicit = join(NOWHERE, explicit)  # ~ means a home folder there is not
        self.config_file = expanduser(explicit) if explicit else join(self.config_dir, "config.yaml")
        self.config_explicit = bool(explicit)  # named by $KCTX_CONFIG: it must exist (kctx/config.py)
        # Why the config file cannot be found: then kctx/config.py reports it as unreadable, so the guard fails
        # closed for writes instead of reading "no file" as "no protection rules".
        self.config_unfindable = (f"{self.home_problem}, so kctx cannot find its config (set HOME, or "
                                  "XDG_CONFIG_HOME or KCTX_CONFIG)" if _nowhere(self.config_file) else "")
        self.state_dir = join(_xdg(env, "XDG_STATE_HOME", home, ".local/state"), "kctx")
        self.cache_dir = join(_xdg(env, "XDG_CACHE_HOME", home, ".cache"), "kctx")
        self.data_dir = join(_xdg(env, "XDG_DATA_HOME", home, ".local/share"), "kctx")
        runtime = env.get("XDG_RUNTIME_DIR", "")
        self.runtime_dir = (join(runtime, "kctx") if runtime and isabs(runtime)
                            else join(self.state_dir, "run"))

    def check(self, need_home: bool = False) -> None:
        """KctxError (one line, what to do) when a folder kctx keeps its files in depends on a HOME that cannot
        hold them (``need_home``: or when HOME itself cannot; a command that writes into it)."""
        folders = (self.config_file, self.state_dir, self.cache_dir, self.data_dir, self.runtime_dir)
        if self.home_problem and (need_home or any(_nowhere(f) for f in folders)):
            from kctx.errors import KctxError

            raise KctxError(f"{self.home_problem}: kctx keeps its files in your home folder and never creates "
                            f"it; set HOME to your home folder" + ("" if need_home else f" (or set {FOLDER_VARS})"))

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
        """kubectl's own: $HOME taken as it is, so with HOME unset or empty, .kube/config in the working folder
        (client-go's homedir; tests/test_home.py holds it to the real binaries)."""
        return join(self.kubectl_home, ".kube", "config")


def _nowhere(path: str) -> bool:
    return path.startswith(NOWHERE + "/")


def display(path: str, home: str) -> str:
    """``path`` with the home folder shortened to ~ (for tables and messages)."""
    p = normpath(str(path))
    return "~" + p[len(home):] if home and p.startswith(home.rstrip("/") + "/") else p
