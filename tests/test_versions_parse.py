"""Version strings, .tool-versions files, the server-version cache and the installed-versions store."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kctx.versions import cache, store, toolversions
from kctx.versions.parse import fmt, from_info, parse, parse_spec
from kctx.versions.select import skew


@pytest.mark.parametrize(("text", "expected"), [
    ("v1.29.3", (1, 29, 3)),
    ("1.29.3", (1, 29, 3)),
    ("v1.29.3-gke.1000", (1, 29, 3)),
    ("v1.28.5-eks-5e0fdde", (1, 28, 5)),
    ("v1.30.2+k3s1", (1, 30, 2)),
    ("v1.27.10+rke2r1", (1, 27, 10)),
    ("  v1.31.0\n", (1, 31, 0)),
    ("v1.29", None),
    ("1.29.x", None),
    ("v1.29.3.4", None),
    ("", None),
    ("latest", None),
    ("1.２9.3", None),  # non-ASCII digits are not versions
])
def test_parse(text: str, expected: tuple | None) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1.29", (1, 29, -1)),
    ("v1.29", (1, 29, -1)),
    ("1.29.3", (1, 29, 3)),
    ("V1.29.3", (1, 29, 3)),
    ("1", None),
    ("1.29.", None),
    ("1.29.3-gke.1", None),
    ("one.two", None),
    ("system", None),
])
def test_parse_spec(text: str, expected: tuple | None) -> None:
    assert parse_spec(text) == expected


@pytest.mark.parametrize(("info", "expected"), [
    ({"major": "1", "minor": "29", "gitVersion": "v1.29.3-gke.1000"}, "1.29.3"),
    ({"major": "1", "minor": "28+", "gitVersion": "v1.28.5-eks-5e0fdde"}, "1.28.5"),
    ({"major": "1", "minor": "30", "gitVersion": "v1.30.2+k3s1"}, "1.30.2"),
    ({"major": "1", "minor": "29+"}, "1.29"),  # no gitVersion: the fields, "+" dropped
    ({"major": "1", "minor": "29+", "gitVersion": "v0.0.0-master+$Format:%H$"}, "1.29"),  # dev build
    ({"gitVersion": "garbage"}, ""),
    ({}, ""),
    ("not a dict", ""),
])
def test_from_info(info: object, expected: str) -> None:
    assert from_info(info) == expected


def test_fmt() -> None:
    assert fmt((1, 29, 3)) == "1.29.3"
    assert fmt((1, 29, -1)) == "1.29"


@pytest.mark.parametrize(("client", "server", "warns"), [
    ("1.29.3", "1.29.1", False),
    ("1.30.0", "1.29.1", False),
    ("1.28.9", "1.29.1", False),
    ("1.31.0", "1.29.1", True),
    ("1.27.2", "1.29.1", True),
    ("1.29.3", "1.29", False),  # a server that only reported major/minor
    ("1.27", "1.29", True),
    ("", "1.29.1", False),  # unknown client version: nothing to say
    ("1.20.0", "", False),  # unknown server version
])
def test_skew(client: str, server: str, warns: bool) -> None:
    message = skew(client, server, 'context "prod"')
    assert bool(message) == warns
    if warns:
        assert 'context "prod"' in message and client in message and server in message


# .tool-versions ----------------------------------------------------------------------------------

def test_tool_versions_nearest_file_walking_up(tmp_path: Path) -> None:
    deep = tmp_path / "repo" / "svc" / "deploy"
    deep.mkdir(parents=True)
    (tmp_path / ".tool-versions").write_text("kubectl 1.27.1\n")
    (tmp_path / "repo" / ".tool-versions").write_text("# tools\nnodejs 20.1.0\nkubectl 1.29.3 1.28.0 # pin\n")
    (tmp_path / "repo" / "svc" / ".tool-versions").write_text("python 3.12.1\n")  # no kubectl: keep walking
    found = toolversions.find(str(deep), {"HOME": str(tmp_path / "nohome")})
    assert found is not None
    assert found.file == str(tmp_path / "repo" / ".tool-versions")
    assert found.line == 3
    assert found.versions == ["1.29.3", "1.28.0"]


def test_tool_versions_home_fallback_and_custom_name(tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    work.mkdir()
    (home / ".tool-versions").write_text("kubectl 1.26.0\n")
    assert toolversions.find(str(work), {"HOME": str(home)}) is None  # the home folder's is the global default
    assert toolversions.find(str(home / "x"), {"HOME": str(home)}) is None  # ... also when walking through it
    found = toolversions.find_global({"HOME": str(home)})
    assert found is not None and found.versions == ["1.26.0"]
    (home / ".tool-versions").unlink()
    mise = home / ".config" / "mise" / "config.toml"
    mise.parent.mkdir(parents=True)
    mise.write_text('[tools]\nkubectl = "1.27"\n')
    found = toolversions.find_global({"HOME": str(home)})
    assert found is not None and (found.file, found.versions, found.kind) == (str(mise), ["1.27"], "mise")
    (work / ".versions").write_text("kubectl 1.25.0\n")
    environ = {"HOME": str(home), "ASDF_DEFAULT_TOOL_VERSIONS_FILENAME": ".versions"}
    found = toolversions.find(str(work), environ)
    assert found is not None and found.versions == ["1.25.0"]


def test_tool_versions_none(tmp_path: Path) -> None:
    assert toolversions.find(str(tmp_path), {"HOME": str(tmp_path)}) is None


# the server-version cache --------------------------------------------------------------------

def test_cache_round_trip_keyed_by_server_and_ca(tmp_path: Path) -> None:
    folder = cache.folder(str(tmp_path))
    now = time.time()
    cache.write(folder, cache.Entry("https://a.example:6443", "ab" * 32, "1.29.3", now, now, ""))
    hit = cache.read(folder, "https://a.example:6443", "ab" * 32)
    assert hit is not None and hit.version == "1.29.3" and hit.fresh(now)
    assert cache.read(folder, "https://a.example:6443", "cd" * 32) is None  # another CA: another cluster
    assert cache.read(folder, "https://b.example:6443", "ab" * 32) is None
    path = cache.entry_path(folder, "https://a.example:6443", "ab" * 32)
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_cache_ttls() -> None:
    now = time.time()
    ok = cache.Entry("s", "", "1.29.3", now - cache.OK_TTL + 5, now, "")
    assert ok.fresh(now) and not ok.fresh(now + 10)
    failed = ok.failed("timed out", now)
    assert failed.version == "1.29.3" and failed.error == "timed out"
    assert failed.fresh(now + cache.FAIL_TTL - 1) and not failed.fresh(now + cache.FAIL_TTL + 1)


def test_cache_long_server_url_and_garbage(tmp_path: Path) -> None:
    folder = cache.folder(str(tmp_path))
    server = "https://" + "x" * 400 + ".example"
    cache.write(folder, cache.Entry(server, "", "1.30.1", time.time(), time.time(), ""))
    assert len(os.path.basename(cache.entry_path(folder, server, ""))) < 200
    assert cache.read(folder, server, "").version == "1.30.1"
    Path(cache.entry_path(folder, "https://c", "")).write_bytes(b"not marshal")
    assert cache.read(folder, "https://c", "") is None


# the store ------------------------------------------------------------------------------------

def _fake(kubectl_dir: Path, version: str) -> None:
    (kubectl_dir / version).mkdir(parents=True)
    (kubectl_dir / version / "kubectl").write_text("#!/bin/sh\n")
    (kubectl_dir / version / "kubectl").chmod(0o755)


def test_store_lists_only_complete_versions(tmp_path: Path) -> None:
    for v in ("1.29.3", "1.29.10", "1.30.0"):
        _fake(tmp_path, v)
    (tmp_path / "1.31.0").mkdir()  # an install in progress: no kubectl yet
    (tmp_path / ".locks").mkdir()
    (tmp_path / "notes.txt").write_text("")
    have = store.installed(str(tmp_path))
    assert have == [(1, 30, 0), (1, 29, 10), (1, 29, 3)]
    assert store.best(have, 1, 29) == (1, 29, 10)
    assert store.best(have, 1, 29, 3) == (1, 29, 3)
    assert store.best(have, 1, 28) is None


def test_store_mark_used_at_most_hourly(tmp_path: Path) -> None:
    _fake(tmp_path, "1.29.3")
    store.mark_used(str(tmp_path), "1.29.3", now=1_000_000.0)
    used = tmp_path / "1.29.3" / store.USED
    assert used.stat().st_mtime == 1_000_000.0
    store.mark_used(str(tmp_path), "1.29.3", now=1_000_000.0 + 60)  # within the hour: untouched
    assert used.stat().st_mtime == 1_000_000.0
    store.mark_used(str(tmp_path), "1.29.3", now=1_000_000.0 + 7200)
    assert used.stat().st_mtime == 1_000_000.0 + 7200
    assert store.last_used(str(tmp_path), "1.29.3") == 1_000_000.0 + 7200


@pytest.mark.parametrize(("text", "label", "pre"), [
    ("v1.34.0-rc.1", "1.34.0-rc.1", "-rc.1"),
    ("v1.35.0-alpha.2", "1.35.0-alpha.2", "-alpha.2"),
    ("1.33.0-beta.0+abc", "1.33.0-beta.0", "-beta.0"),
    ("v1.29.3-gke.1000", "1.29.3", ""),  # a distro build is the release
    ("v1.28.5-eks-5e0fdde", "1.28.5", ""),
    ("v1.30.2+k3s1", "1.30.2", ""),
    ("1.29", "", ""),
])
def test_pre_releases_keep_their_suffix(text: str, label: str, pre: str) -> None:
    from kctx.versions.parse import label as label_of
    from kctx.versions.parse import minor_of, pre_release

    assert (label_of(text), pre_release(text)) == (label, pre)
    assert minor_of(text) == (tuple(int(x) for x in text.lstrip("v").split(".")[:2]))
    assert from_info({"gitVersion": "v1.34.0-rc.1"}) == "1.34.0-rc.1"
