"""The per-file index cache: reused while files are unchanged, refreshed when they change, no secrets."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kctx.kubeconfig import index
from kctx.kubeconfig import refresh as indexer
from kctx.paths import Paths
from kctx.util import parsecache
from tests.kubeconfigs import FAKE_CERT, kubeconfig, simple, write
from tests.runner import kctx
from tests.sneaky import rewrite_keeping_times


def test_cache_holds_no_credentials(home):
    simple(home / ".kube" / "config", "dev")
    assert kctx("ls").code == 0
    blobs = b"".join(p.read_bytes() for p in Path(Paths().index_dir).iterdir())
    assert b"secret-token" not in blobs and FAKE_CERT[:64].encode() not in blobs
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in Path(Paths().index_dir).iterdir())


def test_cache_is_reused_then_refreshed_on_change(home, monkeypatch):
    cfg = simple(home / ".kube" / "config", "dev")
    idx_dir = Paths().index_dir
    first = index.load([str(cfg)], idx_dir)
    assert first[0].contexts["dev"]["cluster"] == "dev"
    calls = []
    real = indexer.index_files
    monkeypatch.setattr(indexer, "index_files", lambda args: calls.append(args[1:]) or real(args))
    index.load([str(cfg)], idx_dir)
    assert calls == []  # warm: nothing parsed
    write(cfg, kubeconfig({"dev": ("dev", "dev", "changed")}, clusters={"dev": "https://x"}, users=["dev"]))
    again = index.load([str(cfg)], idx_dir)
    assert calls == [[str(cfg)]]
    assert again[0].contexts["dev"]["namespace"] == "changed"


@pytest.mark.parametrize("in_child", [False, True])
@pytest.mark.parametrize("bundled", [False, True])
def test_an_edit_that_puts_the_old_mtime_back_is_seen(home, monkeypatch, in_child, bundled):
    monkeypatch.setattr(parsecache, "PARSE_IN_CHILD", in_child)
    cfg = simple(home / ".kube" / "config", "aaa")
    others = [str(simple(home / ".kube" / "configs" / f"c{i}", f"c{i}", current=False))
              for i in range(index.BUNDLE_MIN if bundled else 0)]
    assert list(index.load([str(cfg), *others], Paths().index_dir)[0].contexts) == ["aaa"]
    rewrite_keeping_times(cfg, cfg.read_text().replace("aaa", "bbb"))  # same size, inode and mtime
    assert list(index.load([str(cfg), *others], Paths().index_dir)[0].contexts) == ["bbb"]
    lazy = index.view([str(cfg), *others], Paths().index_dir, lazy=True)
    assert lazy.current_context == "bbb"


def test_ls_json_and_protection(home):
    simple(home / ".kube" / "config", "dev")
    simple(home / ".kube" / "configs" / "prod.yaml", "prod-eu", server="https://prod.example:443", current=False)
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("protect:\n  servers: ['https://prod.*']\n")
    r = kctx("ls", "-o", "json")
    rows = {row["name"]: row for row in json.loads(r.out)}
    assert rows["dev"]["current"] and not rows["dev"]["protected"]
    assert rows["prod-eu"]["protected"] and rows["prod-eu"]["file"].endswith("configs/prod.yaml")
    assert set(rows["dev"]) == {"current", "name", "cluster", "server", "namespace", "file", "protected"}


def test_bad_files_one_line_each_and_others_work(home):
    simple(home / ".kube" / "config", "dev")
    d = home / ".kube" / "configs"
    write(d / "notkube.yaml", "- just\n- a list\n")
    write(d / "kind.yaml", "kind: Pod\napiVersion: v1\n")
    write(d / "yaml.yaml", "clusters:\n  - name: a\n   bad: indent\n")
    write(d / "dangling.yaml", kubeconfig({"lost": ("nowhere", "nobody", "")}))
    unreadable = write(d / "secret.yaml", kubeconfig({"x": ("x", "x", "")}))
    unreadable.chmod(0)
    r = kctx("ls", "-o", "name")
    assert r.code == 0
    assert "dev" in r.out.split() and "lost" in r.out.split()
    lines = r.err.strip().splitlines()
    assert any("notkube.yaml: not a kubeconfig" in ln for ln in lines)
    assert any('kind.yaml: line 1: not a kubeconfig kubectl reads: kind is "Pod"' in ln for ln in lines)
    assert any("yaml.yaml: line 3: invalid YAML" in ln for ln in lines)
    if os.getuid() != 0:  # root reads anything
        assert any("secret.yaml: cannot read" in ln for ln in lines)
    assert all(ln.startswith("kctx: warning: ") for ln in lines)


def test_current_json_contract(home):
    simple(home / ".kube" / "config", "dev", namespace="apps")
    r = kctx("current", "--json")
    data = json.loads(r.out)
    assert list(data) == ["context", "cluster", "server", "user", "namespace", "files", "protected"]
    assert data["context"] == "dev" and data["namespace"] == "apps" and data["protected"] is False


def test_a_changed_file_among_many_reuses_the_bundle_for_the_others(home, monkeypatch):
    files = [str(simple(home / ".kube" / "configs" / f"c{i}.yaml", f"c{i}", current=False))
             for i in range(index.BUNDLE_MIN + 2)]
    idx_dir = Paths().index_dir
    index.load(files, idx_dir)  # writes the entries and the bundle
    simple(Path(files[3]), "renamed", current=False)
    read, parsed = [], []
    real_read, real_refresh = index._read_entry, indexer.index_files
    monkeypatch.setattr(index, "_read_entry", lambda d, p, st: read.append(p) or real_read(d, p, st))
    monkeypatch.setattr(indexer, "index_files", lambda args: parsed.extend(args[1:]) or real_refresh(args))
    got = index.load(files, idx_dir)
    assert parsed == [files[3]]
    assert read == [files[3]]  # the others came from the old bundle, not one read each
    assert [sorted(f.contexts) for f in got] == [["renamed"] if i == 3 else [f"c{i}"] for i in range(len(files))]
    monkeypatch.setattr(indexer, "index_files", lambda args: pytest.fail("the new bundle should hit"))
    assert [f.to_dict() for f in index.load(files, idx_dir)] == [f.to_dict() for f in got]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode())))
def test_ca_fingerprint_is_sha256_of_what_base64_decodes(data):
    """Go decodes certificate-authority-data as strict padded base64 (line breaks aside) and kubectl refuses the
    whole file otherwise; kctx too."""
    from kctx.kubeconfig.extract import NotAKubeconfig, _ca_fingerprint, fill
    from kctx.kubeconfig.model import FileIndex

    doc = {"clusters": [{"name": "c", "cluster": {"server": "https://x", "certificate-authority-data": data}}]}
    try:
        raw = base64.b64decode(data.replace("\n", "").replace("\r", ""), validate=True)
    except (binascii.Error, ValueError):
        with pytest.raises(NotAKubeconfig, match="certificate-authority-data is not valid base64"):
            fill(FileIndex(path="x"), doc, "/")
        return
    fill(FileIndex(path="x"), doc, "/")
    assert _ca_fingerprint(data, "") == (hashlib.sha256(raw).hexdigest() if raw else "")


def test_invalid_yaml_keeps_its_line_number_and_valid_yaml_beyond_the_small_reader_still_parses(home):
    from kctx.kubeconfig.parse import parse_file

    bad = write(home / "bad.yaml", "apiVersion: v1\nclusters:\n- name: a\n  cluster: {server: x\n")
    assert parse_file(str(bad)).error.startswith(f"{bad}: line ")
    assert "invalid YAML" in parse_file(str(bad)).error
    anchors = write(home / "anchors.yaml", "clusters:\n- name: a\n  cluster: &c {server: 'https://a'}\n"
                                          "- name: b\n  cluster: *c\n")
    idx = parse_file(str(anchors))
    assert idx.error == "" and idx.clusters["b"]["server"] == "https://a"
