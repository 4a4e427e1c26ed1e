"""kubectl argv parsing: cobra's command search, pflag's flag forms, and the tables against a real kubectl."""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kctx.kubectl import argv as kargv
from kctx.kubectl import flagtable
from kctx.kubectl.argv import KubectlArgs, parse
from tests.kubectl_bins import WHEELS, kubectl_binary

# --- the command path ---------------------------------------------------------------------------

COMMANDS = [
    ([], ()),
    (["get", "pods"], ("get",)),
    (["rollout", "restart", "deploy/x"], ("rollout", "restart")),
    (["rollout", "--selector", "a=b", "restart", "deploy/x"], ("rollout", "restart")),
    (["rollout", "-f", "x.yaml", "restart"], ("rollout", "restart")),
    (["create", "-f", "x.yaml"], ("create",)),
    (["create", "deployment", "x", "--image=nginx"], ("create", "deployment")),
    (["create", "deploy", "x", "--image=nginx"], ("create", "deployment")),  # alias -> canonical
    (["create", "-o", "yaml", "deployment", "x"], ("create", "deployment")),
    (["create", "--dry-run", "deployment", "x"], ("create", "deployment")),  # --dry-run takes no value here
    (["create", "secret", "generic", "s", "--from-literal", "a=b"], ("create", "secret", "generic")),
    (["create", "secret", "--from-literal", "a=b", "generic", "s"], ("create", "secret", "generic")),
    (["create", "svc", "nodeport", "x"], ("create", "service", "nodeport")),
    (["create", "token", "sa"], ("create", "token")),
    (["-o", "json", "get", "pods"], ("get",)),  # unknown at the root, so cobra assumes -o takes a value
    (["set", "image", "--all", "deploy/x", "c=img"], ("set", "image")),
    (["set", "sa", "deploy/x", "sa"], ("set", "serviceaccount")),
    (["config", "--kubeconfig", "f", "use-context", "x"], ("config", "use-context")),
    (["config", "use", "x"], ("config", "use-context")),
    (["auth", "--namespace", "x", "can-i", "get", "pods"], ("auth", "can-i")),
    (["apply", "-f", "x", "view-last-applied"], ("apply", "view-last-applied")),
    (["apply", "--server-side", "-f", "x"], ("apply",)),
    (["top", "no"], ("top", "node")),
    (["top", "--sort-by", "cpu", "pods"], ("top", "pod")),
    (["cluster-info", "dump"], ("cluster-info", "dump")),
    (["certificate", "deny", "csr"], ("certificate", "deny")),
    (["plugin", "list"], ("plugin", "list")),
    (["kuberc", "set", "--section", "aliases"], ("kuberc", "set")),
    (["help", "create", "deployment"], ("help",)),
    (["alpha", "something", "x"], ("alpha", "something")),
    (["foo-bar", "x", "--context", "c"], ("foo-bar",)),  # a plugin or kuberc alias
    (["--context", "c", "foo-bar"], ("foo-bar",)),
    (["-A", "get", "pods"], ("pods",)),  # cobra takes `get` as -A's value: kubectl fails the same way
    (["--", "get", "pods"], ()),  # nothing before `--`: kubectl prints its help
    (["get", "--", "delete"], ("get",)),
    (["__complete", "delete", "pod", ""], ("__complete",)),
    (["version", "--client"], ("version",)),
]


@pytest.mark.parametrize(("line", "command"), COMMANDS, ids=[" ".join(c[0]) or "bare" for c in COMMANDS])
def test_command_path(line, command):
    assert parse(line).command == command


def test_positional_args_exclude_command_words_and_flag_values():
    a = parse(["--context", "p", "rollout", "-l", "a=b", "restart", "deploy/x", "deploy/y"])
    assert a.args == ("deploy/x", "deploy/y")
    assert a.local == {"selector": ["a=b"]}
    assert parse(["create", "-f", "x", "deployment"]).command == ("create", "deployment")


def test_plugin_keeps_the_rest_as_arguments_and_reports_global_flags():
    a = parse(["foo-bar", "sub", "--context", "prod", "-x", "1"])
    assert (a.command, a.args, a.globals) == (("foo-bar",), ("sub", "1"), {"context": "prod"})
    assert a.unknown == ("-x",)


def test_completion_request_keeps_the_line_verbatim_but_reports_its_globals():
    a = parse(["--context", "a", "__complete", "-n", "ns", "delete", "pod", ""])
    assert a.command == ("__complete",)
    assert a.args == ("--context", "a", "-n", "ns", "delete", "pod", "")
    assert a.globals == {"context": "a", "namespace": "ns"}
    assert a.local == {}
    # Nested requests are not unwrapped again.
    assert parse(["__complete", "__complete", "x"]).command == ("__complete",)


# --- flag forms -----------------------------------------------------------------------------------

def _globals(*line: str) -> dict[str, str]:
    return parse(list(line)).globals


@pytest.mark.parametrize("line", [
    ["--namespace", "ns", "get", "pods"],
    ["--namespace=ns", "get", "pods"],
    ["-n", "ns", "get", "pods"],
    ["-nns", "get", "pods"],
    ["-n=ns", "get", "pods"],
    ["get", "-n", "ns", "pods"],
    ["get", "pods", "-n", "ns"],
    ["get", "pods", "-nns"],
    ["get", "pods", "-n=ns"],
    ["get", "pods", "--namespace=ns"],
    ["--namespace=other", "get", "pods", "-n", "ns"],  # the last one wins
    ["-n", "a", "-n", "b", "get", "pods", "-nns"],
])
def test_namespace_in_every_form_and_position(line):
    a = parse(line)
    assert (a.command, a.args, a.globals) == (("get",), ("pods",), {"namespace": "ns"})


@pytest.mark.parametrize(("line", "expected"), [
    (["--context", "prod", "rollout", "restart", "d"], {"context": "prod"}),
    (["rollout", "--context", "prod", "restart", "d"], {"context": "prod"}),  # between verb and sub-command
    (["rollout", "restart", "d", "--context=prod"], {"context": "prod"}),
    (["-s", "https://h", "get", "ns"], {"server": "https://h"}),
    (["get", "ns", "-shttps://h"], {"server": "https://h"}),
    (["--server=https://h:6443", "get", "ns"], {"server": "https://h:6443"}),
    (["-v", "6", "get", "ns"], {"v": "6"}),
    (["-v6", "get", "ns"], {"v": "6"}),
    (["--v=6", "get", "ns"], {"v": "6"}),
    (["--kubeconfig", "/k", "--user", "u", "--cluster", "c", "get"],
     {"kubeconfig": "/k", "user": "u", "cluster": "c"}),
    (["--token", "t", "--as", "a", "--as-group", "g1", "--as-group", "g2", "get"],
     {"token": "t", "as": "a", "as-group": "g2"}),
    (["--request_timeout=5s", "get"], {"request-timeout": "5s"}),  # kubectl reads _ as -
    (["get", "--context", "--", "x"], {"context": "--"}),  # a value flag takes the next argument, always
    (["get", "--context", "-n"], {"context": "-n"}),
    (["get", "--context"], {"context": ""}),  # missing value: recorded empty, no error
    (["get", "-n"], {"namespace": ""}),
])
def test_global_value_flags(line, expected):
    assert _globals(*line) == expected


@pytest.mark.parametrize(("line", "expected"), [
    (["--insecure-skip-tls-verify", "get"], {"insecure-skip-tls-verify": True}),
    (["get", "--insecure-skip-tls-verify=false"], {"insecure-skip-tls-verify": False}),
    (["--insecure-skip-tls-verify=false", "get", "--insecure-skip-tls-verify"],
     {"insecure-skip-tls-verify": True}),
    (["--match-server-version=0", "--warnings-as-errors=T", "get"], {"match-server-version": False,
                                                                     "warnings-as-errors": True}),
    (["--disable-compression", "get"], {"disable-compression": True}),
    # kubectl rejects the value: assume the riskier setting.
    (["--insecure-skip-tls-verify=maybe", "get"], {"insecure-skip-tls-verify": True}),
])
def test_global_bool_flags(line, expected):
    a = parse(line)
    assert a.global_bools == expected
    assert a.command == ("get",) and a.args == ()


def test_a_boolean_flag_never_takes_the_next_argument():
    a = parse(["--insecure-skip-tls-verify", "false", "get"])
    assert a.global_bools == {"insecure-skip-tls-verify": True}
    assert a.command == ("false",)  # what kubectl does too: `false` is the command word


def test_local_flags_record_every_value_in_order():
    a = parse(["create", "secret", "generic", "s", "--from-literal", "a=1", "--from-literal=b=2",
               "--dry-run"])
    assert a.local == {"from-literal": ["a=1", "b=2"], "dry-run": [""]}
    assert a.last("from-literal") == "b=2" and a.last("nothing") is None


@pytest.mark.parametrize(("line", "local", "args"), [
    # Flags with a no-option default take a value only with `=`.
    (["delete", "pod", "x", "--dry-run", "server"], {"dry-run": [""]}, ("pod", "x", "server")),
    (["delete", "pod", "x", "--dry-run=server"], {"dry-run": ["server"]}, ("pod", "x")),
    (["apply", "--validate", "false", "-f", "x"], {"validate": [""], "filename": ["x"]}, ("false",)),
    (["delete", "--cascade", "orphan", "x"], {"cascade": [""]}, ("orphan", "x")),
    (["delete", "--cascade=orphan", "x"], {"cascade": ["orphan"]}, ("x",)),
    (["set", "image", "--local", "-f", "x", "c=i"], {"local": [""], "filename": ["x"]}, ("c=i",)),
    (["label", "--local=false", "-f", "x", "a=b"], {"local": ["false"], "filename": ["x"]}, ("a=b",)),
    (["get", "pods", "--show-labels"], {"show-labels": [""]}, ("pods",)),
    # Shown only with KUBECTL_APPLYSET=true, but always a value flag.
    (["apply", "--applyset", "s", "--prune", "-f", "x"],
     {"applyset": ["s"], "prune": [""], "filename": ["x"]}, ()),
])
def test_no_option_default_flags(line, local, args):
    a = parse(line)
    assert (a.local, a.args) == (local, args)


@pytest.mark.parametrize(("line", "globals_", "local", "args"), [
    (["exec", "-it", "p", "--", "sh"], {}, {"stdin": [""], "tty": [""]}, ("p", "sh")),
    (["exec", "-itn", "ns", "p"], {"namespace": "ns"}, {"stdin": [""], "tty": [""]}, ("p",)),
    (["exec", "-itnns", "p"], {"namespace": "ns"}, {"stdin": [""], "tty": [""]}, ("p",)),
    (["exec", "-itc", "c", "p"], {}, {"stdin": [""], "tty": [""], "container": ["c"]}, ("p",)),
    (["exec", "-ti=false", "p"], {}, {"tty": [""], "stdin": ["false"]}, ("p",)),
    (["logs", "-fp", "pod"], {}, {"follow": [""], "previous": [""]}, ("pod",)),  # -f is --follow for logs
    (["patch", "x", "-p", "{}"], {}, {"patch": ["{}"]}, ("x",)),  # and -p is --patch here
    (["delete", "-i", "pod", "x"], {}, {"interactive": [""]}, ("pod", "x")),
    (["run", "x", "-l", "a=b", "--image", "i"], {}, {"labels": ["a=b"], "image": ["i"]}, ("x",)),
    (["get", "pods", "-Aowide"], {}, {"all-namespaces": [""], "output": ["wide"]}, ("pods",)),
    (["get", "pods", "-n="], {"namespace": "="}, {}, ("pods",)),  # pflag: `-n=` is the value "="
])
def test_short_flag_groups(line, globals_, local, args):
    a = parse(line)
    assert (a.globals, a.local, a.args) == (globals_, local, args)


def test_double_dash_ends_flag_parsing():
    a = parse(["exec", "p", "-n", "ns", "--", "sh", "-c", "kubectl --context prod delete ns x", "-h", "--"])
    assert a.dashdash
    assert a.globals == {"namespace": "ns"}
    assert a.args == ("p", "sh", "-c", "kubectl --context prod delete ns x", "-h", "--")
    assert "help" not in a.local
    assert not parse(["get", "pods"]).dashdash


@pytest.mark.parametrize(("line", "local", "globals_"), [
    # A command's own flag shadows the global flag of the same name.
    (["config", "set-cluster", "c", "--server", "https://x"], {"server": ["https://x"]}, {}),
    (["config", "set-credentials", "u", "--token=t"], {"token": ["t"]}, {}),
    (["config", "set-context", "c", "-n", "ns"], {"namespace": ["ns"]}, {}),
    (["config", "-n", "ns", "set-context", "c"], {"namespace": ["ns"]}, {}),  # judged by the command found
    (["create", "rolebinding", "rb", "--user", "bob", "--role=r"], {"user": ["bob"], "role": ["r"]}, {}),
    (["debug", "node/x", "--profile", "sysadmin", "--image", "i"],
     {"profile": ["sysadmin"], "image": ["i"]}, {}),
    (["get", "pods", "--profile", "cpu"], {}, {"profile": "cpu"}),
    (["config", "view", "-n", "ns"], {}, {"namespace": "ns"}),
])
def test_local_flags_shadow_globals(line, local, globals_):
    a = parse(line)
    assert (a.local, a.globals) == (local, globals_)


@pytest.mark.parametrize(("line", "unknown"), [
    (["get", "pods"], ()),
    (["get", "pods", "--bogus"], ("--bogus",)),
    (["rollout", "restart", "d", "--dry-run=client"], ("--dry-run",)),
    (["get", "-Z"], ("-Z",)),
    (["get", "---x"], ("---x",)),
    (["get", "--logtostderr"], ("--logtostderr",)),  # klog's flags left kubectl before 1.27
    (["get", "--=x"], ("--=x",)),
    (["set", "--all", "image", "d", "c=i"], ("--all",)),  # cobra found only `set`: kubectl rejects --all
])
def test_unknown_flags_are_reported(line, unknown):
    assert parse(line).unknown == unknown


def test_unknown_flags_never_take_the_next_argument():
    a = parse(["delete", "pod", "x", "--newflag", "--context", "prod", "-Q", "y"])
    assert a.globals == {"context": "prod"}
    assert a.args == ("pod", "x", "y")
    assert a.local == {"newflag": [""], "Q": [""]}


def test_help_flag():
    assert parse(["delete", "-h"]).local == {"help": [""]}
    assert parse(["get", "--help=false"]).local == {"help": ["false"]}
    assert parse(["delete", "pod", "-n", "-h"]).local == {}  # -h is the namespace here


def test_never_raises_on_odd_input():
    for line in ([""], ["-"], ["--"], ["-="], ["--="], ["="], ["-h="], ["\x00"], ["-\u00e9"], ["--\u00e9=1"],
                 ["create", "secret"], ["create", "service", "--tcp"], ["alpha"], ["-n"], ["--context"]):
        assert isinstance(parse(line), KubectlArgs)
    odd = parse([None, 1])  # type: ignore[list-item]
    assert (odd.command, odd.args) == (("None",), ("1",))


def test_record_is_frozen_and_compares_by_value():
    a, b = parse(["get", "pods"]), parse(["get", "pods"])
    assert a == b and a != parse(["get", "nodes"]) and a != "x"
    with pytest.raises(AttributeError):
        a.command = ("delete",)  # type: ignore[misc]
    assert "command=('get',)" in repr(a)
    assert KubectlArgs({}, {}, (), (), {}, False).unknown == ()


def test_parse_bool_is_go_strconv():
    for text in ("1", "t", "T", "TRUE", "true", "True"):
        assert kargv.parse_bool(text) is True
    for text in ("0", "f", "F", "FALSE", "false", "False"):
        assert kargv.parse_bool(text) is False
    for text in ("", "yes", "tRUE", " true"):
        assert kargv.parse_bool(text) is None


# --- properties ----------------------------------------------------------------------------------

VOCAB = ["get", "delete", "create", "secret", "generic", "rollout", "restart", "config", "use-context", "set",
         "image", "top", "pod", "alpha", "__complete", "help", "-", "--", "-n", "-nns", "-n=x", "--namespace",
         "--context=p", "--context", "-o", "json", "-it", "-itn", "-h", "--help", "--dry-run",
         "--dry-run=server", "--local", "-f", "x.yaml", "--all", "--bogus", "-=", "--=", "", "=", "-A",
         "--v=9", "-v"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(VOCAB)), max_size=14))
def test_parse_never_raises(line):
    a = parse(line)
    assert isinstance(a.command, tuple) and isinstance(a.args, tuple)
    assert all(isinstance(v, str) for v in a.globals.values())
    assert all(isinstance(v, bool) for v in a.global_bools.values())
    # Every argument ends up somewhere: a command word, a positional, or part of a flag.
    assert len(a.command) + len(a.args) <= len(line)


# Command lines kubectl accepts, as units that must stay together (a flag and its value).
BASE_LINES: list[list[tuple[str, ...]]] = [
    [("get",), ("pods",), ("-o", "wide")],
    [("get",), ("pods",), ("--all-namespaces",), ("-l", "app=x")],
    [("-o", "json"), ("get",), ("deploy",)],
    [("delete",), ("pod",), ("x",), ("--dry-run=server",)],
    [("delete",), ("pod",), ("x",), ("--grace-period", "0"), ("--force",)],
    [("rollout",), ("--selector", "a=b"), ("restart",), ("deploy/x",)],
    [("rollout",), ("status",), ("deploy/x",), ("-w",)],
    [("create",), ("-f", "x.yaml")],
    [("create",), ("deployment",), ("web",), ("--image", "nginx"), ("--replicas=2",)],
    [("create",), ("secret",), ("generic",), ("s",), ("--from-literal", "a=b"), ("--dry-run",)],
    [("create",), ("token",), ("sa",), ("--duration", "1h")],
    [("set",), ("image",), ("deploy/x",), ("c=img",), ("--local",), ("-f", "d.yaml")],
    [("config",), ("use-context",), ("prod",)],
    [("config",), ("view",), ("--minify",)],
    [("exec",), ("-it",), ("pod",), ("--", "sh", "-c", "ls -n")],
    [("logs",), ("-f",), ("pod",), ("-c", "app")],
    [("apply",), ("-f", "-"), ("--server-side",), ("--dry-run=client",)],
    [("apply",), ("view-last-applied",), ("deploy/x",)],
    [("top",), ("pod",), ("-A",)],
    [("auth",), ("can-i",), ("delete",), ("pods",)],
    [("version",), ("--client",)],
    [("label",), ("--list",), ("pod",), ("x",)],
    [("edit",), ("deploy/x",), ("-h",)],
    [("port-forward",), ("svc/x",), ("8080:80",)],
    [("kustomize",), ("dir",)],
    [("help",), ("delete",)],
    [("cp",), ("pod:/a",), ("b",), ("-c", "x")],
    [("drain",), ("node1",), ("--ignore-daemonsets",), ("--dry-run=none",)],
    [("foo-bar",), ("arg",)],
]

_VALUE_GLOBALS = sorted(kargv.GLOBAL_VALUE_FLAGS)
_BOOL_GLOBALS = sorted(kargv.GLOBAL_BOOL_FLAGS)
_SHORT_OF = {long: short for short, long in kargv.GLOBAL_SHORT.items()}
_VALUES = st.text(alphabet="abcxyz019-_./:=@", min_size=1, max_size=8).filter(lambda v: not v.startswith("="))


@st.composite
def _global_unit(draw, name: str) -> tuple[tuple[str, ...], object]:
    """One global flag in a random form, with the value it sets."""
    if name in kargv.GLOBAL_BOOL_FLAGS:
        value = draw(st.sampled_from([None, "true", "false", "1", "0"]))
        unit = (f"--{name}",) if value is None else (f"--{name}={value}",)
        return unit, value is None or kargv.parse_bool(value)
    value = draw(_VALUES)
    forms = [(f"--{name}", value), (f"--{name}={value}",), (f"--{name.replace('-', '_')}={value}",)]
    short = _SHORT_OF.get(name)
    if short:
        forms += [(f"-{short}", value), (f"-{short}{value}",), (f"-{short}={value}",)]
    return draw(st.sampled_from(forms)), value


@st.composite
def lines_with_globals(draw):
    """(base line, same line with global flags inserted, expected globals, expected bools)."""
    base = draw(st.sampled_from(BASE_LINES))
    base_tokens = [t for unit in base for t in unit]
    shadowed = kargv.local_flags(parse(base_tokens).command)
    names = draw(st.lists(st.sampled_from(_VALUE_GLOBALS + _BOOL_GLOBALS), unique=True, max_size=4)
                 .filter(lambda ns: not set(ns) & shadowed))
    units = list(base)
    # Never after `--`: from there on everything is an argument.
    stop = next((i for i, u in enumerate(units) if u[0] == "--"), len(units))
    globals_, bools = {}, {}
    for name in names:
        unit, value = draw(_global_unit(name))
        units.insert(draw(st.integers(0, stop)), unit)
        stop += 1
        (bools if name in kargv.GLOBAL_BOOL_FLAGS else globals_)[name] = value
    return base_tokens, [t for unit in units for t in unit], globals_, bools


@settings(max_examples=300, deadline=None)
@given(lines_with_globals())
def test_global_flags_anywhere_change_nothing_else(case):
    base_tokens, tokens, globals_, bools = case
    base, moved = parse(base_tokens), parse(tokens)
    assert moved.globals == globals_
    assert moved.global_bools == bools
    assert (moved.command, moved.args, moved.local, moved.unknown) == (base.command, base.args, base.local,
                                                                       base.unknown)


# --- per release ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "minor", "command", "unknown"), [
    (["kuberc", "view"], "1.33", ("kuberc",), ()),  # no such command yet: a plugin call
    (["kuberc", "view"], "1.37", ("kuberc", "view"), ()),
    (["kuberc", "view"], None, ("kuberc", "view"), ()),  # any release has it
    (["config", "set-context", "c", "-n", "ns"], "1.27", ("config", "set-context"), ("-n",)),
    (["config", "set-context", "c", "-n", "ns"], "1.37", ("config", "set-context"), ()),
    (["delete", "-i", "pod", "x"], "1.27", ("delete",), ("-i",)),
    (["delete", "-i", "pod", "x"], "1.37", ("delete",), ()),
    (["get", "pods", "--kuberc", "k"], "1.27", ("get",), ("--kuberc",)),
    (["get", "pods", "--kuberc", "k"], "1.37", ("get",), ()),
])
def test_a_line_is_judged_by_its_release(line, minor, command, unknown):
    a = parse(line, minor=minor)
    assert (a.command, a.unknown) == (command, unknown)


def test_a_flag_unknown_to_the_release_takes_no_value():
    assert parse(["get", "pods", "--kuberc", "k"], minor="1.27").args == ("pods", "k")
    assert parse(["get", "pods", "--kuberc", "k"], minor="1.37").globals == {"kuberc": "k"}


@pytest.mark.parametrize(("given", "minor"), [
    ("1.33", 33), ("v1.33.2", 33), ("1.33.0", 33), ("1.20", 27), ("1.99", 37),
    (None, None), ("", None), ("2.0", None), ("1", None), ("1.x", None), ("latest", None),
])
def test_release_names(given, minor):
    assert kargv._minor(given) == minor


def test_per_release_queries():
    assert "kuberc" not in kargv.subcommands([], minor="1.27")
    assert "kuberc" in kargv.subcommands([], minor="1.37") and "kuberc" in kargv.subcommands([])
    assert "interactive" in kargv.local_flags(["delete"]) and "interactive" not in kargv.local_flags(
        ["delete"], minor="1.27")
    assert kargv.shorthand(["config", "set-context"], "namespace", minor="1.27") == ""
    assert kargv.shorthand(["config", "set-context"], "namespace", minor="1.37") == "n"
    assert kargv.shorthand(["get"], "namespace", minor="1.27") == "n"
    assert kargv.find_command(["kuberc", "set"], minor="1.30") == ("kuberc",)


# --- the generated table --------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _generator():
    spec = importlib.util.spec_from_file_location("gen_kubectl_tables", ROOT / "scripts" / "gen_kubectl_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ranges_of_minors():
    gen = _generator()
    assert [gen.ranges(m) for m in ([27], [27, 28, 29, 33], [28, 30, 31, 37])] == ["27", "27-29,33", "28,30-31,37"]


def _facts(subs: list[str], value: list[str], novalue: list[str], shorts: dict, glob: list[str]) -> dict:
    node = {"subs": [], "aliases": [], "value": [], "novalue": [], "shorts": {}}
    return {
        "globals": {"value": sorted(["namespace", *glob]), "bool": ["insecure-skip-tls-verify"],
                    "shorts": {"n": "namespace"}},
        "commands": {
            "": {**node, "subs": sorted(subs)},
            "get": {**node, "value": sorted(value), "novalue": sorted(novalue), "shorts": dict(sorted(shorts.items()))},
            **({"kuberc": node} if "kuberc" in subs else {}),
            **({"top": {**node, "subs": ["node"]}, "top node": {**node, "aliases": ["no"]}} if "top" in subs else {}),
        },
    }


def test_what_the_generator_writes_argv_reads_back(monkeypatch):
    """Facts of three releases -> the module's source -> argv's answer for each release."""
    gen = _generator()
    facts = {
        27: _facts(["get", "top"], ["output", "chunk-size"], ["watch"], {"o": "output"}, []),
        28: _facts(["get", "top", "kuberc"], ["output"], ["watch", "interactive"],
                   {"o": "output", "i": "interactive"}, ["kuberc"]),
        29: _facts(["get", "kuberc"], ["output", "chunk-size"], ["watch"], {"o": "output"}, ["kuberc"]),
    }
    source = gen.render(facts, {27: "v1.27.1", 28: "v1.28.3", 29: "v1.29.4"})
    assert "do not edit" in source and "interactive@28" in source and "chunk-size@27,29" in source
    module = types.ModuleType("flagtable")
    exec(compile(source, "flagtable.py", "exec"), module.__dict__)
    monkeypatch.setattr(kargv, "table", module)
    for cache in ("_LOCALS", "_SUBS", "_GLOBALS"):
        monkeypatch.setattr(kargv, cache, {})
    for minor, want in facts.items():
        assert gen.table_facts(f"1.{minor}") == want, minor
    assert parse(["top", "no"], minor="1.28").command == ("top", "node")
    assert parse(["top", "no"], minor="1.29").command == ("top",)  # a plugin there


# One release in full (every probe); all of them take minutes: `scripts/gen_kubectl_tables.py --check`.
@pytest.mark.parametrize("minor", ["1.27"])
def test_the_committed_table_is_what_the_binaries_say(minor):
    gen = _generator()
    facts, _versions, puzzles = gen.generate([minor], jobs=2, broad=False, table=gen.table_names(flagtable))
    assert puzzles == []
    found = facts[int(minor.split(".")[1])]
    table = gen.table_facts(minor)
    assert found["globals"] == table["globals"]
    for path in found["commands"].keys() | table["commands"].keys():
        assert found["commands"].get(path) == table["commands"].get(path), path


# --- against a real kubectl ----------------------------------------------------------------------

# Lines are compared with the oldest, a middle and the newest release; help with every release.
ORACLE_MINORS = ("1.27", "1.32", "1.37")


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBECONFIG", "KUBECTL_"))}
    env.update(HOME=str(tmp), KUBECONFIG=str(tmp / "none"))
    return env


_OPTION = re.compile(r"^\s{4}(?:-(\S), )?--([\w-]+)=(.*):\s*$")


def _help_node(kubectl: Path, path: list[str], env: dict[str, str]) -> dict:
    """One command's sub-commands, aliases and options, read from its `--help`."""
    text = subprocess.run([str(kubectl), *path, "--help"], capture_output=True, text=True, env=env,
                          timeout=60).stdout
    node: dict = {"subs": [], "aliases": [], "flags": {}}
    section, lines = "", text.splitlines()
    for i, line in enumerate(lines):
        if line.endswith(":") and not line.startswith(" "):
            section = line
            if line == "Aliases:":
                node["aliases"] = [a.strip() for a in lines[i + 1].split(",")]
        elif "Commands" in section and re.match(r"^  \S", line):
            node["subs"].append(line.split()[0])
        elif section == "Options:" and (m := _OPTION.match(line)):
            node["flags"][m.group(2)] = (m.group(1) or "", m.group(3) in ("true", "false"))
    return node


@functools.cache
def _help_tree(minor: str) -> dict[str, dict]:
    """Every command of the release, level by level, a few `--help` runs at a time."""
    kubectl = kubectl_binary(minor)
    tree: dict[str, dict] = {}
    level: list[list[str]] = [[], ["options"], ["help"]]
    with tempfile.TemporaryDirectory() as home, ThreadPoolExecutor(4) as pool:
        env = _env(Path(home))
        while level:
            nodes = list(pool.map(lambda path: _help_node(kubectl, path, env), level))
            tree.update((" ".join(path), node) for path, node in zip(level, nodes, strict=True))
            level = [[*path, sub] for path, node in zip(level, nodes, strict=True) for sub in node["subs"]]
    return tree


@pytest.mark.parametrize("minor", sorted(WHEELS))
def test_the_table_knows_every_command_alias_and_flag_help_shows(minor):
    for path, node in _help_tree(minor).items():
        assert set(node["subs"]) <= kargv.subcommands(path.split(), minor=minor), path
        parent, _, name = path.rpartition(" ")
        for alias in node["aliases"]:
            assert kargv._subs(parent, kargv._minor(minor)).get(alias) == name, (path, alias)
        value, novalue, shorts = kargv._local(path, kargv._minor(minor))
        for flag, (short, is_bool) in node["flags"].items():
            assert flag in (novalue if is_bool else value | novalue), (path, flag)  # a boolean never takes the next
            if short:
                assert shorts.get(short) == flag, (path, short, flag)


@pytest.mark.parametrize("minor", ORACLE_MINORS)
def test_value_free_non_boolean_flags_really_take_no_value(minor, tmp_path: Path):
    """--dry-run, --validate, --cascade: pflag accepts them bare (NoOptDefVal), unlike other string flags."""
    kubectl = kubectl_binary(minor)
    cases = [(path, name) for path, node in _help_tree(minor).items()
             for name, (_, is_bool) in node["flags"].items()
             if not is_bool and name in kargv._local(path, kargv._minor(minor))[1]]
    env = _env(tmp_path)

    def stderr(case: tuple[str, str]) -> str:
        path, name = case
        return subprocess.run([str(kubectl), *path.split(), f"--{name}"], capture_output=True, text=True,
                              env=env, timeout=60, stdin=subprocess.DEVNULL, cwd=tmp_path).stderr

    with ThreadPoolExecutor(4) as pool:
        for case, err in zip(cases, pool.map(stderr, cases), strict=True):
            assert "flag needs an argument" not in err, case
    assert len(cases) > 50


@pytest.mark.parametrize("minor", sorted(WHEELS))
def test_global_flags_match_kubectl_options(minor, tmp_path: Path):
    out = subprocess.run([str(kubectl_binary(minor)), "options"], capture_output=True, text=True,
                         env=_env(tmp_path), timeout=60).stdout
    value, boolean, shorts = kargv._global_kinds(kargv._minor(minor))
    shown = set()
    for line in out.splitlines():
        if m := _OPTION.match(line):
            short, name, default = m.groups()
            shown.add(name)
            assert name in (boolean if default in ("true", "false") else value), name
            if short:
                assert shorts[short] == name
    assert shown <= value | boolean and len(shown) > 20


ORACLE_LINES = [tokens for base in BASE_LINES for tokens in [[t for unit in base for t in unit]]
                if "--" not in tokens and "foo-bar" not in tokens] + [
    ["--context", "c", "-n", "ns", "rollout", "--selector", "a=b", "restart", "d"],
    ["rollout", "-f", "x.yaml", "restart"],
    ["create", "-o", "yaml", "deployment", "x", "--image", "i"],
    ["create", "--dry-run", "deployment", "x", "--image", "i"],
    ["create", "--validate=false", "deployment", "x", "--image", "i"],
    ["create", "secret", "--from-literal", "a=b", "generic", "s"],
    ["create", "svc", "clusterip", "x", "--tcp", "80"],
    ["-v", "6", "top", "--sort-by", "cpu", "no"],
    ["config", "-n", "x", "set-context", "c"],
    ["config", "--server", "x", "set-cluster", "c"],
    ["apply", "-f", "x", "view-last-applied"],
    ["auth", "--namespace", "x", "can-i", "get", "pods"],
    ["set", "--all", "image", "d", "c=i"],
    ["create", "--edit", "deployment", "x"],
    ["apply", "--dry-run", "edit-last-applied", "d"],
    ["rollout", "--watch", "status", "d"],
    ["rollout", "restart", "d", "--dry-run=client"],
    ["-A", "get", "pods"],
    ["--insecure-skip-tls-verify", "false", "get"],
    # Lines some releases reject or take for a plugin call.
    ["config", "set-context", "c", "-n", "ns"],
    ["delete", "-i", "pod", "x"],
    ["kuberc", "view"],
    ["run", "x", "--image", "i", "-f", "y"],
    ["autoscale", "d", "--cpu-percent", "50", "--max", "3"],
]


def _kubectl_path(kubectl: Path, minor: str, line: list[str], env: dict[str, str]
                  ) -> tuple[tuple[str, ...] | None, str]:
    """The command path kubectl settles on (from its usage or its error), and its error if any."""
    p = subprocess.run([str(kubectl), *line, "--help"], capture_output=True, text=True, env=env, timeout=60,
                       stdin=subprocess.DEVNULL)
    lines = p.stdout.splitlines()
    if "Usage:" in lines:
        words = lines[lines.index("Usage:") + 1].split()[1:]
        error = ""
    elif m := re.search(r"See 'kubectl ?([^']*?) (?:-h|--help)'", p.stderr):
        words, error = m.group(1).split(), p.stderr
    else:
        return None, p.stderr  # rejected before cobra: "flags cannot be placed before plugin name"
    path: list[str] = []
    for word in words:
        if word not in kargv.subcommands(path, minor=minor):
            break
        path.append(word)
    return tuple(path), error


@pytest.mark.parametrize("minor", ORACLE_MINORS)
@pytest.mark.parametrize("line", ORACLE_LINES, ids=[" ".join(x) for x in ORACLE_LINES])
def test_command_path_matches_real_kubectl(line, minor, tmp_path: Path):
    path, error = _kubectl_path(kubectl_binary(minor), minor, line, _env(tmp_path))
    ours = parse(line, minor=minor)
    if path is None:
        assert ours.command[0] not in kargv.subcommands([], minor=minor), error  # nor did kubectl
        return
    assert ours.command == path, error
    # kubectl rejects exactly the lines where we found a flag the command lacks.
    assert bool(ours.unknown) == ("unknown flag" in error or "unknown shorthand flag" in error), error


# --- import cost ----------------------------------------------------------------------------------

def test_import_pulls_in_only_cheap_standard_library_modules():
    code = "import sys; before = set(sys.modules); import kctx.kubectl.argv, kctx.kubectl.classify; " \
           "print('\\n'.join(sorted(set(sys.modules) - before)))"
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout.split()
    outside = [m for m in out if m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] != "kctx"]
    assert outside == []
    heavy = {"dataclasses", "enum", "typing", "re", "collections", "inspect", "json", "yaml"}
    assert heavy.isdisjoint(out), heavy & set(out)
