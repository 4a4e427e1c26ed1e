"""The parsed-file cache and its child processes (kctx/util/parsecache.py): keys that an edit cannot keep,
the child protocol, and the one policy on where a miss is parsed."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

from kctx import config as kconfig
from kctx.util import parsecache
from tests.sneaky import rewrite_keeping_times


def test_an_edit_that_puts_the_old_mtime_back_changes_the_key(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("old\n")
    cache = str(tmp_path / "cache.m")
    before = parsecache.key(str(f), os.stat(f))
    parsecache.store(cache, "test-1", before, "parsed old")
    assert parsecache.lookup(cache, "test-1", parsecache.key(str(f), os.stat(f))) == "parsed old"
    rewrite_keeping_times(f, "new\n")
    after = parsecache.key(str(f), os.stat(f))
    assert after != before
    assert parsecache.lookup(cache, "test-1", after) is None


def test_read_file_stamps_what_it_reads(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_bytes(b"content")
    stamp, raw = parsecache.read_file(str(f))
    assert (stamp, raw) == (parsecache.stamp(os.stat(f)), b"content")


def test_a_child_answers_with_the_parsers_result(tmp_path: Path) -> None:
    f = tmp_path / "config.yaml"
    f.write_text("protect:\n  contexts: [prod]\n")
    cache = str(tmp_path / "cache.m")
    out = parsecache.run_child("kctx.config:parse_and_cache", [str(f), cache])
    assert marshal.loads(out) == {"data": {"protect": {"contexts": ["prod"]}}}
    assert parsecache.lookup(cache, kconfig.MAGIC, parsecache.key(str(f), os.stat(f))) == marshal.loads(out)


def test_a_failing_child_is_its_last_stderr_line() -> None:
    with pytest.raises(parsecache.ChildFailed) as err:
        parsecache.run_child("kctx.util.parsecache:no_such_parser", [])
    assert str(err.value) == "AttributeError: module 'kctx.util.parsecache' has no attribute 'no_such_parser'"


def test_a_child_past_its_deadline_is_stopped() -> None:
    with pytest.raises(parsecache.ChildFailed, match=r"^did not finish in 0\.001 s$"):
        parsecache.run_child("kctx.config:parse_and_cache", ["/nonexistent", "/nonexistent"], timeout=0.001)


def test_a_child_never_imports_from_the_current_folder(tmp_path: Path, monkeypatch) -> None:
    """kubectl runs in any folder: a kctx/ or yaml.py there must not replace the real ones in the parser."""
    (tmp_path / "kctx").mkdir()
    (tmp_path / "kctx" / "__init__.py").write_text("raise SystemExit('imported from the current folder')\n")
    (tmp_path / "yaml.py").write_text("raise SystemExit('imported from the current folder')\n")
    f = tmp_path / "config.yaml"
    f.write_text("confirm: yes\n")
    monkeypatch.chdir(tmp_path)
    out = parsecache.run_child("kctx.config:parse_and_cache", [str(f), str(tmp_path / "cache.m")])
    assert marshal.loads(out) == {"data": {"confirm": True}}


def test_the_shim_declares_itself_once_and_parses_in_children(monkeypatch) -> None:
    monkeypatch.setattr(parsecache, "PARSE_IN_CHILD", False)
    calls = []
    monkeypatch.setattr(parsecache, "run_child", lambda parser, args: calls.append(parser) or marshal.dumps("x"))
    monkeypatch.setattr(parsecache, "fake_parser", lambda args: ("here", args), raising=False)
    assert parsecache.parse("kctx.util.parsecache:fake_parser", ["a"]) == ("here", ["a"])  # called directly
    assert calls == []
    parsecache.hot_path()
    assert parsecache.parse("kctx.config:parse_and_cache", ["a", "b"]) == "x"
    assert calls == ["kctx.config:parse_and_cache"]


def test_an_unreadable_answer_is_a_failure(monkeypatch) -> None:
    monkeypatch.setattr(parsecache, "PARSE_IN_CHILD", True)
    monkeypatch.setattr(parsecache, "run_child", lambda parser, args: b"\x00not marshal")
    with pytest.raises(parsecache.ChildFailed, match="unreadable"):
        parsecache.parse("kctx.config:parse_and_cache", ["a", "b"])
