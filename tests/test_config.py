"""The kctx config: validation errors name the file and key; the shim's cache needs no yaml."""

from __future__ import annotations

import fnmatch
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kctx import config as kconfig
from kctx.errors import KctxError
from kctx.paths import Paths
from kctx.util import parsecache
from kctx.util.globmatch import match
from tests.sneaky import rewrite_keeping_times


def write_config(home, text: str):
    path = home / ".config" / "kctx" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_without_a_file(home):
    cfg = kconfig.load(Paths())
    assert cfg.kubeconfigs == ["~/.kube/config", "~/.kube/configs/*"]
    assert not cfg.has_protection() and cfg.confirm == "name"


def test_full_config(home):
    write_config(home, "kubeconfigs: [~/k/*.yaml]\nprotect:\n  contexts: [prod*]\n  servers: 'https://p*'\n"
                       "confirm: yes\nkubectl:\n  pins: {prod-*: '1.29'}\n  default: '1.30'\n")
    cfg = kconfig.load(Paths())
    assert cfg.kubeconfigs == ["~/k/*.yaml"] and cfg.protect_contexts == ["prod*"]
    assert cfg.protect_servers == ["https://p*"] and cfg.confirm == "yes"
    assert cfg.kubectl_pins == {"prod-*": "1.29"} and cfg.kubectl_default == "1.30"


@pytest.mark.parametrize("text, where", [
    ("protect: [\n", "config.yaml: line 1: invalid YAML"),  # the unclosed bracket, not the end after it
    ("protect:\n  context: [a]\n", "protect.context: unknown key"),
    ("protect:\n  contexts: {a: b}\n", "protect.contexts: expected a list of strings"),
    ("confirm: maybe\n", "confirm: expected one of: name, yes"),
    ("- a\n", "the top level must be a mapping"),
    ("protcet:\n  contexts: [prod]\n", 'protcet: unknown key (did you mean "protect"?)'),
    ("kubectl:\n  pins: {prod: 1.30}\n", "kubectl.pins.prod: versions must be quoted strings"),
])
def test_errors_name_file_and_key(home, text, where):
    write_config(home, text)
    with pytest.raises(KctxError) as err:
        kconfig.load(Paths())
    assert where in err.value.message and "\n" not in err.value.message


def test_every_problem_of_the_file_is_reported_at_once(home):
    path = write_config(home, "protcet:\n  contexts: [prod]\nconfirm: maybe\nkubectl:\n  pins: {prod: 1.30}\n")
    with pytest.raises(KctxError) as err:
        kconfig.load(Paths())
    assert err.value.message == (
        f'{path}: 3 problems: protcet: unknown key (did you mean "protect"?); confirm: expected one of: name, yes; '
        'kubectl.pins.prod: versions must be quoted strings (YAML reads 1.3 as a number), e.g. "1.30"')


def test_yaml_errors_in_several_sections_are_all_reported_with_their_lines(home):
    path = write_config(home, "# mine\nprotect:\n  contexts: [prod\nkubeconfigs:\n\t- x\nconfirm: maybe\n"
                              "colors: {a: red}\n")
    with pytest.raises(KctxError) as err:
        kconfig.load(Paths())
    assert err.value.message == (
        f"{path}: 3 problems: line 3: invalid YAML: expected ',' or ']', but got '<stream end>'; "
        "line 5: invalid YAML: found character '\\t' that cannot start any token; "
        "confirm: expected one of: name, yes")


def test_the_shim_parses_in_a_child_process(home, monkeypatch):
    write_config(home, "protect:\n  contexts: [prod]\n")
    monkeypatch.setattr(parsecache, "PARSE_IN_CHILD", True)  # what the shim declares (parsecache.hot_path)
    monkeypatch.setattr(kconfig, "parse_bytes", lambda raw, path: pytest.fail("parsed in this process"))
    cfg = kconfig.load(Paths())  # parsed by a child process, which caches it
    assert cfg.protect_contexts == ["prod"]
    assert kconfig.load(Paths()).protect_contexts == ["prod"]


def test_a_child_that_fails_is_one_line_naming_the_file(home, monkeypatch):
    path = write_config(home, "protect:\n  contexts: [prod]\n")
    monkeypatch.setattr(parsecache, "PARSE_IN_CHILD", True)

    def fail(parser, args, **kw):
        raise parsecache.ChildFailed("MemoryError: out of memory")

    monkeypatch.setattr(parsecache, "run_child", fail)
    with pytest.raises(KctxError) as err:
        kconfig.load(Paths())
    assert err.value.message == f"{path}: cannot read the config: MemoryError: out of memory"


def test_alternating_config_files_are_each_parsed_once(home, tmp_path, monkeypatch):
    files = []
    for n in range(3):
        files.append(tmp_path / f"config{n}.yaml")
        files[-1].write_text(f"protect:\n  contexts: [prod{n}]\n")
    parsed = []
    real_parse = kconfig.parse_bytes
    monkeypatch.setattr(kconfig, "parse_bytes", lambda raw, path: parsed.append(path) or real_parse(raw, path))
    for _ in range(3):
        for n, path in enumerate(files):
            cfg = kconfig.load(Paths({"HOME": str(home), "KCTX_CONFIG": str(path)}))
            assert cfg.protect_contexts == [f"prod{n}"]
    assert parsed == [str(f) for f in files]
    files[1].write_text("protect:\n  contexts: [changed]\n")  # an edit is seen
    assert kconfig.load(Paths({"HOME": str(home), "KCTX_CONFIG": str(files[1])})).protect_contexts == ["changed"]


@pytest.mark.parametrize("in_child", [False, True])
def test_an_edit_that_puts_the_old_mtime_back_is_seen(home, monkeypatch, in_child):
    monkeypatch.setattr(parsecache, "PARSE_IN_CHILD", in_child)
    path = write_config(home, "protect:\n  contexts: [qa]\n")
    assert kconfig.load(Paths()).protect_contexts == ["qa"]
    rewrite_keeping_times(path, "protect:\n  contexts: [pr]\n")  # same size, same inode, same mtime
    assert kconfig.load(Paths()).protect_contexts == ["pr"]  # protected at once


def test_a_config_named_by_kctx_config_must_exist(home, tmp_path):
    typo = tmp_path / "cofnig.yaml"
    with pytest.raises(KctxError) as err:
        kconfig.load(Paths({"HOME": str(home), "KCTX_CONFIG": str(typo)}))
    assert err.value.message == f"{typo}: no such file (named by KCTX_CONFIG)"
    assert kconfig.load(Paths({"HOME": str(home)})).protect_contexts == []  # the default file may be missing


def test_an_unreadable_config_is_an_error(home, tmp_path):
    folder = tmp_path / "config.yaml"
    folder.mkdir()
    with pytest.raises(KctxError) as err:
        kconfig.load(Paths({"HOME": str(home), "KCTX_CONFIG": str(folder)}))
    assert err.value.message.startswith(f"{folder}: cannot read: ") and "\n" not in err.value.message


@given(st.text(alphabet=string.ascii_lowercase + "-.*?[]!", max_size=8),
       st.text(alphabet=string.ascii_lowercase + "-.", max_size=10))
def test_globmatch_agrees_with_fnmatchcase(pattern, name):
    assert match(name, pattern) == fnmatch.fnmatchcase(name, pattern)
