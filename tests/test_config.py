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
from kctx.util.globmatch import match


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
    ("protect: [\n", "config.yaml: line 2: invalid YAML"),
    ("protect:\n  context: [a]\n", "protect.context: unknown key"),
    ("protect:\n  contexts: {a: b}\n", "protect.contexts: expected a list of strings"),
    ("confirm: maybe\n", "confirm: expected one of: name, yes"),
    ("- a\n", "the top level must be a mapping"),
    ("kubectl:\n  pins: {prod: 1.30}\n", "kubectl.pins.prod: versions must be quoted strings"),
])
def test_errors_name_file_and_key(home, text, where):
    write_config(home, text)
    with pytest.raises(KctxError) as err:
        kconfig.load(Paths())
    assert where in err.value.message and "\n" not in err.value.message


def test_child_process_parse_keeps_yaml_out(home):
    write_config(home, "protect:\n  contexts: [prod]\n")
    cfg = kconfig.load(Paths(), in_process=False)  # parsed by `python -m kctx.config`, then cached
    assert cfg.protect_contexts == ["prod"]
    assert kconfig.load(Paths(), in_process=False).protect_contexts == ["prod"]


def test_alternating_config_files_are_each_parsed_once(home, tmp_path, monkeypatch):
    files = []
    for n in range(3):
        files.append(tmp_path / f"config{n}.yaml")
        files[-1].write_text(f"protect:\n  contexts: [prod{n}]\n")
    parsed = []
    real_parse = kconfig.parse_yaml
    monkeypatch.setattr(kconfig, "parse_yaml", lambda path: parsed.append(path) or real_parse(path))
    for _ in range(3):
        for n, path in enumerate(files):
            cfg = kconfig.load(Paths({"HOME": str(home), "KCTX_CONFIG": str(path)}))
            assert cfg.protect_contexts == [f"prod{n}"]
    assert parsed == [str(f) for f in files]
    files[1].write_text("protect:\n  contexts: [changed]\n")  # an edit is seen
    assert kconfig.load(Paths({"HOME": str(home), "KCTX_CONFIG": str(files[1])})).protect_contexts == ["changed"]


@given(st.text(alphabet=string.ascii_lowercase + "-.*?[]!", max_size=8),
       st.text(alphabet=string.ascii_lowercase + "-.", max_size=10))
def test_globmatch_agrees_with_fnmatchcase(pattern, name):
    assert match(name, pattern) == fnmatch.fnmatchcase(name, pattern)
