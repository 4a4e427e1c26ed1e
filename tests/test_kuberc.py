"""kubectl's kuberc expanded like kubectl: the pure expansion, reading the file, and real kubectl compared.

The differential tests run the real kubectl against the stand-in clusters with a kuberc and check that what
kctx predicts (cluster, namespace, whether it writes) is what kubectl did.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pexpect
import pytest

from kctx.guard.protection import normalize_server
from kctx.kubectl import kuberc, kubercfile
from kctx.kubectl.classify import classify
from kctx.paths import Paths
from kctx.sandbox import Sandbox
from kctx.sandbox.resources import by_plural
from kctx.util import parsecache
from tests.runner import kctx
from tests.sneaky import rewrite_keeping_times
from tests.worlds import sandbox_world

BETA = "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n"
ALPHA = "apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\n"


def prefs(body: str, head: str = BETA) -> dict:
    kind, value = kubercfile.parse_bytes((head + body).encode())
    assert kind == "prefs", value
    return value


def alias(name: str, command: str, extra: str = "") -> str:
    return f"aliases:\n- name: {name}\n  command: '{command}'\n{extra}"


def options(*pairs: tuple[str, str], indent: str = "  ", key: str = "options") -> str:
    return f"{indent}{key}:\n" + "".join(f"{indent}- {{name: {n}, default: '{v}'}}\n" for n, v in pairs)


def defaults(command: str, *pairs: tuple[str, str]) -> str:
    return f"defaults:\n- command: {command}\n" + options(*pairs)


DL = alias("dl", "delete")
DL_PROD = alias("dl", "delete", options(("context", "prod")))
MK_DRY = alias("mk", "create", options(("dry-run", "server")))

# --- the expansion: argv + preferences -> the line kubectl parses, the values kuberc sets, or kubectl's error ----

EXPANSIONS = [
    # An alias runs its command; prependArgs go after the alias name, appendArgs at the end.
    (DL, ["dl", "cm", "x"], ["delete", "cm", "x"], [], ""),
    (alias("gp", "get", "  prependArgs: [pods]\n  appendArgs: [-o, wide]\n"), ["-n", "=x", "gp", "a"], None, [], ""),
    (alias("gp", "get", "  prependArgs: [pods]\n  appendArgs: [-o, wide]\n"), ["gp", "a", "--", "b"],
     ["get", "pods", "a", "--", "b", "-o", "wide"], [], ""),
    (alias("mk", "create cm"), ["mk", "a"], ["create", "configmap", "a"], [], ""),  # cobra's Find: cm -> configmap
    (alias("mk", "get pods --context=prod"), ["mk"], ["get"], [], ""),  # Find drops extra words and flags
    (alias("k", ""), ["k", "get", "pods"], ["get", "pods"], [], ""),  # a copy of the root: a transparent prefix
    # Built-in commands win; `help` is added by cobra later, so it can be an alias.
    (alias("get", "delete"), ["get", "cm", "x"], ["get", "cm", "x"], [], ""),
    (alias("help", "delete"), ["help", "cm", "x"], ["delete", "cm", "x"], [], ""),
    # The alias must be the first argument not starting with "-": `--context prod dl` is not expanded.
    (DL, ["--context", "prod", "dl", "cm", "x"], ["--context", "prod", "dl", "cm", "x"], [], ""),
    (DL, ["--context=prod", "dl", "x"], ["--context=prod", "delete", "x"], [], ""),
    (DL, ["--insecure-skip-tls-verify", "dl", "x"], ["--insecure-skip-tls-verify", "delete", "x"], [], ""),
    # Alias options: set before parsing (argv wins), skipped when argv seems to give the flag anywhere.
    (DL_PROD, ["dl", "cm", "x"], ["delete", "cm", "x"], [("global", "context", "prod")], ""),
    (DL_PROD, ["dl", "x", "--context=dev"], ["delete", "x", "--context=dev"], [], ""),
    (DL_PROD, ["dl", "x", "--", "--context"], ["delete", "x", "--", "--context"], [], ""),
    (alias("dl", "delete", options(("namespace", "a"))), ["dl", "x", "--", "-qn"], ["delete", "x", "--", "-qn"], [],
     ""),
    (alias("dl", "delete", options(("namespace", "a"))), ["dl", "x", "--", "-q1n"], ["delete", "x", "--", "-q1n"],
     [("global", "namespace", "a")], ""),
    # A local option is set on the alias command's own flags: it does not reach a sub-command.
    (MK_DRY, ["mk", "-f", "x.yaml"], ["create", "-f", "x.yaml"], [("local", "dry-run", "server")], ""),
    (MK_DRY, ["mk", "cm", "a"], ["create", "cm", "a"], [], ""),
    (alias("mk", "create", options(("context", "prod"))), ["mk", "cm", "a"], ["create", "cm", "a"],
     [("global", "context", "prod")], ""),
    # Completion requests complete the alias's command.
    (DL_PROD, ["__complete", "dl", ""], ["__complete", "delete", ""], [("global", "context", "prod")], ""),
    # kubectl refuses the call.
    (alias("mk", "nope"), ["mk"], None, [], 'command "nope" not found to set alias "mk"'),
    (alias("dl", "delete", options(("nope", "x"))), ["dl"], None, [], "invalid flag nope for alias dl"),
    (alias("dl", "delete", options(("v", "5"))), ["dl"], None, [], "invalid flag v for alias dl"),  # klog's: later
    (alias("dl", "delete", options(("help", "true"))), ["dl"], None, [], "invalid flag help for alias dl"),
    (alias("dl", "delete", options(("insecure-skip-tls-verify", "yes"))), ["dl"], None, [],
     'could not apply value "yes" to flag insecure-skip-tls-verify in alias dl'),
    # defaults: for the found command, by name; not for an alias; argv wins.
    (defaults("delete", ("context", "prod")), ["delete", "cm", "x"], None, [("global", "context", "prod")], ""),
    (defaults("delete", ("context", "prod")), ["delete", "x", "--context", "dev"], None, [], ""),
    (defaults("delete", ("context", "prod")) + DL, ["dl", "x"], ["delete", "x"], [], ""),
    (defaults("delete", ("context", "prod")), ["get", "x"], None, [], ""),
    (defaults("create configmap", ("dry-run", "server")), ["create", "cm", "a"], None,
     [("local", "dry-run", "server")], ""),
    (defaults("create", ("dry-run", "server")), ["create", "cm", "a"], None, [], ""),
    (defaults("create serviceaccount", ("dry-run", "server")), ["set", "serviceaccount", "d", "s"], None,
     [("local", "dry-run", "server")], ""),  # same name, so it applies
    (defaults("create configmap", ("dry-run", "server")) + alias("mk", "create"), ["mk", "cm", "a"],
     ["create", "cm", "a"], [("local", "dry-run", "server")], ""),  # the user's words lead into a sub-command
    (defaults("create configmap", ("dry-run", "server")) + alias("mk", "create configmap"), ["mk", "a"],
     ["create", "configmap", "a"], [], ""),
    (defaults("get pods", ("namespace", "a")), ["get", "cm"], None, [("global", "namespace", "a")], ""),
    (defaults("nope", ("namespace", "a")), ["get", "cm"], None, [], ""),  # kubectl warns and goes on
    (defaults("delete", ("nope", "a")), ["get", "cm"], None, [], ""),
    (defaults("get", ("nope", "a")), ["get", "cm"], None, [], "invalid flag nope for command get"),
    (defaults("dl", ("context", "a")) + DL, ["dl", "x"], None, [], "alias dl can not be overridden"),
    (defaults("create secret generic", ("dry-run", "server")) + alias("generic", "get"), ["generic", "cm"], None,
     [], "alias generic can not be overridden"),
    (defaults("get", ("context", "prod")), ["__complete", "get", ""], None, [], ""),  # no command found yet
    (defaults("get", ("context", "prod")), ["foo", "get"], None, [], ""),  # a plugin: no defaults
    (defaults("get", ("kubeconfig", "/k"), ("server", "https://s"), ("cluster", "c"), ("user", "u")), ["get"],
     None, [("global", "kubeconfig", "/k"), ("global", "server", "https://s"), ("global", "cluster", "c"),
            ("global", "user", "u")], ""),
    (defaults("get", ("namespace", "a")), ["get", "-nb"], None, [], ""),
    (defaults("get", ("output", "wide")), ["get", "-oyaml"], None, [], ""),
]


@pytest.mark.parametrize("body, argv, line, presets, error", EXPANSIONS)
def test_expansion(body, argv, line, presets, error):
    exp = kuberc.expand(argv, prefs(body))
    if not error:  # (when kubectl refuses the call, the shim judges argv as typed)
        assert exp.argv == (argv if line is None else line)
    assert [tuple(p) for p in exp.presets] == presets
    assert exp.error == error


CLASSES = [
    # (kuberc, argv, class, context flag, namespace flag)
    (DL, ["dl", "cm", "x"], "mutate", None, None),
    (alias("gp", "get"), ["gp", "cm"], "read", None, None),
    (DL_PROD, ["dl", "cm", "x"], "mutate", "prod", None),
    (DL_PROD, ["dl", "cm", "x", "--context", "dev"], "mutate", "dev", None),
    (alias("dl", "delete", "  appendArgs: [--context=prod]\n"), ["dl", "x", "--context", "dev"], "mutate", "prod",
     None),
    (alias("dl", "delete", "  prependArgs: [--context=prod]\n"), ["dl", "x", "--context", "dev"], "mutate", "dev",
     None),
    (alias("dl", "delete", "  prependArgs: [--context=dev]\n" + options(("context", "prod"))), ["dl", "x"], "mutate",
     "dev", None),
    (MK_DRY, ["mk", "-f", "x.yaml"], "read", None, None),
    (MK_DRY, ["mk", "cm", "a", "--from-literal=a=b"], "mutate", None, None),
    (MK_DRY, ["mk", "-f", "x.yaml", "--dry-run=none"], "mutate", None, None),
    (defaults("delete", ("dry-run", "server"), ("namespace", "kube-system")), ["delete", "cm", "x"], "read", None,
     "kube-system"),
    (defaults("delete", ("dry-run", "server")), ["delete", "cm", "x", "--dry-run=none"], "mutate", None, None),
    (defaults("delete", ("dry-run", "none")), ["delete", "cm", "x", "--dry-run=server"], "read", None, None),
    (defaults("delete", ("help", "true")), ["delete", "cm", "x"], "mutate", None, None),  # kubectl refuses
    (alias("dl", "delete", options(("dry-run", "client"))), ["dl", "x"], "read", None, None),
]


@pytest.mark.parametrize("body, argv, cls, context, namespace", CLASSES)
def test_class_and_target_flags_after_expansion(body, argv, cls, context, namespace):
    args = kuberc.parse_expanded(kuberc.expand(argv, prefs(body)))
    assert (classify(args).cls, args.globals.get("context"), args.globals.get("namespace")) == (
        cls, context, namespace)


def test_bool_global_options_and_local_lists():
    args = kuberc.parse_expanded(kuberc.expand(["get", "-f", "b"], prefs(defaults(
        "get", ("insecure-skip-tls-verify", "true"), ("filename", "a")))))
    assert args.global_bools == {"insecure-skip-tls-verify": True}
    assert args.local["filename"] == ["b"]  # -f given: kubectl skips the default
    args = kuberc.parse_expanded(kuberc.expand(["get"], prefs(defaults("get", ("filename", "a")))))
    assert args.local["filename"] == ["a"]


def test_v1alpha1_uses_overrides_and_flags():
    body = "overrides:\n- command: delete\n" + options(("context", "prod"), key="flags")
    body += alias("dl", "delete", options(("namespace", "n"), key="flags"))
    p = prefs(body, ALPHA)
    assert p["defaults"] == [("delete", (("context", "prod"),))] and p["aliases"][0][4] == (("namespace", "n"),)
    # The other version's names are unknown fields, ignored like kubectl ignores them (but 1.33, see below).
    assert prefs(defaults("delete", ("context", "prod")), ALPHA) == {"aliases": [], "defaults": [],
                                                                      "unknown": "unknown field defaults"}
    assert prefs(alias("dl", "delete", options(("context", "prod"), key="flags")))["aliases"][0][4] == ()


# --- reading the file -----------------------------------------------------------------------------------------

FILES = [
    ("", "none", ""),
    ("# only a comment\n", "ignored", "no kubectl preferences"),
    ("foo: bar\n", "ignored", ""),
    ("- a\n", "ignored", ""),
    (BETA.replace("v1beta1", "v1"), "ignored", ""),  # v1 is not known to kubectl 1.37
    ("apiVersion: kubectl.config.k8s.io/v1beta1\n" + DL, "ignored", ""),  # no kind
    ("foo: bar\n---\n" + BETA + DL, "prefs", ""),  # the first Preference document counts
    (BETA + DL + "---\n" + BETA + "bad: [\n", "prefs", ""),  # what follows it is never read
    ('{"apiVersion": "kubectl.config.k8s.io/v1beta1", "kind": "Preference", "aliases": [{"name": "dl", '
     '"command": "delete"}]}', "prefs", ""),
    (BETA + "Aliases: 5\nextra: {a: 1}\n", "prefs", ""),  # unknown fields, case-sensitive names
    (BETA + "defaults:\naliases:\n", "prefs", ""),
    (BETA + "aliases:\n- name: a\n  command: get\n  options:\n  - name: context\n    default:\n", "prefs", ""),
    ("apiVersion: [\n", "error", "line 2: invalid YAML"),
    ("a: 1\n---\nb: [\n", "error", "line 4: invalid YAML"),
    ("---- \n", "error", "line 1: text after a `---`"),
    (BETA + "defaults: {command: get}\n", "error", "defaults: expected a list"),
    (BETA + defaults("get", ("context", "x")).replace("'x'", "true"), "error",
     "defaults[0].options[0].default: expected a string, found true"),
    (BETA + defaults("get", ("context", "x")).replace("'x'", "y"), "error", "found y (quote it)"),  # yaml.v2: bool
    (BETA + defaults("get", ("context", "x")).replace("'x'", "1e3"), "error", "found 1e3"),  # yaml.v2: a float
    (BETA + defaults("get", ("context", "x")).replace("'x'", "0o17"), "error", "found 0o17"),
    (BETA + "aliases:\n- name: a\n  command: get\n  prependArgs: [-f, 1:30, .x, -e, 1.2.3]\n", "prefs", ""),
    (BETA + "credentialPluginPolicy: [a]\n", "error", "credentialPluginPolicy: expected a string"),
    (BETA + "aliases: &a\n- name: x\n  command: get\nx:\n  <<: *a\n", "error", "merge"),
    (BETA + alias("g1", "get"), "rejected", "invalid alias name, can only include alphabetical characters"),
    (BETA + alias("", "get"), "rejected", "invalid alias name"),
    (BETA + DL + "- name: dl\n  command: get\n", "rejected", "duplicate alias name dl"),
    (BETA + defaults("get", ("--context", "x")), "rejected", "flag name --context should be in long form"),
]


@pytest.mark.parametrize("text, kind, fragment", FILES)
def test_reading_a_kuberc(text, kind, fragment):
    got_kind, value = kubercfile.parse_bytes(text.encode())
    assert got_kind == kind, value
    assert fragment in (value if isinstance(value, str) else "")


def test_non_utf8_is_an_error():
    assert kubercfile.parse_bytes(b"\xff\xfe") == ("error", "not UTF-8 text")


LOCATIONS = [
    ([], {}, ("/h/.kube/kuberc", False, "")),
    ([], {"KUBERC": "/k"}, ("/k", True, "")),
    (["get", "--kuberc", "/f"], {"KUBERC": "/k"}, ("/f", True, "")),
    (["--kuberc=/a", "get", "--kuberc", "/b"], {}, ("/a", True, "")),  # kubectl takes the first
    (["get", "--kuberc=/a=b"], {}, ("/a", True, "")),  # and splits at every "="
    (["get", "--", "--kuberc", "/f"], {}, ("/h/.kube/kuberc", False, "")),
    (["get", "--kuberc"], {}, ("", True, "--kuberc without a file")),
    (["get", "--kuberc="], {}, ("", True, "--kuberc= without a file")),
    ([], {"KUBERC": "off"}, ("", False, "")),
    (["--kuberc", "/f"], {"KUBERC": "off"}, ("", True, "KUBERC=off and --kuberc together")),
    ([], {"KUBECTL_KUBERC": "false"}, ("", False, "")),
    ([], {"KUBECTL_KUBERC": "FALSE"}, ("", False, "")),
    ([], {"KUBECTL_KUBERC": "0"}, ("/h/.kube/kuberc", False, "")),  # only "false" turns it off
    ([], {"KUBECTL_KUBERC": "no", "KUBERC": ""}, ("/h/.kube/kuberc", False, "")),
]


@pytest.mark.parametrize("argv, env, expected", LOCATIONS)
def test_which_file(argv, env, expected):
    assert kuberc.locate(argv, {"HOME": "/h", **env}) == expected


@pytest.fixture
def paths(tmp_path) -> Paths:
    return Paths({"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")})


def write(path: Path, text: str) -> Path:
    """Replace the file (a new inode), like editors do: the cache key changes even within one clock tick."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def test_the_cache_is_used_until_the_file_changes(paths, tmp_path, monkeypatch):
    f = write(tmp_path / "kuberc", BETA + DL)
    want = prefs(DL)
    assert kuberc.read(str(f), False, paths) == (want, "")
    monkeypatch.setattr(kubercfile, "parse_bytes", lambda raw: pytest.fail("parsed again"))
    assert kuberc.read(str(f), False, paths) == (want, "")
    monkeypatch.undo()
    write(f, BETA + alias("gp", "get"))
    assert kuberc.read(str(f), False, paths) == (prefs(alias("gp", "get")), "")


def test_the_shim_parses_in_a_child_process(paths, tmp_path, monkeypatch):
    f = write(tmp_path / "kuberc", BETA + DL)
    want = prefs(DL)
    monkeypatch.setattr(parsecache, "PARSE_IN_CHILD", True)  # what the shim declares (parsecache.hot_path)
    monkeypatch.setattr(kubercfile, "parse_bytes", lambda raw: pytest.fail("parsed in this process"))
    assert kuberc.read(str(f), False, paths) == (want, "")
    assert os.path.exists(paths.kuberc_cache)
    g = write(tmp_path / "other", "bad: [\n")
    data, problem = kuberc.read(str(g), False, paths)
    assert data is None and problem.startswith(f"{g}: line 2: invalid YAML") and "\n" not in problem
    monkeypatch.setattr(parsecache, "PARSE_IN_CHILD", False)
    assert kuberc.read(str(f), False, paths) == (want, "")  # both files are remembered


@pytest.mark.parametrize("in_child", [False, True])
def test_an_edit_that_puts_the_old_mtime_back_is_seen(paths, tmp_path, monkeypatch, in_child):
    monkeypatch.setattr(parsecache, "PARSE_IN_CHILD", in_child)
    f = write(tmp_path / "kuberc", BETA + alias("aa", "get"))
    assert kuberc.read(str(f), False, paths) == (prefs(alias("aa", "get")), "")
    rewrite_keeping_times(f, BETA + alias("bb", "get"))  # same size, inode and mtime
    assert kuberc.read(str(f), False, paths) == (prefs(alias("bb", "get")), "")


@pytest.mark.parametrize("text, explicit, problem", [
    (None, False, ""),
    (None, True, "no such kuberc file; kubectl will refuse the call"),
    ("foo: bar\n", False, ""),  # kubectl warns and ignores it
    ("foo: bar\n", True, "no kubectl preferences in it"),
    ("bad: [\n", False, "kctx cannot expand this kuberc (KUBERC=off turns kuberc off)"),
    (BETA + alias("g1", "get"), False, "kubectl rejects this kuberc (invalid alias name"),
])
def test_what_a_file_means_for_the_guard(paths, tmp_path, text, explicit, problem):
    f = tmp_path / "kuberc"
    if text is not None:
        write(f, text)
    data, why = kuberc.read(str(f), explicit, paths)
    assert data is None and (problem in why if problem else why == "")


def test_a_folder_cannot_be_read(paths, tmp_path):
    (tmp_path / "kuberc").mkdir()
    _data, why = kuberc.read(str(tmp_path / "kuberc"), False, paths)
    assert why.startswith(f"{tmp_path}/kuberc: cannot read the kuberc")


def test_apply_keeps_argv_when_kubectl_refuses(paths, tmp_path):
    f = write(tmp_path / "kuberc", BETA + alias("mk", "nope"))
    r = kuberc.apply(["mk", "x"], {"HOME": str(tmp_path), "KUBERC": str(f)}, paths)
    assert r.args.command == ("mk",) and r.problem == f'{f}: kubectl will refuse the call: command "nope" not ' \
                                                      'found to set alias "mk"'
    r = kuberc.apply(["get"], {"HOME": str(tmp_path), "KUBERC": "off"}, paths)
    assert (r.args.command, r.problem, r.expansion) == (("get",), "", None)


# --- real kubectl: what it did, against what kctx predicts -----------------------------------------------------

@pytest.fixture
def lab(home: Path, sandbox: Sandbox, kubectl: Path, monkeypatch) -> dict:
    sandbox.write_kubeconfig(home / ".kube" / "config", current="dev")
    sandbox.write_kubeconfig(home / "prod-first.yaml", current="prod")
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("protect:\n  contexts: ['prod*']\n")
    monkeypatch.setenv("KCTX_KUBECTL", str(kubectl))
    monkeypatch.setenv("KCTX_KUBECTL_VERSION", "system")
    return {"home": home}


def seed(sandbox: Sandbox) -> dict[str, int]:
    """A configmap x in default and kube-system of both clusters; the store versions, to see real writes."""
    res = by_plural("configmaps")
    for name in sandbox.names:
        api = sandbox.cluster(name).api
        for ns in ("default", "kube-system"):
            if not api.store.exists(res, ns, "x"):
                api.create(res, ns, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
            if api.store.exists(res, ns, "y"):
                api.delete(res, ns, "y")
    sandbox.clear_requests()
    return {name: sandbox.cluster(name).api.store.resource_version for name in sandbox.names}


def observe(sandbox: Sandbox, before: dict[str, int]) -> tuple[set, set, set]:
    """(clusters kubectl talked to, namespaces it addressed, clusters it changed)."""
    clusters, namespaces = set(), set()
    for name in sandbox.names:
        for r in sandbox.requests(name):
            clusters.add(name)
            parts = r.path.strip("/").split("/")  # api/v1/namespaces/<ns>/... or apis/<g>/<v>/namespaces/<ns>/...
            if "namespaces" in parts:
                at = parts.index("namespaces")
                if at + 1 < len(parts):
                    namespaces.add(parts[at + 1])
    changed = {n for n in sandbox.names if sandbox.cluster(n).api.store.resource_version != before[n]}
    return clusters, namespaces, changed


CREATE = ["create", "cm", "y", "--from-literal=a=b"]

DIFFERENTIAL = [
    # (kuberc text, argv, extra environment)
    (BETA + DL, ["dl", "cm", "x"], {}),
    (BETA + DL_PROD, ["dl", "cm", "x"], {}),
    (BETA + DL_PROD, ["dl", "cm", "x", "--context", "dev"], {}),
    (BETA + DL_PROD, ["dl", "cm", "x", "--", "--context"], {}),
    (BETA + DL_PROD, ["--context=dev", "dl", "cm", "x"], {}),
    (BETA + DL_PROD, ["--context", "dev", "dl", "cm", "x"], {}),  # not an alias here: kubectl fails
    (BETA + alias("dl", "delete", "  appendArgs: [--context=prod]\n"), ["dl", "cm", "x", "--context=dev"], {}),
    (BETA + alias("dl", "delete", "  prependArgs: [--context, prod]\n"), ["dl", "cm", "x", "--context=dev"], {}),
    (BETA + alias("dl", "delete", options(("namespace", "kube-system"))), ["dl", "cm", "x"], {}),
    (BETA + alias("help", "delete"), ["help", "cm", "x"], {}),
    (BETA + alias("get", "delete"), ["get", "cm", "x"], {}),
    (BETA + alias("k", "", options(("context", "prod"))), ["k", "delete", "cm", "x"], {}),
    (BETA + alias("gp", "get", options(("context", "prod"))), ["gp", "cm", "x"], {}),
    (BETA + defaults("delete", ("context", "prod")), ["delete", "cm", "x"], {}),
    (BETA + defaults("delete", ("context", "prod")) + DL, ["dl", "cm", "x"], {}),
    (BETA + defaults("delete", ("namespace", "kube-system")), ["delete", "cm", "x"], {}),
    (BETA + defaults("delete", ("namespace", "kube-system")), ["delete", "cm", "x", "--", "-qn"], {}),
    (BETA + defaults("delete", ("kubeconfig", "{home}/prod-first.yaml")), ["delete", "cm", "x"], {}),
    (BETA + defaults("delete", ("cluster", "prod")), ["delete", "cm", "x"], {}),
    (BETA + defaults("delete", ("server", "{prod}")), ["delete", "cm", "x"], {}),
    (BETA + defaults("delete", ("dry-run", "server")), ["--context", "prod", "delete", "cm", "x"], {}),
    (BETA + defaults("delete", ("dry-run", "server")), ["--context", "prod", "delete", "cm", "x", "--dry-run=none"],
     {}),
    (BETA + defaults("create configmap", ("dry-run", "server")), ["--context=prod", *CREATE], {}),
    (BETA + defaults("create", ("dry-run", "server")), ["--context=prod", *CREATE], {}),
    (BETA + MK_DRY, ["--context=prod", "mk", "cm", "y", "--from-literal=a=b"], {}),
    (BETA + alias("mk", "create configmap", options(("dry-run", "server"))), ["--context=prod", "mk", "y"], {}),
    (BETA + alias("mk", "create") + defaults("create configmap", ("dry-run", "server")),
     ["--context=prod", "mk", "cm", "y"], {}),
    (ALPHA + "overrides:\n- command: delete\n" + options(("context", "prod"), key="flags"), ["delete", "cm", "x"], {}),
    (BETA + alias("dl", "delete", options(("context", "prod"), key="flags")), ["dl", "cm", "x"], {}),  # unknown field
    (BETA + defaults("delete", ("context", "prod")), ["delete", "cm", "x"], {"KUBERC": "off"}),
    (BETA + defaults("delete", ("context", "prod")), ["delete", "cm", "x"], {"KUBECTL_KUBERC": "false"}),
    (BETA + defaults("delete", ("context", "prod")), ["delete", "cm", "x"], {"KUBECTL_KUBERC": "0"}),
    (BETA + defaults("delete", ("context", "prod")), ["delete", "cm", "x"], {"KUBERC": "{home}/nowhere"}),
    (BETA + defaults("delete", ("nope", "x")), ["delete", "cm", "x"], {}),
    (BETA + alias("d1", "delete"), ["delete", "cm", "x", "--context=prod"], {}),
    ("foo: bar\n---\n" + BETA + defaults("delete", ("context", "prod")), ["delete", "cm", "x"], {}),
    ("bad: [\n", ["delete", "cm", "x"], {}),
]


def case_id(case: tuple) -> str:
    return " ".join(case[1])


def run_case(lab: dict, sandbox: Sandbox, binary: Path, body: str, argv: list[str], env) -> tuple:
    home = lab["home"]
    env = {k: v.format(home=home) for k, v in env.items()}
    text = body.replace("{home}", str(home)).replace("{prod}", sandbox.server_url("prod"))
    write(home / ".kube" / "kuberc", text)
    before = seed(sandbox)
    full_env = {**os.environ, "HOME": str(home), **env}
    p = subprocess.run([str(binary), "--request-timeout=5s", *argv], env=full_env, capture_output=True, text=True,
                       timeout=60)
    seen = observe(sandbox, before)
    r = kctx("explain", "--json", "--", "--request-timeout=5s", *argv, env=env)
    assert r.code == 0, r
    return p, seen, json.loads(r.out)


def cluster_of(sandbox: Sandbox, server: str) -> str:
    return next((n for n in sandbox.names if normalize_server(sandbox.server_url(n)) == normalize_server(server)), "")


def check(sandbox: Sandbox, p, seen: tuple, d: dict) -> None:
    clusters, namespaces, changed = seen
    if "error occurred while applying preferences" in p.stderr:
        assert not clusters and "problem" in d, d  # kubectl refused the call; kctx fails closed for writes
        return
    assert clusters <= {cluster_of(sandbox, d["server"])}, (p.stderr, d)
    assert namespaces <= {d["namespace"]}, (p.stderr, d)
    if changed:  # a real write: kctx must see a writing class on the cluster it went to
        assert d["class"] in ("mutate", "unknown") and changed == {cluster_of(sandbox, d["server"])}, (p.stderr, d)
    if "prod" in changed:
        assert d["decision"] == "deny", d  # no terminal in tests


@pytest.mark.parametrize("body, argv, env", DIFFERENTIAL, ids=[case_id(c) for c in DIFFERENTIAL])
def test_kctx_predicts_what_kubectl_does(lab, sandbox, kubectl, body, argv, env):
    p, seen, d = run_case(lab, sandbox, kubectl, body, argv, env)
    check(sandbox, p, seen, d)


@pytest.mark.parametrize("body, argv, env", DIFFERENTIAL[::4], ids=[case_id(c) for c in DIFFERENTIAL[::4]])
def test_kctx_predicts_what_the_older_kubectl_does(lab, sandbox, kubectl_old, body, argv, env):
    p, seen, d = run_case(lab, sandbox, kubectl_old, body, argv, env)
    check(sandbox, p, seen, d)


def test_the_differential_cases_do_write(lab, sandbox, kubectl):
    """The checks above mean something: these lines really change prod, and kctx refuses them."""
    for body, argv in ((DL_PROD, ["dl", "cm", "x"]), (defaults("delete", ("context", "prod")), ["delete", "cm", "x"]),
                       (MK_DRY, ["--context=prod", "mk", "cm", "y", "--from-literal=a=b"])):
        body = BETA + body
        p, seen, d = run_case(lab, sandbox, kubectl, body, argv, {})
        assert seen[2] == {"prod"} and d["decision"] == "deny" and d["kuberc"], (p.stderr, d)


# --- through the shim ------------------------------------------------------------------------------------------

@pytest.fixture
def world(home: Path, sandbox: Sandbox, kubectl: Path, tmp_path: Path) -> dict:
    return sandbox_world(home, sandbox, kubectl, tmp_path, shim=True)


def shim(world: dict, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    e = {**world["env"], **(env or {})}
    return subprocess.run(["kubectl", *args], env=e, capture_output=True, text=True, timeout=60,
                          start_new_session=True)  # no terminal, like CI


def test_an_alias_of_delete_is_guarded_like_delete(world, sandbox):
    write(world["home"] / ".kube" / "kuberc", BETA + DL + "- name: gp\n  command: get\n")
    before = seed(sandbox)
    p = shim(world, "dl", "cm", "x", "--context", "prod")
    assert p.returncode == 4 and "delete is mutate and the target is protected" in p.stderr, p.stderr
    p = shim(world, "gp", "cm", "x", "--context", "prod")
    assert p.returncode == 0 and "x" in p.stdout, p.stderr
    p = shim(world, "dl", "cm", "x")  # dev is not protected
    assert p.returncode == 0, p.stderr
    assert observe(sandbox, before)[2] == {"dev"}


def test_a_kuberc_default_context_is_seen(world, sandbox):
    write(world["home"] / ".kube" / "kuberc", BETA + defaults("delete", ("context", "prod")))
    before = seed(sandbox)
    p = shim(world, "delete", "cm", "x")
    assert p.returncode == 4 and 'context "prod" matches protect.contexts' in p.stderr, p.stderr
    p = shim(world, "delete", "cm", "x", env={"KUBERC": "off"})  # kuberc off: dev, as typed
    assert p.returncode == 0, p.stderr
    assert observe(sandbox, before)[2] == {"dev"}


def test_a_kuberc_edit_that_puts_the_old_mtime_back_is_seen_at_once(world, sandbox):
    f = write(world["home"] / ".kube" / "kuberc", BETA + defaults("delete", ("context", "dev")))
    before = seed(sandbox)
    p = shim(world, "delete", "cm", "x")
    assert p.returncode == 0, p.stderr
    rewrite_keeping_times(f, BETA + defaults("delete", ("context", "prod")))  # same size, inode and mtime
    p = shim(world, "delete", "cm", "y")  # kubectl would delete it on prod
    assert p.returncode == 4 and 'context "prod" matches protect.contexts' in p.stderr, p.stderr
    assert observe(sandbox, before)[2] == {"dev"}


def test_dry_run_defaults(world, sandbox):
    write(world["home"] / ".kube" / "kuberc", BETA + defaults("create configmap", ("dry-run", "server"))
          + "- command: delete\n" + options(("dry-run", "server")))
    before = seed(sandbox)
    p = shim(world, "--context", "prod", *CREATE)
    assert p.returncode == 0 and "(server dry run)" in p.stdout, p.stderr
    p = shim(world, "--context", "prod", "delete", "cm", "x")
    assert p.returncode == 0 and "(server dry run)" in p.stdout, p.stderr
    p = shim(world, "--context", "prod", *CREATE, "--dry-run=none")
    assert p.returncode == 4, p.stderr
    assert observe(sandbox, before)[2] == set()


def test_an_alias_dry_run_only_covers_the_alias_command(world, sandbox):
    write(world["home"] / ".kube" / "kuberc", BETA + MK_DRY)
    before = seed(sandbox)
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: z}\n"  # (an unquoted y is a boolean)
    p = subprocess.run(["kubectl", "--context=prod", "mk", "-f", "-"], env=world["env"], input=manifest,
                       capture_output=True, text=True, timeout=60, start_new_session=True)
    assert p.returncode == 0 and "(server dry run)" in p.stdout, p.stderr
    p = shim(world, "--context=prod", "mk", "cm", "y", "--from-literal=a=b")  # create configmap: a real write
    assert p.returncode == 4 and "create configmap is mutate" in p.stderr, p.stderr
    assert observe(sandbox, before)[2] == set()


def test_an_alias_is_confirmed_on_the_terminal(world, sandbox):
    write(world["home"] / ".kube" / "kuberc", BETA + DL_PROD)
    before = seed(sandbox)
    child = pexpect.spawn("kubectl", ["dl", "cm", "x"], env=world["env"], encoding="utf-8", timeout=30)
    child.expect("delete \\(mutate\\) on a protected target")
    child.expect("Type the context name \\(prod\\) to continue")
    child.sendline("prod")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert observe(sandbox, before)[2] == {"prod"}


def test_a_kuberc_kctx_cannot_read_fails_closed_for_writes(world, sandbox):
    f = write(world["home"] / ".kube" / "kuberc", BETA + "aliases: [\n")
    before = seed(sandbox)
    p = shim(world, "delete", "cm", "x")
    assert p.returncode == 4 and f"{f}: line 4: invalid YAML" in p.stderr and p.stderr.count("\n") == 1, p.stderr
    assert shim(world, "get", "cm", "x").returncode == 0  # reads still work
    assert observe(sandbox, before)[2] == set()


def test_hot_path_with_a_kuberc_avoids_yaml(world):
    from tests.test_shim import FORBIDDEN_ON_HOT_PATH, imported

    write(world["home"] / ".kube" / "kuberc", BETA + DL_PROD)
    cold = imported(world, "dl", "--help")  # the cache is cold: a child parses the file, not the shim
    assert not cold & {"yaml", "json"}, cold
    warm = imported(world, "dl", "--help")
    assert not {m for m in warm if m.startswith("kctx")}, warm
    assert not warm & {*FORBIDDEN_ON_HOT_PATH, "os"}, warm
