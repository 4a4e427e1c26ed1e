"""kubectl's merge rules, checked against a real kubectl binary on the same files."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from kctx.kubeconfig import index
from kctx.kubeconfig.files import split_kubeconfig
from tests.kubeconfigs import kubeconfig, write


def kubectl_view(kubectl: Path, home: Path, files: list[Path | str]) -> dict:
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "KUBECONFIG": os.pathsep.join(map(str, files))}
    out = subprocess.run([str(kubectl), "config", "view", "-o", "json"], env=env, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


def our_view(home: Path, files: list[Path | str]):
    return index.view([os.path.abspath(f) for f in split_kubeconfig(os.pathsep.join(map(str, files)))],
                      str(home / "idx"))


def assert_same(kubectl: Path, home: Path, files: list[Path | str]) -> None:
    theirs = kubectl_view(kubectl, home, files)
    ours = our_view(home, files)
    assert ours.current_context == theirs.get("current-context", "")
    their_ctx = {c["name"]: c["context"] for c in theirs.get("contexts") or []}
    assert sorted(ours.context_names()) == sorted(their_ctx)
    for name, body in their_ctx.items():
        ctx = ours.context(name)
        assert (ctx.cluster, ctx.user, ctx.namespace) == (body.get("cluster", ""), body.get("user", ""),
                                                          body.get("namespace", ""))
    for cl in theirs.get("clusters") or []:
        assert ours.cluster(cl["name"]).server == cl["cluster"].get("server", "")
    assert sorted(u["name"] for u in theirs.get("users") or []) == sorted(ours.user_names())


def test_first_current_context_and_first_definition_win(kubectl, home, tmp_path):
    a = write(tmp_path / "a.yaml", kubeconfig({"shared": ("ca", "ua", "from-a")}, clusters={"ca": "https://a:1"},
                                              users=["ua"]))  # no current-context here
    b = write(tmp_path / "b.yaml", kubeconfig({"shared": ("cb", "ub", "from-b"), "only-b": ("ca", "ub", "")},
                                              clusters={"ca": "https://b-redefines-ca:1", "cb": "https://b:1"},
                                              users=["ub", "ua"], current="only-b"))
    c = write(tmp_path / "c.yaml", kubeconfig({"only-c": ("cb", "ua", "x")}, clusters={"cb": "https://c:1"},
                                              users=["ua"], current="shared"))
    assert_same(kubectl, home, [a, b, c])
    view = our_view(home, [a, b, c])
    assert view.current_context == "only-b"
    assert view.context("shared").namespace == "from-a"
    assert view.cluster("ca").server == "https://a:1"
    assert_same(kubectl, home, [c, b, a])


def test_missing_files_and_empty_entries_are_skipped(kubectl, home, tmp_path):
    a = write(tmp_path / "a.yaml", kubeconfig({"x": ("x", "x", "")}, clusters={"x": "https://x:1"}, users=["x"],
                                              current="x"))
    files = [tmp_path / "missing.yaml", "", a, a]
    assert_same(kubectl, home, files)
    assert [f.path for f in our_view(home, files).files] == [str(a)]


def test_empty_current_context_does_not_win(kubectl, home, tmp_path):
    a = write(tmp_path / "a.yaml", kubeconfig({"x": ("x", "x", "")}, clusters={"x": "https://x:1"}, users=["x"],
                                              current=""))
    b = write(tmp_path / "b.yaml", kubeconfig({"yy": ("x", "x", "")}, current="yy"))
    assert_same(kubectl, home, [a, b])


def test_relative_paths_resolve_against_the_files_folder(home, tmp_path):
    d = tmp_path / "sub"
    (d / "certs").mkdir(parents=True)
    (d / "certs" / "ca.pem").write_bytes(b"not-really-a-ca")
    doc = kubeconfig({"r": ("r", "r", "")}, clusters={"r": "https://r:1"}, users=["r"], current="r")
    del doc["clusters"][0]["cluster"]["certificate-authority-data"]
    doc["clusters"][0]["cluster"]["certificate-authority"] = "certs/ca.pem"
    f = write(d / "config", doc)
    cluster = our_view(home, [f]).cluster("r")
    assert cluster.ca_file == str(d / "certs" / "ca.pem")
    assert cluster.ca_sha256  # read from the file, relative to the kubeconfig, not to the cwd


def test_json_kubeconfig(kubectl, home, tmp_path):
    doc = kubeconfig({"j": ("j", "j", "ns")}, clusters={"j": "https://j:1"}, users=["j"], current="j")
    f = tmp_path / "j.json"
    f.write_text(json.dumps(doc))
    assert_same(kubectl, home, [f])
