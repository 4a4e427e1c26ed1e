"""Many kctx and real kubectl processes editing one kubeconfig at once, while kubectl reads it in a loop.

Used by tests/test_contention.py (a bounded run in the suite) and benchmarks/bench_contention.py (the
measured run). kctx threads run `kctx ctx NAME`, `kctx ctx NEW=OLD`, `kctx ctx -d NAME` and `kctx ns -f NS`
outside a session, plus operations bound to fail for a real reason (a context that does not exist, a
rename the other thread of a pair won). kubectl threads run `config set-context` and `config use-context`
(retried while the lock is held: kubectl fails at once then, as a script would see); a reader runs
`kubectl config view` until the writers are done. Each thread owns the names it changes, so the final file
can be checked against every change that reported success.

One loss is kubectl's own and is told apart, not forgiven wholesale: kubectl (client-go's ModifyConfig)
loads the file, takes the lock, reads it again and writes every difference between the two, so a change
another writer made between its load and its lock is undone. Every kubectl writer runs under strace, which
shows what it read before and after taking the lock; a lost change is excused only when a kubectl writer
that read a different file before its lock than after it was between those two reads while the change was
made.

Another loss is kubectl's alone and is not excused: two kubectl writers at once. kubectl rewrites the file
in place, so another kubectl's first load can find it empty; that one then writes back the empty config
it started from, under its lock, and everything else in the file is gone
(test_kubectl_wipes_the_file_when_its_first_read_found_another_kubectl_rewriting_it). kctx replaces the
file by rename and never shows it empty, so the suite runs one kubectl writer thread; a run with more
names each such write as a problem of its own.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.runner import checkout_pythonpath

SWITCH_TARGETS = ("s0", "s1", "s2", "s3")
KINDS = ("rename", "switch", "ns", "contest", "delete", "missing", "rename", "switch", "ns")
# What a kctx failure says when the operation was bound to fail (the name really did not exist then).
REAL_REASONS = {
    "missing": re.compile(r'no context exists with the name: "missing-'),
    "contest": re.compile(r'context "c\d+-\d+" not found'),
}
UNDONE = re.compile(r'context "r\d+-\d+" not found')  # a rename chain whose last rename kubectl undid
KUBECTL_LOCKED = re.compile(r"\.lock: file exists")  # kubectl refuses to write while the lock exists
TRACE = re.compile(r'^(?P<ts>\d+\.\d+) (?P<call>openat|read|close)\((?P<args>.*)\) += (?P<ret>-?\d+)')


@dataclass
class Outcome:
    tool: str  # "kctx", "kubectl" or "reader"
    kind: str
    argv: list[str]
    code: int
    err: str
    start: float  # wall clock, comparable with strace's timestamps
    end: float
    attempts: int = 1
    name: str = ""  # the context the operation changes
    stale: tuple[float, float] | None = None  # kubectl: (first read, lock) when the file changed in between
    wrote: float = 0.0  # kubectl: when it opened the file to write it
    emptied: int = 0  # kubectl: attempts that failed on reading the file emptied by another kubectl
    blind: bool = False  # kubectl: it wrote after loading the file empty (it then wipes the file)

    @property
    def ok(self) -> bool:
        return self.code == 0

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def line(self) -> str:
        return " ".join(self.argv)


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)  # changes kubectl's stale writes undid (not problems)
    wall: float = 0.0

    def of(self, tool: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.tool == tool]

    def summary(self) -> str:
        kctx = self.of("kctx")
        real = sum(not o.ok and o.kind in REAL_REASONS for o in kctx)
        failed = sum(not o.ok and o.kind not in REAL_REASONS for o in kctx)
        times = sorted(o.seconds for o in kctx) or [0.0]
        kubectl, reads = self.of("kubectl"), self.of("reader")
        return (f"kctx: {len(kctx)} operations, {failed} failed without a real reason, {real} for a real one; "
                f"seconds per operation: median {statistics.median(times):.2f}, "
                f"p90 {times[int(len(times) * 0.9)]:.2f}, max {times[-1]:.2f} | "
                f"kubectl: {len(kubectl)} writes, {sum(o.ok for o in kubectl)} done after "
                f"{sum(o.attempts - 1 for o in kubectl)} retries on its lock, "
                f"{sum(o.emptied for o in kubectl)} on reading the file emptied by another kubectl, "
                f"{sum(o.stale is not None for o in kubectl)} from a stale read | "
                f"reader: {len(reads)} reads, {sum(not o.ok for o in reads)} failed | "
                f"{len(self.undone)} changes undone by kubectl | wall {self.wall:.1f} s | "
                f"{len(self.problems)} problems")


def plan(pair: int, per_thread: int, seed: int) -> list[str]:
    """The kinds of operations both threads of a pair run, in order."""
    kinds = [KINDS[i % len(KINDS)] for i in range(per_thread)]
    random.Random(seed * 1000 + pair).shuffle(kinds)
    return kinds


def initial_config(threads: int, per_thread: int, seed: int) -> str:
    names = list(SWITCH_TARGETS) + [f"r{t}-0" for t in range(threads)]
    for t in range(threads):
        kinds = plan(t // 2, per_thread, seed)
        if t % 2 == 0:
            names += [f"c{t // 2}-{k}" for k in range(kinds.count("contest"))]
        names += [f"d{t}-{k}" for k in range(kinds.count("delete"))]
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "s0", "preferences": {},
        "clusters": [{"name": "main", "cluster": {"server": "https://127.0.0.1:6443"}}],
        "users": [{"name": "main", "user": {"token": "t"}}],
        "contexts": [{"name": n, "context": {"cluster": "main", "user": "main"}} for n in names],
    }, sort_keys=False)


class Harness:
    def __init__(self, home: Path, kubectl: Path, strace: str, *, threads: int = 6, per_thread: int = 9,
                 kubectl_threads: int = 2, kubectl_per_thread: int = 10, seed: int = 16,
                 code: Path | None = None) -> None:
        """``code``: the checkout whose kctx runs (default: this one), to compare with an older commit."""
        self.home, self.kubectl, self.strace = home, str(kubectl), strace
        self.threads, self.per_thread, self.seed = threads, per_thread, seed
        self.kubectl_threads, self.kubectl_per_thread = kubectl_threads, kubectl_per_thread
        self.config = home / ".kube" / "config"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("KCTX_", "KUBECONFIG"))}
        self.env.update(HOME=str(home), XDG_RUNTIME_DIR=str(home.parent / "run"),
                        KUBECONFIG=str(self.config))  # explicit: nothing may reach the real ~/.kube
        self.env["PYTHONPATH"] = str(code) if code else checkout_pythonpath(self.env)
        self.run = Run()
        self.lock = threading.Lock()
        self.writers_done = threading.Event()
        self.chains: dict[int, list[Outcome]] = {}  # rename thread -> its successful renames, in order

    # ------------------------------------------------------------------ running

    def execute(self) -> Run:
        self.config.parent.mkdir(parents=True, exist_ok=True)
        (self.home.parent / "run").mkdir(mode=0o700, exist_ok=True)
        self.config.write_text(initial_config(self.threads, self.per_thread, self.seed))
        self.config.chmod(0o600)
        workers = [threading.Thread(target=self._kctx_thread, args=(t,)) for t in range(self.threads)]
        workers += [threading.Thread(target=self._kubectl_thread, args=(t,)) for t in range(self.kubectl_threads)]
        reader = threading.Thread(target=self._reader)
        start = time.time()
        for w in [*workers, reader]:
            w.start()
        for w in workers:
            w.join()
        self.writers_done.set()
        reader.join()
        self.run.wall = time.time() - start
        Checker(self).check()
        return self.run

    def _add(self, outcome: Outcome) -> None:
        with self.lock:
            self.run.outcomes.append(outcome)

    def _proc(self, argv: list[str]) -> tuple[int, str, float, float]:
        start = time.time()
        p = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL, cwd=self.home)  # not a checkout: `-m kctx` looks in cwd first
        return p.returncode, p.stderr.strip(), start, time.time()

    def _kctx(self, kind: str, name: str, *args: str) -> Outcome:
        code, err, start, end = self._proc([sys.executable, "-m", "kctx", *args])
        outcome = Outcome("kctx", kind, ["kctx", *args], code, err, start, end, name=name)
        self._add(outcome)
        return outcome

    def _kctx_thread(self, t: int) -> None:
        rng = random.Random(self.seed * 1000 + 100 + t)
        chain, step, counts = f"r{t}-0", 0, dict.fromkeys(KINDS, 0)
        self.chains[t] = []
        for i, kind in enumerate(plan(t // 2, self.per_thread, self.seed)):
            k, counts[kind] = counts[kind], counts[kind] + 1
            if kind == "rename":
                step += 1
                o = self._kctx(kind, f"r{t}-{step}", "ctx", f"r{t}-{step}={chain}")
                if o.ok:
                    chain = o.name
                    self.chains[t].append(o)
                elif UNDONE.search(o.err):  # kubectl undid the last rename: go on from what the file has
                    chain = next((n for n in self._names() if n.startswith(f"r{t}-")), chain)
            elif kind == "switch":
                self._kctx(kind, "", "ctx", rng.choice(SWITCH_TARGETS))
            elif kind == "ns":
                self._kctx(kind, f"n{t}-{i}", "ns", "-f", f"n{t}-{i}")
            elif kind == "contest":  # both threads of the pair rename the same context
                old = f"c{t // 2}-{k}"
                self._kctx(kind, f"{old}-t{t}", "ctx", f"{old}-t{t}={old}")
            elif kind == "delete":
                self._kctx(kind, f"d{t}-{k}", "ctx", "-d", f"d{t}-{k}")
            else:
                self._kctx(kind, "", "ctx", f"missing-{t}-{i}")

    def _names(self) -> list[str]:
        data = yaml.safe_load(self.config.read_text()) or {}
        return [c["name"] for c in data.get("contexts") or []]

    def _kubectl_thread(self, t: int) -> None:
        rng = random.Random(self.seed * 1000 + 500 + t)
        for i in range(self.kubectl_per_thread):
            if i % 2 == 0:
                name = f"k{t}-{i}"
                args = ["config", "set-context", name, "--cluster=main", "--user=main", f"--namespace=kn{i}"]
            else:
                name, args = "", ["config", "use-context", rng.choice(SWITCH_TARGETS)]
            start, attempts, emptied = time.time(), 0, 0
            while True:
                attempts += 1
                with tempfile.TemporaryDirectory(prefix="kubectl-trace-") as traces:
                    code, err, _, end = self._proc([
                        self.strace, "-ff", "-qq", "-ttt", "-s", "1000000", "-e", "trace=openat,read,close",
                        "-P", str(self.config), "-P", f"{self.config}.lock", "-o", f"{traces}/t",
                        self.kubectl, *args])
                    trace = Trace(Path(traces), str(self.config))
                # kubectl fails at once while the lock is held, and (rarely) on a file another kubectl was
                # rewriting in place when it read it: a script would retry both.
                if code == 0 or not (KUBECTL_LOCKED.search(err) or trace.emptied) or attempts >= 500:
                    break
                emptied += trace.emptied
                time.sleep(rng.uniform(0.002, 0.02))
            kind = "set-context" if name else "use-context"
            self._add(Outcome("kubectl", kind, ["kubectl", *args], code, err, start, end, attempts, name,
                              trace.stale, trace.wrote, emptied, trace.blind))

    def _reader(self) -> None:
        while not self.writers_done.is_set():
            code, err, start, end = self._proc([self.kubectl, "config", "view", "-o",
                                                "jsonpath={.contexts[*].name}"])
            self._add(Outcome("reader", "view", ["kubectl", "config", "view"], code, err, start, end))


class Trace:
    """What kubectl did with the file, from its strace files (one per thread, merged by time):
    ``stale``: (its first read, its lock) when what it read before taking the lock differs from what it
    read after (its write then undoes the difference), else None; ``wrote``: when it opened the file to
    write it (0.0: it did not); ``emptied``: it read the file empty (another kubectl was rewriting it);
    ``blind``: it wrote the file after reading it empty before its lock."""

    def __init__(self, folder: Path, config: str) -> None:
        self.stale: tuple[float, float] | None = None
        self.wrote, self.emptied, self.blind = 0.0, False, False
        events = []
        for f in folder.iterdir():
            for line in f.read_text(errors="replace").splitlines():
                m = TRACE.match(line)
                if m:
                    events.append((float(m["ts"]), m["call"], m["args"], int(m["ret"])))
        reads: list[tuple[float, str]] = []  # (opened at, content) of each read of the file
        open_fds: dict[int, list] = {}
        lock_at = 0.0
        for ts, call, args, ret in sorted(events, key=lambda e: e[0]):
            fd = int(args.split(",", 1)[0]) if call != "openat" else ret
            if call == "openat" and ret >= 0:
                if f'"{config}.lock"' in args:
                    lock_at = ts
                elif f'"{config}"' in args and "O_RDONLY" in args:
                    open_fds[fd] = [ts, ""]
                elif f'"{config}"' in args and "O_WRONLY" in args:
                    self.wrote = ts
            elif call == "read" and fd in open_fds and ret > 0:
                open_fds[fd][1] += args.split(", ", 1)[1].rsplit(", ", 1)[0]
            elif call == "close" and fd in open_fds:
                opened, content = open_fds.pop(fd)
                reads.append((opened, content))
                self.emptied |= not content
        before = [r for r in reads if r[0] < lock_at]
        after = [r for r in reads if r[0] > lock_at]
        if lock_at and before and after and any(content != after[0][1] for _, content in before):
            self.stale = (before[0][0], lock_at)
        self.blind = bool(self.wrote and any(not content for _, content in before))


class Checker:
    """Every operation succeeded or failed for a real reason; the final file holds every change that
    reported success, unless a stale kubectl write undid it."""

    def __init__(self, harness: Harness) -> None:
        self.h, self.run = harness, harness.run
        self.stale = [o.stale for o in self.run.of("kubectl") if o.ok and o.stale]

    def exposed(self, start: float, end: float) -> bool:
        """Could a stale kubectl write have undone a change made between ``start`` and ``end``?"""
        return any(first < end and start < lock for first, lock in self.stale)

    def excuse(self, o: Outcome, what: str) -> bool:
        start, end = (o.wrote, o.wrote) if o.tool == "kubectl" else (o.start, o.end)
        if self.exposed(start, end):
            self.run.undone.append(f"{o.line()}: {what}")
            return True
        return False

    def problem(self, text: str) -> None:
        self.run.problems.append(text)

    def check(self) -> None:
        self._outcomes()
        text = self.h.config.read_text()
        try:
            data = yaml.safe_load(text)
            contexts = {c["name"]: c.get("context") or {} for c in data["contexts"]}
        except (yaml.YAMLError, TypeError, KeyError) as exc:
            self.problem(f"the final file is not a kubeconfig: {exc}")
            return
        self._final(data, contexts)

    def _outcomes(self) -> None:
        for o in self.run.of("kubectl"):
            if o.ok and o.blind:
                self.problem(f"{o.line()} loaded the file while another kubectl rewrote it, then wrote back the "
                             "empty config it saw: kubectl's own loss (run one kubectl writer at a time)")
        for o in self.run.outcomes:
            if o.ok or (o.tool == "kctx" and o.kind in REAL_REASONS and REAL_REASONS[o.kind].search(o.err)):
                continue
            if o.tool == "kctx" and o.kind == "rename" and UNDONE.search(o.err):
                last = [r for r in self.h.chains[int(o.name[1:].split("-")[0])] if r.end < o.start]
                if last and self.excuse(last[-1], f"undone, so the next rename failed: {o.err}"):
                    continue
            self.problem(f"{o.line()} failed ({o.code}): {o.err}")
        for name, winners in self._contests().items():
            if len(winners) > 1 and not self.excuse(winners[0], f"undone, so {winners[1].line()} won too"):
                self.problem(f"{name} was renamed by both {winners[0].line()} and {winners[1].line()}")

    def _contests(self) -> dict[str, list[Outcome]]:
        """Contested context -> the renames of it that reported success, in the order they ended."""
        out: dict[str, list[Outcome]] = {}
        for o in sorted(self.run.of("kctx"), key=lambda o: o.end):
            if o.kind == "contest":
                out.setdefault(o.argv[-1].split("=")[1], [])
                if o.ok:
                    out[o.argv[-1].split("=")[1]].append(o)
        return out

    def _final(self, data: dict, contexts: dict[str, dict]) -> None:
        kctx = self.run.of("kctx")
        for t, renames in self.h.chains.items():
            expected = renames[-1].name if renames else f"r{t}-0"
            found = sorted(n for n in contexts if n.startswith(f"r{t}-"))
            if found != [expected] and not any(self.excuse(o, f"the file has {found}") for o in renames):
                self.problem(f"rename chain {t}: the file has {found}, the last successful rename made {expected}")
        for name, winners in self._contests().items():
            last = winners[-1] if winners else None
            if last and (last.name not in contexts or name in contexts) and not self.excuse(last, "not kept"):
                found = [n for n in (name, last.name) if n in contexts]
                self.problem(f"{last.line()} reported success, the file has {found}")
        for o in kctx:
            if o.kind == "delete" and o.ok and o.name in contexts and not self.excuse(o, "back in the file"):
                self.problem(f"{o.line()} reported success, {o.name} is still in the final file")
        for o in self.run.of("kubectl"):
            if o.ok and o.name and o.name not in contexts and not self.excuse(o, "not in the final file"):
                self.problem(f"{o.line()} reported success, {o.name} is not in the final file")
        namespaces = {o.name for o in kctx if o.kind == "ns" and o.ok} | {None}
        for name in SWITCH_TARGETS:
            if name not in contexts:
                self.problem(f"{name} is missing from the final file")
            elif contexts[name].get("namespace") not in namespaces:
                self.problem(f"{name} has namespace {contexts[name].get('namespace')!r}, "
                             "which no successful `kctx ns` set")
        if data.get("current-context") not in contexts:
            self.problem(f"current-context {data.get('current-context')!r} names no context")


def strace_path() -> str | None:
    return shutil.which("strace")
