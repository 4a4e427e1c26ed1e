"""The memo format has two sides: kctx/shim/memo.py writes it, kctx/shim/launcher.c reads it. They agree.

launcher.c compiled with -DKCTX_MEMO_DUMP is a tool that prints what its parser read from a memo file; the
records the Python codec wrote must come back field by field, and on damaged bytes both sides must keep
the same records. Then the real launcher (its Python shim replaced by a script that says "FULL") replays
a record exactly when every check holds.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kctx.shim import memo
from kctx.shim import native as shimnative
from kctx.shim.memo import Record
from tests.tools import require_cc


@pytest.fixture(scope="module", autouse=True)
def _cc() -> None:
    """Every test here compiles launcher.c (first: before the module's other fixtures compile it)."""
    require_cc()


SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                          HealthCheck.too_slow])


@pytest.fixture(scope="module")
def dump_tool(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dump") / "memo-dump"
    subprocess.run([shimnative.compiler(), "-O2", "-DKCTX_MEMO_DUMP", "-o", str(out), str(shimnative.SOURCE)],
                   check=True, capture_output=True, timeout=120)
    return out


# Fields may hold any byte but NUL; these also look like the format's own words and numbers.
ODD = [b"", b"*", b"-", b"0", b"1", b"end", b"17", b" ", b"\n", b"a=b", b"\xff\xfe", b"\x01", b"-1 2 3 4 5 6"]
text = st.one_of(st.sampled_from(ODD), st.binary(max_size=40).map(lambda b: b.replace(b"\0", b"\x01")))
name = text.filter(lambda b: b and b"=" not in b)
signed = st.integers(-(2 ** 63), 2 ** 63 - 1)
signature = st.one_of(st.none(), st.tuples(st.integers(0, 2 ** 64 - 1), st.integers(0, 2 ** 64 - 1),
                                           st.integers(0, 2 ** 63 - 1), signed, signed, st.integers(0, 2 ** 32 - 1)))
records = st.builds(
    Record, text, text, text, st.integers(0, 10 ** 17 - 1), text, text, text,
    st.one_of(st.none(), st.lists(st.binary(min_size=32, max_size=32), max_size=20).map(tuple)),
    st.lists(st.tuples(name, st.one_of(st.none(), text)), max_size=30).map(tuple),
    st.lists(st.tuples(name, text), max_size=10).map(tuple),
    st.lists(st.tuples(text, st.booleans(), signature), max_size=60).map(tuple),
)


def dumped(tool: Path, path: Path) -> list:
    """The records the launcher's parser read from ``path``, as Records (one item a line, strings in hex)."""
    out = subprocess.run([str(tool), str(path)], capture_output=True, check=True, timeout=30).stdout.decode()
    found, r = [], {}
    for line in out.splitlines():
        word, *rest = line.split(" ")
        if word in ("session", "kubeconfig", "cwd", "binary", "bind", "roots"):
            r[word] = bytes.fromhex(rest[0])
        elif word == "until":
            r[word] = int(rest[0])
        elif word == "lines":
            r.update(lines=None if rest[0] == "*" else (), env=(), overrides=(), files=())
        elif word == "line":
            r["lines"] += (bytes.fromhex(bytes.fromhex(rest[0]).decode()),)
        elif word == "env":
            r["env"] += ((bytes.fromhex(rest[0]), bytes.fromhex(rest[2]) if rest[1] == "1" else None),)
        elif word == "override":
            r["overrides"] += ((bytes.fromhex(rest[0]), bytes.fromhex(rest[1])),)
        elif word == "file":
            sig = bytes.fromhex(rest[2])
            r["files"] += ((bytes.fromhex(rest[0]), rest[1] == "1",
                            None if sig == b"-" else tuple(int(x) for x in sig.split(b" "))),)
        elif word == "end":
            found.append(Record(**r))
            r = {}
        else:
            assert word in ("record", "damaged", "bad-length", "other-format"), line
    return found


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o600)
    return path


@SETTINGS
@given(st.lists(records, min_size=1, max_size=4))
def test_what_python_writes_the_launcher_reads_field_by_field(dump_tool, tmp_path, written):
    data = memo.encode(written)
    assert memo.decode(data) == written
    read = dumped(dump_tool, write(tmp_path / "memo", data))
    assert len(read) == len(written)
    for theirs, ours in zip(read, written, strict=True):
        for field in Record.__slots__:
            assert getattr(theirs, field) == getattr(ours, field), field


@SETTINGS
@given(st.lists(records, min_size=1, max_size=3), st.data())
def test_on_damaged_bytes_both_sides_keep_the_same_records(dump_tool, tmp_path, written, data):
    raw = bytearray(memo.encode(written))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.sampled_from([0, 0x20, 0x2d, 0x30, 0x31, 0x39, 0x3d, 0x61, 0x66, 0x67, 0x41, 0xff]))
    raw = raw[:data.draw(st.integers(0, len(raw)))]
    assert dumped(dump_tool, write(tmp_path / "memo", bytes(raw))) == memo.decode(bytes(raw))


def test_the_encoder_refuses_what_the_format_cannot_carry():
    good = Record(b"", b"", b"/", 1, b"/bin/true", b"", b"", None, (), (), ())
    assert memo.decode(memo.encode([good])) == [good]
    for bad in ({"binary": b"a\0b"}, {"bind": b"x\0"}, {"roots": b"get\0"}, {"env": ((b"A=B", b"1"),)},
                {"overrides": ((b"", b"1"),)}, {"lines": (b"short",)}, {"until": -1},
                {"files": ((b"/x\0", True, None),)}):
        with pytest.raises(ValueError):
            memo.encode([Record(**{**{n: getattr(good, n) for n in Record.__slots__}, **bad})])


# The real launcher, with a Python shim that only says it ran, and a kubectl that prints its environment
# NUL-separated.

@pytest.fixture(scope="module")
def launcher(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("launcher")
    full = folder / "full-path"
    full.write_text("#!/bin/sh\necho FULL\n")
    full.chmod(0o755)
    source = folder / "printenv.c"  # not a shell script: shells drop variables whose names they reject
    source.write_text("#include <stdio.h>\nextern char **environ;\n"  # its arguments too, as __ARGn=word
                      "int main(int argc, char **argv) { for (char **e = environ; *e; e++)"
                      " fwrite(*e, 1, strlen(*e) + 1, stdout);"
                      " for (int i = 1; i < argc; i++) printf(\"__ARG%d=%s%c\", i, argv[i], 0); }\n")
    subprocess.run([shimnative.compiler(), "-include", "string.h", "-o", str(folder / "fake-kubectl"), str(source)],
                   check=True, capture_output=True, timeout=120)
    why = shimnative.build(folder / "kubectl", str(full), "/nonexistent-script")
    assert not why, why
    return folder / "kubectl"


class World:
    """A home, a folder and an environment for the launcher; records go where it looks for them."""

    def __init__(self, launcher: Path, tmp_path: Path) -> None:
        self.launcher, self.home, self.cwd = launcher, tmp_path / "home", tmp_path / "work"
        self.kubectl = os.fsencode(launcher.parent / "fake-kubectl")
        self.cwd.mkdir(exist_ok=True)
        self.env = {b"HOME": os.fsencode(self.home), b"PATH": b"/usr/bin:/bin", b"KCTX_SESSION": b"s",
                    b"KUBECONFIG": b"k"}
        self.key = (b"s", b"k", os.fsencode(self.cwd))
        self.memo = Path(os.fsdecode(memo.memo_file(self.env, self.key)))
        self.memo.parent.mkdir(parents=True, exist_ok=True)

    def record(self, **fields) -> Record:
        base = dict(zip(("session", "kubeconfig", "cwd"), self.key, strict=True),
                    until=2 ** 40, binary=self.kubectl, bind=b"", roots=b"", lines=None, env=(), overrides=(),
                    files=())
        return Record(**{**base, **fields})

    def run(self, records: list, args: tuple = (b"get", b"ns"), env: dict | None = None) -> dict | None:
        """kubectl's environment when the launcher replayed a record, None when it ran the full path."""
        write(self.memo, memo.encode(records))
        p = subprocess.run([self.launcher, *args], env={**self.env, b"KCTX_DEBUG": b"1", **(env or {})},
                           cwd=self.cwd, capture_output=True, timeout=30)
        self.stderr = p.stderr
        if p.stdout == b"FULL\n":
            assert b"kctx: debug: full path: " in p.stderr, p.stderr
            return None
        assert p.stderr == b"kctx: debug: fast path (native launcher): " + self.kubectl + b"\n", p.stderr
        return dict(entry.split(b"=", 1) for entry in p.stdout.split(b"\0") if entry)


@pytest.fixture
def world(launcher, tmp_path) -> World:
    return World(launcher, tmp_path)


no_nul = st.binary(max_size=30).map(lambda b: b.replace(b"\0", b"\x01"))
file_name = no_nul.map(lambda b: b.replace(b"/", b"\x02")).filter(lambda b: b not in (b"", b".", b".."))
env_name = st.binary(min_size=1, max_size=12).map(lambda b: b"T_" + b.replace(b"\0", b"\x01").replace(b"=", b"-"))


@SETTINGS
@given(present=st.dictionaries(env_name, no_nul, max_size=8), absent=st.lists(env_name, max_size=4),
       overrides=st.dictionaries(env_name, no_nul, max_size=4),
       existing=st.lists(file_name, max_size=8, unique=True), missing=st.lists(file_name, max_size=4),
       exact=st.booleans(), args=st.lists(no_nul, max_size=4))
def test_a_record_whose_checks_hold_replays_and_any_change_is_seen(world, present, absent, overrides, existing,
                                                                    missing, exact, args):
    argv = [os.fsdecode(a) for a in args]
    assume(exact or memo.plain(argv))
    absent = [n for n in absent if n not in present]
    folder = os.fsencode(tempfile.mkdtemp(dir=world.cwd))  # files with odd names, some of them absent
    paths = [os.path.join(folder, n) for n in existing]
    for path in paths:
        Path(os.fsdecode(path)).write_bytes(path)
    files = (*((p, True, memo.signature(p)) for p in paths),
             *((os.path.join(folder, n), False, None) for n in missing if n not in existing))
    record = world.record(env=(*present.items(), *((n, None) for n in absent)), overrides=tuple(overrides.items()),
                          files=files, lines=(memo.line_digest(argv),) if exact else None)
    got = world.run([record], tuple(args), env=present)
    assert got is not None
    assert got[b"KCTX_SHIM_DEPTH"] == b"1"
    assert {n: got.get(n) for n in {*present, *overrides}} == {**present, **overrides}
    assert not set(absent) & set(got) - set(overrides)
    if present:  # a variable with another value
        n = next(iter(present))
        assert world.run([record], tuple(args), env={**present, n: present[n] + b"x"}) is None
        assert b"$" + n + b" changed" in world.stderr
    if absent:  # a variable that was unset is set
        assert world.run([record], tuple(args), env={**present, absent[0]: b""}) is None
    if len(files) > len(paths):  # a file that was absent appears
        Path(os.fsdecode(files[-1][0])).touch()
        assert world.run([record], tuple(args), env=present) is None
        assert files[-1][0] + b" changed" in world.stderr
    if exact:  # another line
        assert world.run([record], (*args, b"more"), env=present) is None


PARTS = ("inode", "device", "size", "mtime", "ctime", "mode")


@pytest.mark.parametrize("part", PARTS)
def test_every_part_of_a_file_signature_is_compared(world, part):
    path = os.fsencode(world.cwd / "kubeconfig")
    Path(os.fsdecode(path)).write_text("x")
    sig = memo.signature(path)
    assert world.run([world.record(files=((path, True, sig),))]) is not None
    other = list(sig)
    other[PARTS.index(part)] += 1
    assert world.run([world.record(files=((path, True, tuple(other)),))]) is None
    assert b"full path: " + path + b" changed" in world.stderr


def test_the_newest_record_meant_for_this_call_says_why_not(world):
    other_key = world.record(session=b"another")
    expired = world.record(until=1)
    assert world.run([other_key, expired]) is None
    assert b"full path: the memo expired\n" in world.stderr
    assert world.run([other_key]) is None
    assert b"full path: the memo is for another shell, KUBECONFIG or folder\n" in world.stderr
    assert world.run([other_key, expired, world.record()]) is not None  # the third holds


def test_a_record_for_exact_lines_replays_those_lines_only(world):
    lines = ([b"get", b"ns", "--token=é s3cret".encode()], [b"version", b"--client"])
    record = world.record(lines=tuple(memo.line_digest([os.fsdecode(w) for w in line]) for line in lines))
    for line in lines:
        assert world.run([record], tuple(line)) is not None
    assert world.run([record], (b"get", b"ns")) is None
    assert b"holds for other command lines only" in world.stderr
    assert world.run([world.record()], (b"get", b"ns", b"--context=x")) is None
    assert b"an argument may choose another target" in world.stderr


def test_a_memo_others_could_write_or_of_another_format_is_not_read(world):
    assert world.run([world.record()]) is not None
    world.memo.chmod(0o620)
    p = subprocess.run([world.launcher, "get"], env={**world.env, b"KCTX_DEBUG": b"1"}, cwd=world.cwd,
                       capture_output=True, timeout=30)
    assert p.stdout == b"FULL\n" and b"others could write it" in p.stderr
    world.memo.write_bytes(b"kctx-shim-memo-4\0" + memo.encode([world.record()]).partition(b"\0")[2])
    world.memo.chmod(0o600)
    p = subprocess.run([world.launcher, "get"], env={**world.env, b"KCTX_DEBUG": b"1"}, cwd=world.cwd,
                       capture_output=True, timeout=30)
    assert p.stdout == b"FULL\n" and b"written by another kctx version" in p.stderr


def args_of(got: dict) -> list:
    return [got[b"__ARG%d" % i] for i in range(1, len(got) + 1) if b"__ARG%d" % i in got]


def test_a_bound_record_puts_the_judged_context_first_on_kubectls_own_commands_only(world):
    record = world.record(bind=b"dev", roots=b"delete get version")
    assert args_of(world.run([record], (b"get", b"ns"))) == [b"--context=dev", b"get", b"ns"]
    assert args_of(world.run([record], (b"-n", b"x", b"delete", b"cm", b"y"))) == [
        b"--context=dev", b"-n", b"x", b"delete", b"cm", b"y"]
    for line in ((b"myplugin", b"x"), (b"ge", b"ns"), (b"", b"get")):  # a plugin's name, never bound
        assert world.run([record], line) is None
        assert b"the line may run a plugin" in world.stderr
    exact = world.record(bind=b"dev", lines=(memo.line_digest(["myplugin"]),))  # Python decided for this line
    assert args_of(world.run([exact], (b"myplugin",))) == [b"--context=dev", b"myplugin"]
    assert args_of(world.run([world.record()], (b"myplugin",))) == [b"myplugin"]  # no bind: any plain line


def test_python_and_the_launcher_bind_the_same_lines():
    roots = b"delete get version"
    for argv, bound in ((["get"], True), (["-n", "x", "get"], True), (["plug"], False), ([""], False),
                        ([], False), (["gets"], False), (["delete"], True)):
        assert memo.binds(argv, roots) == bound, argv
