"""Fill the completion cache in the background, so typing and Enter never wait for kubectl or the network.

Two lanes, each a worker thread with a de-duplicated queue:
- ``local``: questions to the kubectl binary (sub-commands, flags, flag values), persisted per binary;
- ``cluster``: questions to the current cluster (types, namespaces, names), persisted per server URL.
A hung cluster blocks only its own lane. A context switch cancels the cluster lane's running kubectl and
drops its queue; answers for another cluster than the current one are thrown away.

Refreshes happen on start, on a context/namespace switch, after a write (``stale``) and on a timer.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable

from kctx.repl import probe
from kctx.repl.cache import Cache, ClusterData, CommandInfo
from kctx.repl.state import Target
from kctx.util.fsutil import atomic_write, ensure_private_dir

CACHE_VERSION = "repl-v1"
TIMER_SECONDS = 60.0
RETRY_SECONDS = 20.0  # a question that failed is not asked again for the completer before this
PREFETCH_NAMES = ("pods", "deployments")


class Choice:
    """The kubectl the shim would run for the current target, and why (for the toolbar)."""

    __slots__ = ("path", "version", "rule", "why")

    def __init__(self, path: str = "", version: str = "", rule: str = "", why: str = "") -> None:
        self.path, self.version, self.rule, self.why = path, version, rule, why


def _digest(text: str) -> str:
    import hashlib  # loads OpenSSL: only needed once the prompt is up

    return hashlib.sha256(text.encode()).hexdigest()[:20]


def choose_kubectl(target: Target, environ: dict, paths, config) -> Choice:
    """kctx.versions when it is there (never installing from here), else the first kubectl on PATH."""
    try:
        from kctx.versions.select import choose
    except ImportError:
        choose = None
    if choose is not None and target.context:
        try:
            from kctx.guard.target import resolve

            t = resolve({}, environ, paths, config)
            c = choose(t, config, environ, os.getcwd(), paths, detect=True, install=False, mark=False)
            return Choice(c.path, c.version, c.rule, c.why)
        except Exception as exc:  # a broken version rule must not break completion; the shim will say why
            why = getattr(exc, "message", None) or str(exc)
            fallback = _on_path(environ, paths)
            return Choice(fallback.path, "", "path", f"{why}; showing the kubectl on PATH")
    return _on_path(environ, paths)


def _on_path(environ: dict, paths) -> Choice:
    from kctx.kubectl.binaries import find

    path = find(environ, paths.shim_dir)
    return Choice(path, "", "path", "the first kubectl on PATH" if path else "no kubectl found on PATH")


class Lane:
    """One worker thread over a de-duplicated job queue; ``urgent`` jobs jump the queue."""

    def __init__(self, name: str, handle: Callable[[tuple], None], done: Callable[[tuple], None],
                 tick: Callable[[], None] | None = None, tick_seconds: float = 0.0) -> None:
        self.name = name
        self.runner = probe.Runner()
        self._handle, self._done, self._tick, self._tick_seconds = handle, done, tick, tick_seconds
        self._cv = threading.Condition()
        self._queue: deque[tuple] = deque()
        self._keys: set[tuple] = set()
        self.running: tuple | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name=f"kctx-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, key: tuple, urgent: bool = False) -> None:
        with self._cv:
            if key in self._keys or key == self.running:
                return
            self._keys.add(key)
            (self._queue.appendleft if urgent else self._queue.append)(key)
            self._cv.notify()

    def clear(self) -> None:
        """Drop the queue and kill the running job; the same job may be queued again at once."""
        with self._cv:
            self._queue.clear()
            self._keys.clear()
            self.running = None
        self.runner.cancel()

    @property
    def busy(self) -> bool:
        return self.running is not None or bool(self._queue)

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._queue.clear()
            self._cv.notify()
        self.runner.cancel()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        next_tick = time.monotonic() + self._tick_seconds
        while True:
            with self._cv:
                while not self._queue and not self._stopped:
                    wait = next_tick - time.monotonic() if self._tick else None
                    if wait is not None and wait <= 0:
                        break
                    self._cv.wait(wait)
                if self._stopped:
                    return
                if not self._queue:
                    key = None
                else:
                    key = self._queue.popleft()
                    self._keys.discard(key)
                    self.running = key
            if key is None:
                next_tick = time.monotonic() + self._tick_seconds
                if self._tick:
                    self._tick()
                continue
            try:
                self._handle(key)
            except Exception:  # noqa: BLE001 - a failed refresh must never kill the lane
                pass
            finally:
                self.running = None
            if not self._stopped:
                self._done(key)


class Refresher:
    """``changed(key)`` is called (from a worker thread) after each job, with the job's key."""

    def __init__(self, cache: Cache, environ_for_cluster: Callable[[], dict], environ: dict, paths, config,
                 changed: Callable[[tuple], None] = lambda key: None) -> None:
        self.cache = cache
        self._cluster_env = environ_for_cluster
        self.environ = environ
        self.paths = paths
        self.config = config
        self.changed = changed
        self.choice = Choice()
        self.target = Target()
        self.error = ""  # the last failed cluster refresh, one line
        self.folder = os.path.join(paths.cache_dir, CACHE_VERSION)
        self._binary_key = ""
        self._tree_dirty = False
        self._lock = threading.Lock()
        self.local = Lane("local", self._local_job, self._job_done)
        self.cluster = Lane("cluster", self._cluster_job, self._job_done, self._tick, TIMER_SECONDS)
        self._started = False
        self._failed: dict[tuple, float] = {}

    # ------------------------------------------------------------ control (called from the UI thread)

    def start(self, target: Target) -> None:
        self._started = True
        self.local.start()
        self.cluster.start()
        self.switch(target)

    def stop(self) -> None:
        """Kill what runs and wait a moment for the workers: a daemon thread still writing while the
        interpreter shuts down can abort it."""
        self.local.stop()
        self.cluster.stop()
        if self._started:
            self.local.join(2.0)
            self.cluster.join(2.0)

    @property
    def busy(self) -> bool:
        return self.cluster.busy or self.local.busy

    def switch(self, target: Target) -> None:
        """The context or namespace changed: forget the old cluster's queue and load what we know of the new."""
        old = self.target
        self.target = target
        self.cache.namespace = target.namespace or "default"
        if not self._started:
            return
        if old.server != target.server or old.context != target.context or old.user != target.user:
            self.cluster.clear()
            self._failed.clear()
            self.choice = Choice()
            self.cache.cluster = ClusterData(target.server)
            self.error = ""
            self.cluster.put(("setup",), urgent=True)
        else:
            self.cluster.put(("namespaces",))
        for kind in PREFETCH_NAMES:
            self.cluster.put(("names", kind, self.cache.namespace))

    def moved(self) -> None:
        """The working directory changed: a .tool-versions there may choose another kubectl."""
        if self._started:
            self.cluster.put(("setup",), urgent=True)

    def want(self, wants: list[tuple]) -> None:
        """What the completer found missing; fetched in the background (the user is waiting for these)."""
        if not self._started:
            return
        now = time.monotonic()
        for w in wants:
            if now - self._failed.get(w, -RETRY_SECONDS) < RETRY_SECONDS:
                continue
            if w[0] in ("command", "flag"):
                self.local.put(w, urgent=True)
            else:
                self.cluster.put(w, urgent=True)

    def stale(self) -> None:
        """After a command that may have written: names may be new or gone. Those of the current namespace
        are fetched again now, the others when completion asks for them."""
        cluster = self.cache.cluster
        keys = list(cluster.names)
        cluster.stale_names()
        current = self.cache.namespace
        for ns, kind in keys:
            if ns in ("", current):
                self.cluster.put(("names", kind, current))

    # ------------------------------------------------------------ jobs (worker threads)

    def _job_done(self, key: tuple) -> None:
        if key[0] in ("command", "flag", "tree") and not self.local.busy and self._tree_dirty:
            self._save_tree()
        self.changed(key)

    def _tick(self) -> None:
        self.cluster.put(("types",))
        self.cluster.put(("namespaces",))
        self.stale()

    def _binary(self) -> str:
        with self._lock:
            if not self.choice.path:
                self.choice = choose_kubectl(self.target, self._cluster_env(), self.paths, self.config)
            return self.choice.path

    def _cluster_job(self, key: tuple) -> None:
        cluster = self.cache.cluster
        if key[0] == "setup":
            with self._lock:
                self.choice = choose_kubectl(self.target, self._cluster_env(), self.paths, self.config)
            self.local.put(("tree",), urgent=True)
            self._load_cluster(cluster)
            self.cluster.put(("types",), urgent=True)
            self.cluster.put(("namespaces",))
            return
        binary = self._binary()
        if not binary or not cluster.server and not self.target.context:
            return
        env = self._cluster_env()
        base = [binary, f"--request-timeout={probe.REQUEST_TIMEOUT}"]
        try:
            if key[0] == "types":
                out = self.cluster.runner.run([*base, "api-resources"], env, probe.PROCESS_TIMEOUT)
                types = probe.parse_api_resources(out)
                if cluster is self.cache.cluster and types:
                    cluster.set_types(types)
                    self._save_cluster(cluster)
            elif key[0] == "namespaces":
                out = self.cluster.runner.run([*base, "get", "namespaces", "-o", "name"], env, probe.PROCESS_TIMEOUT)
                if cluster is self.cache.cluster:
                    cluster.namespaces = tuple(probe.parse_names(out))
                    self._save_cluster(cluster)
            elif key[0] == "names":
                _, kind, ns = key
                out = self.cluster.runner.run([*base, "get", kind, "-o", "name", "-n", ns], env, probe.PROCESS_TIMEOUT)
                if cluster is self.cache.cluster:
                    cluster.put_names(kind, ns, probe.parse_names(out))
            else:
                return
        except probe.ProbeError as exc:
            if cluster is self.cache.cluster and str(exc) != "cancelled":
                self._failed[key] = time.monotonic()
                self.error = f"{key[0]}: {exc}"
                if key[0] in ("types", "namespaces"):
                    cluster.reachable = False
                    cluster.error = str(exc)
                    cluster.checked_at = time.time()
            return
        if cluster is self.cache.cluster:
            self.error = ""
            cluster.reachable, cluster.error, cluster.checked_at = True, "", time.time()

    def _local_job(self, key: tuple) -> None:
        binary = self._binary()
        if not binary:
            return
        if key[0] == "tree":
            self._load_tree(binary)
            return
        self._ensure_tree(binary)
        env = probe.local_env(self.environ, probe.empty_kubeconfig(self.folder))
        run = self.local.runner.run
        if key[0] == "command":
            path = key[1]
            if self.cache.command(path) is not None:
                return
            self._fetch_command(binary, path, env)
        elif key[0] == "flag":
            _, path, flag = key
            if (path, flag) in self.cache.flag_values:
                return
            try:
                out = run([binary, "__complete", *path, flag, ""], env, probe.LOCAL_TIMEOUT)
                items, _ = probe.parse_complete(out)
            except probe.ProbeError:
                items = []
            self.cache.put_flag_values(path, flag, items)
            self._tree_dirty = True

    def _fetch_command(self, binary: str, path: tuple[str, ...], env: dict) -> None:
        run = self.local.runner.run
        t = probe.LOCAL_TIMEOUT
        try:
            if not path:
                subs, _ = probe.parse_complete(run([binary, "__complete", ""], env, t))
                flags, _ = probe.parse_complete(run([binary, "__complete", "-"], env, t))
                _, arity = probe.parse_help(run([binary, "options"], env, t))
                info = CommandInfo(dict(subs), dict(flags), frozenset(f for f, v in arity.items() if v),
                                   frozenset())
                self.cache.put_command((), info)
                for name in info.subcommands:  # warm the whole first level, once per binary
                    self.local.put(("command", (name,)))
            else:
                root = self.cache.command(())
                if root is None:
                    return  # asked again once the first level is known
                if not _built_in(root, path[0]):
                    # `kubectl PLUGIN --help` runs the plugin (which may ignore --help): never while typing.
                    self.cache.put_command(path, CommandInfo())
                    return
                globals_ = frozenset(root.flags)
                help_text = run([binary, *path, "--help"], env, t)
                subs, _ = probe.parse_help(help_text)
                flags_out = run([binary, "__complete", *path, "-"], env, t)
                subs_out = run([binary, "__complete", *path, ""], env, t) if subs else None
                self.cache.put_command(path, probe.command_info(help_text, flags_out, subs_out, globals_))
        except probe.ProbeError:
            if path:
                self.cache.put_command(path, CommandInfo())  # do not ask again for a command kubectl rejects
            return
        self._tree_dirty = True

    # ------------------------------------------------------------ persistence

    def _tree_file(self, binary: str) -> str:
        try:
            st = os.stat(binary)
            ident = f"{os.path.realpath(binary)}:{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            ident = binary
        return os.path.join(self.folder, "commands-" + _digest(ident) + ".json")

    def _ensure_tree(self, binary: str) -> None:
        if self._binary_key != self._tree_file(binary):
            self._load_tree(binary)

    def _load_tree(self, binary: str) -> None:
        key = self._tree_file(binary)
        if key == self._binary_key:
            return
        self._binary_key = key
        commands: dict[tuple[str, ...], CommandInfo] = {}
        flag_values: dict = {}
        try:
            with open(key, encoding="utf-8") as fh:
                data = json.load(fh)
            for k, v in data.get("commands", {}).items():
                commands[tuple(k.split()) if k else ()] = CommandInfo.from_json(v)
            for k, v in data.get("flag_values", {}).items():
                p, _, flag = k.rpartition(" ")
                flag_values[(tuple(p.split()) if p else (), flag)] = tuple(tuple(x) for x in v)
        except (OSError, ValueError, AttributeError, TypeError):
            commands = {}
        self.cache.commands = commands
        self.cache.flag_values = flag_values
        if () not in commands:
            self.local.put(("command", ()), urgent=True)

    def _save_tree(self) -> None:
        self._tree_dirty = False
        if not self._binary_key:
            return
        values = self.cache.flag_values
        data = {"commands": {" ".join(k): v.to_json() for k, v in self.cache.commands.items()},
                "flag_values": {" ".join((*p, f)): [list(x) for x in v] for (p, f), v in values.items()}}
        self._write(self._binary_key, data)

    def _cluster_file(self, server: str) -> str:
        return os.path.join(self.folder, "clusters", _digest(server) + ".json")

    def _load_cluster(self, cluster: ClusterData) -> None:
        if not cluster.server:
            return
        try:
            with open(self._cluster_file(cluster.server), encoding="utf-8") as fh:
                saved = ClusterData.from_json(json.load(fh))
        except (OSError, ValueError, AttributeError, TypeError, IndexError):
            return
        if saved.server == cluster.server:
            if cluster.types is None and saved.types is not None:
                cluster.set_types(list(saved.types))
            if cluster.namespaces is None:
                cluster.namespaces = saved.namespaces

    def _save_cluster(self, cluster: ClusterData) -> None:
        if cluster.server:
            self._write(self._cluster_file(cluster.server), cluster.to_json())

    def _write(self, path: str, data: dict) -> None:
        try:
            ensure_private_dir(os.path.dirname(path))
            atomic_write(path, json.dumps(data, separators=(",", ":")), mode=0o600)
        except OSError:
            pass  # a cache that cannot be written only costs speed next time


PLUGIN_NOTE = "is a plugin installed by the user"  # kubectl's description of a plugin in its completions


def _built_in(root: CommandInfo, word: str) -> bool:
    """Whether ``word`` is one of kubectl's own commands (not a plugin, not unknown)."""
    desc = root.subcommands.get(word)
    return desc is not None and PLUGIN_NOTE not in desc
