"""kctx.util.fastos gives os.path's answers (the shim uses it instead of importing os)."""

import os

from hypothesis import given
from hypothesis import strategies as st

from kctx.util import fastos

segment = st.sampled_from(["", ".", "..", "a", "b c", ".kube", "x..y", "~", "~u"])
path = st.lists(segment, max_size=6).map("/".join) | st.sampled_from(["/", "//", "///", "//a", "~", "~/", "~/a"])


@given(path, path, path)
def test_join_matches_os(a, b, c):
    assert fastos.join(a, b, c) == os.path.join(a, b, c)


@given(path)
def test_dirname_basename_isabs_normpath_match_os(p):
    assert fastos.dirname(p) == os.path.dirname(p)
    assert fastos.basename(p) == os.path.basename(p)
    assert fastos.isabs(p) == os.path.isabs(p)
    assert fastos.normpath(p) == os.path.normpath(p)
    assert fastos.abspath(p) == os.path.abspath(p)


@given(path)
def test_expanduser_matches_os(p):
    assert fastos.expanduser(p) == os.path.expanduser(p)


def test_expanduser_with_odd_homes(monkeypatch):
    for home in ("/", "/home/u/", "", "/a//"):
        monkeypatch.setenv("HOME", home)
        for p in ("~", "~/x", "~root", "x"):
            assert fastos.expanduser(p) == os.path.expanduser(p), (home, p)
    monkeypatch.delenv("HOME")
    assert fastos.expanduser("~/x") == os.path.expanduser("~/x")


def test_file_kinds(tmp_path):
    f, d, link = tmp_path / "f", tmp_path / "d", tmp_path / "l"
    f.write_text("x")
    d.mkdir()
    link.symlink_to(tmp_path / "missing")
    for p in (f, d, link, tmp_path / "nothing", "bad\0name"):
        p = str(p)
        if "\0" in p:
            assert not (fastos.exists(p) or fastos.isfile(p) or fastos.isdir(p) or fastos.islink(p))
            continue
        assert (fastos.exists(p), fastos.isfile(p), fastos.isdir(p), fastos.islink(p)) == \
            (os.path.exists(p), os.path.isfile(p), os.path.isdir(p), os.path.islink(p))


def test_environ_matches_os_environ():
    assert fastos.environ() == dict(os.environ)
