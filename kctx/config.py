"""kctx's own config file (YAML), cached with marshal so the shim can read it without yaml.

Location: $KCTX_CONFIG, else $XDG_CONFIG_HOME/kctx/config.yaml, else ~/.config/kctx/config.yaml.
Standard library only and cheap to import; yaml is imported only to parse a changed file.
"""

from __future__ import annotations

import posix
import sys

from kctx.errors import KctxError
from kctx.paths import Paths
from kctx.util import parsecache
from kctx.util.globmatch import first_match

DEFAULT_GLOBS = ("~/.kube/config", "~/.kube/configs/*")
CONFIRM_MODES = ("name", "yes")
MAGIC = "kctx-config-2"


class Config:
    """The validated settings. ``raw`` keeps the whole document for sections other modules own."""

    def __init__(self, source: str = "", raw: dict | None = None) -> None:
        self.source = source
        self.raw: dict = raw or {}
        self.kubeconfigs: list[str] = list(DEFAULT_GLOBS)
        self.protect_contexts: list[str] = []
        self.protect_clusters: list[str] = []
        self.protect_servers: list[str] = []
        self.confirm = "name"  # type the context name; "yes" asks y/N
        self.kubectl_pins: dict[str, str] = {}
        self.kubectl_default = ""

    def has_protection(self) -> bool:
        return bool(self.protect_contexts or self.protect_clusters or self.protect_servers)


def from_dict(data: object, source: str) -> Config:
    """Validate a parsed config; raise KctxError naming the file and the key."""

    def fail(key: str, why: str) -> KctxError:
        return KctxError(f"{source}: {key}: {why}")

    def str_list(value: object, key: str) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "expected a list of strings")
        return list(value)

    if not isinstance(data, dict):
        raise KctxError(f"{source}: the top level must be a mapping")
    cfg = Config(source=source, raw=data)
    if "kubeconfigs" in data:
        cfg.kubeconfigs = str_list(data["kubeconfigs"], "kubeconfigs")
    protect = data.get("protect") or {}
    if not isinstance(protect, dict):
        raise fail("protect", "expected a mapping with contexts, clusters and servers")
    for key in protect:
        if key not in ("contexts", "clusters", "servers"):
            raise fail(f"protect.{key}", "unknown key (expected contexts, clusters or servers)")
    cfg.protect_contexts = str_list(protect.get("contexts"), "protect.contexts")
    cfg.protect_clusters = str_list(protect.get("clusters"), "protect.clusters")
    cfg.protect_servers = str_list(protect.get("servers"), "protect.servers")
    confirm = data.get("confirm", "name")
    if confirm is True:  # YAML 1.1 reads an unquoted `yes` as a boolean
        confirm = "yes"
    if confirm not in CONFIRM_MODES:
        raise fail("confirm", f'expected one of: {", ".join(CONFIRM_MODES)}')
    cfg.confirm = confirm
    kubectl = data.get("kubectl") or {}
    if not isinstance(kubectl, dict):
        raise fail("kubectl", "expected a mapping")
    pins = kubectl.get("pins") or {}
    if not isinstance(pins, dict) or not all(isinstance(k, str) for k in pins):
        raise fail("kubectl.pins", 'expected a mapping of context globs to versions, e.g. {"prod-*": "1.29"}')
    versions = [*((f"kubectl.pins.{k}", v) for k, v in pins.items()), ("kubectl.default", kubectl.get("default"))]
    for key, value in versions:
        if value is not None and not isinstance(value, str):
            raise fail(key, f'versions must be quoted strings (YAML reads {value!r} as a number), e.g. "1.30"')
    cfg.kubectl_pins = dict(pins)
    cfg.kubectl_default = kubectl.get("default") or ""
    return cfg


def parse_yaml(path: str) -> object:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise KctxError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise KctxError(f"{path}: cannot read: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f": line {mark.line + 1}" if mark else ""
        raise KctxError(f"{path}{line}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise KctxError(f"{path}: invalid YAML: {exc}") from None
    return data if data is not None else {}


def load(paths: Paths, *, in_process: bool = True) -> Config:
    path = paths.config_file
    try:
        st = posix.stat(path)
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise KctxError(f"{path}: cannot read: {exc.strerror}") from None
    key = (path, st.st_mtime_ns, st.st_size, st.st_ino)
    cached = _read_cached(paths.config_cache, key)
    if cached is None:
        cached = parse_and_cache(path, paths.config_cache, key) if in_process else _parse_in_child(path, paths)
    if "error" in cached:
        raise KctxError(cached["error"])
    return from_dict(cached["data"], path)


def _read_cached(cache: str, key: tuple) -> dict | None:
    cached = parsecache.lookup(cache, MAGIC, key)
    return cached if isinstance(cached, dict) and ("data" in cached or "error" in cached) else None


def _marshalable(value: object) -> object:
    """YAML may produce dates and other types marshal cannot store: keep them as strings."""
    if isinstance(value, dict):
        return {str(k): _marshalable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_marshalable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def parse_and_cache(path: str, cache: str, key: tuple) -> dict:
    try:
        data = _marshalable(parse_yaml(path))
        from_dict(data, path)  # validate before caching
        result: dict = {"data": data}
    except KctxError as exc:
        result = {"error": exc.message}
    parsecache.store(cache, MAGIC, key, result)
    return result


def _parse_in_child(path: str, paths: Paths) -> dict:
    import subprocess

    from kctx.shim.exec import child_env

    proc = subprocess.run([sys.executable, "-m", "kctx.config"], capture_output=True, check=False,
                          env=child_env(paths_environ(paths)))
    try:
        st = posix.stat(path)
    except OSError as exc:
        return {"error": f"{path}: cannot read: {exc.strerror}"}
    cached = _read_cached(paths.config_cache, (path, st.st_mtime_ns, st.st_size, st.st_ino))
    if cached is None:
        why = proc.stderr.decode(errors="replace").strip().splitlines()
        return {"error": f"{path}: cannot read the config: {why[-1] if why else 'parser failed'}"}
    return cached


def paths_environ(paths: Paths) -> dict:
    """The environment the child needs to find the same config file as this process."""
    import os

    env = dict(os.environ)
    env["KCTX_CONFIG"] = paths.config_file
    env["XDG_CACHE_HOME"] = os.path.dirname(paths.cache_dir)
    return env


def matches(name: str, globs: list[str]) -> str:
    """The first glob matching ``name`` (shell-style, case-sensitive), or ""."""
    return first_match(name, globs)


def _main() -> None:  # the child process of _parse_in_child
    p = Paths()
    st = posix.stat(p.config_file)
    parse_and_cache(p.config_file, p.config_cache, (p.config_file, st.st_mtime_ns, st.st_size, st.st_ino))


if __name__ == "__main__":
    _main()
