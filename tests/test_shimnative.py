"""Installing the native kubectl launcher, and falling back to the Python shim without a compiler."""

from __future__ import annotations

from pathlib import Path

import pytest

from kctx.kubectl.binaries import is_shim
from kctx.shim import install as shiminstall
from kctx.shim import native as shimnative
from tests.tools import require_cc


@pytest.fixture
def cc() -> str:
    return require_cc()


@pytest.mark.usefixtures("cc")
def test_the_launcher_is_built_once_and_recognised(tmp_path: Path) -> None:
    folder = tmp_path / "shim"
    [kubectl] = shiminstall.install(folder, native=True)
    script = shiminstall.script_path(folder)
    assert kubectl.read_bytes()[:4] == b"\x7fELF" and script.read_text().startswith("#!")
    assert shimnative.built_from(kubectl) == shimnative.digest(shiminstall.sys.executable, str(script))
    assert is_shim(str(kubectl)) and is_shim(str(script)) and shiminstall.is_current(kubectl, folder)
    # The script behind the launcher writes memo records for it; a script installed alone writes none.
    head = shiminstall._header(script.read_text())
    assert head == shiminstall._header(shiminstall.render(folder, native=True))
    assert head != shiminstall._header(shiminstall.render(folder))
    before = kubectl.stat().st_mtime_ns
    shiminstall.install(folder, native=True)
    assert kubectl.stat().st_mtime_ns == before  # up to date: not compiled again


@pytest.mark.usefixtures("cc")
def test_opting_out_or_no_compiler_installs_the_python_shim(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "shim"
    shiminstall.install(folder, native=True)
    [kubectl] = shiminstall.install(folder, native=False)  # KCTX_SHIM_NATIVE=0
    assert kubectl.read_text().startswith("#!") and shiminstall.is_current(kubectl, folder)
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    [kubectl] = shiminstall.install(tmp_path / "other", native=True)
    assert kubectl.read_text().startswith("#!") and not shimnative.built_from(kubectl)
    [failed] = (tmp_path / "other").glob(".kctx-native-failed-*")  # not compiled again at every shell start
    assert "no-such-cc failed" in failed.read_text()
    assert shimnative.build(tmp_path / "x", "/usr/bin/python3", "/x").startswith(f"{tmp_path}/no-such-cc failed")
    monkeypatch.delenv("CC")
    shiminstall.install(tmp_path / "other", native=True)
    assert not shimnative.built_from(kubectl)
    shiminstall.install(tmp_path / "other", native=True, retry=True)  # `kctx shim install`
    assert shimnative.built_from(kubectl)


def test_a_real_kubectl_is_not_a_shim(kubectl: Path) -> None:
    assert not is_shim(str(kubectl)) and not shimnative.built_from(kubectl)


def test_paths_become_c_strings_byte_for_byte() -> None:
    assert shimnative._c_string('/a b/"q"\\é') == '"/a\\040b/\\042q\\042\\134\\303\\251"'
