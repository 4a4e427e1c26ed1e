"""The small YAML reader: exactly the full reader's answer (kctx/kubeconfig/kubeyaml.py, which reads YAML as
kubectl does) for kubectl's own output, or None (never a wrong one)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kctx.kubeconfig import kubeyaml, simpleyaml
from kctx.session.envfile import read as read_env
from tests.kubeconfigs import simple
from tests.runner import kctx


def canon(value: object) -> object:
    """A form that compares types too: True == 1 and 1 == 1.0 in Python, not in YAML."""
    if isinstance(value, dict):
        return ("dict", sorted(((canon(k), canon(v)) for k, v in value.items()), key=repr))
    if isinstance(value, list):
        return ("list", [canon(v) for v in value])
    return (type(value).__name__, value)


def full(text: str | bytes) -> object:
    """The full reader's answer; kubeyaml.Problem when it refuses the text."""
    return kubeyaml.load(text.encode() if isinstance(text, str) else text)


def check(text: str | bytes) -> object:
    """The reader's answer, after checking it equals the full reader's when it is not None."""
    got = simpleyaml.load(text)
    if got is None:
        return None
    assert canon(got) == canon(full(text)), text  # full() raising here: we accepted what kubectl refuses
    return got


# Scalars on which YAML 1.1 typing, quoting or the plain-scalar rules are easy to get wrong.
TRICKY = [
    "yes", "No", "TRUE", "off", "On", "y", "n", "Y", "N", "null", "Null", "NULL", "nULL", "~", "", " ", "0", "-0",
    "+1", "-17", "007", "08", "09.5", "0x1F", "0b101", "0o17", "1_000", "1:30", "-1:30", "190:20:30", "1.5", ".5",
    "1e3", "1.0e+3", "6.8523015e+5", ".inf", "-.Inf", "+.INF", ".NaN", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5", "10.0.0.1", "1.2.3", "..", "1..2", "<<", "=", "-", "- a", "-a", "--", "---",
    "...", "a: b", "a:b", "a:", ":a", "?a", "? a", "#a", "a #b", "a#b", "it's", '"q"', "'", '"', " lead",
    "trail ", "a,b", "[a]", "{a}", "{}", "[]", "&a", "*a", "!a", "!!str", "%a", "@a", "`a", "|", ">", "a\nb",
    "a\n", "tab\tx", "é", "ünï", "\u00a0", "\x85", "\u2028", "\ufeff", "\x00", "\x7f", "\\", "\\n", "a\\", "\U0001F600",
    "https://10.0.0.1:6443", "arn:aws:eks:eu-west-1:123456789012:cluster/prod", "a" * 90 + " b c", "x" * 1100,
]
SCALARS = st.one_of(st.sampled_from(TRICKY), st.text(max_size=10), st.integers(), st.booleans(), st.none(),
                    st.floats(allow_nan=False))
KEYS = st.one_of(st.sampled_from(TRICKY), st.text(max_size=6), st.integers(-3, 3), st.booleans(), st.none())
DOCS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(KEYS, inner, max_size=4)), max_leaves=25)
DUMP_OPTIONS = st.sampled_from([{}, {"sort_keys": False}, {"allow_unicode": True}, {"indent": 4},
                                {"indent": 3, "allow_unicode": True, "width": 1000}, {"explicit_start": True}])


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS, DUMP_OPTIONS)
def test_safe_dump_output_reads_as_the_full_reader_or_not_at_all(doc, options):
    check(yaml.safe_dump(doc, default_flow_style=False, **options))


# What safe_dump writes for these is valid but outside the subset: ":a" and "?a", several lines, NaN and
# infinities (kubectl refuses them), merge keys.
NOT_READ = {"-a", "--", ":a", "?a", "a\nb", "a\n", "a" * 90 + " b c", ".inf", "-.Inf", "+.INF", ".NaN", "<<"}
NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
PLAIN = st.one_of(NAMES, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False, allow_infinity=False),
                  st.sampled_from([t for t in TRICKY if t not in NOT_READ]),
                  st.builds(lambda n: f"https://{n}.example:6443/x?y=1", NAMES))
NODES = st.recursive(PLAIN, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(NAMES, inner, max_size=5)), max_leaves=30)
KUBECONFIG_LIKE = st.dictionaries(NAMES, NODES, min_size=1, max_size=6)


@settings(max_examples=500, deadline=None)
@given(KUBECONFIG_LIKE, st.sampled_from([{}, {"sort_keys": False}, {"indent": 4}]))
def test_kubeconfig_like_documents_are_read_without_fallback(doc, options):
    text = yaml.safe_dump(doc, default_flow_style=False, **options)
    assert check(text) is not None, text


# Text built from YAML's significant pieces: mostly invalid or unusual documents. Whatever the reader
# accepts must be exactly what the full reader reads; whatever that refuses, the reader must give up on.
PIECES = ["- ", "-", "a", "b", "key", ": ", ":", "'x'", "'", '"y"', '"', "\\", "#", " #c", " ", "  ", "1", "0x1",
          "yes", "~", "{}", "[]", "{", "[", "&a", "*a", "!t", "|", ">", "?", ",", "%", "---", "...", "\t", "é"]
LINES = st.lists(st.builds(lambda n, parts: " " * n + "".join(parts), st.integers(0, 6),
                           st.lists(st.sampled_from(PIECES), max_size=5)), max_size=8)


@settings(max_examples=3000, deadline=None)
@given(LINES)
@example(["a:", "  - b", "  c: d"])
@example(["- a", " b"])
@example(["a: b", "  c"])
def test_arbitrary_text_never_reads_differently(lines):
    text = "\n".join(lines)
    try:
        full(text)
    except kubeyaml.Problem:  # the full reader refuses it: the small one must not claim the text
        assert simpleyaml.load(text) is None, text
        return
    check(text)


@pytest.mark.parametrize("text, value", [
    ("a: 1\nb: -2\nc: +3\nd: 0\ne: -0\n", {"a": 1, "b": -2, "c": 3, "d": 0, "e": 0}),
    ("t: yes\nf: Off\nu: ~\nm:\ns: y\nv: n\n", {"t": True, "f": False, "u": None, "m": None, "s": True, "v": False}),
    ("n: 1\nN: 2\nY: 3\n", {"false": 2, "true": 3}),  # y/n keys are booleans to kubectl; the last one wins
    ("a: 1.5\nb: 007\nc: 1_0\nd: 2001-12-14\ne: =\nf: 1:30\ng: 0x1F\nh: 0o17\ni: 08\nj: 1e3\n",
     {"a": 1.5, "b": 7, "c": 10, "d": "2001-12-14", "e": "=", "f": "1:30", "g": 31, "h": 15, "i": 8.0, "j": 1000.0}),
    ("a: 1e400\nb: 99999999999999999999\nc: 0b-1\nd: .5_5\ne: ._5\n",
     {"a": "1e400", "b": 1e20, "c": -1, "d": 0.55, "e": "._5"}),
    ("ip: 10.0.0.1\nv: 1.2.3\nd: -dash\nh: .hidden\n", {"ip": "10.0.0.1", "v": "1.2.3", "d": "-dash", "h": ".hidden"}),
    ("a:\n- x\n-\n  - y\n- - z\nb: {}\nc: []\n", {"a": ["x", [True], ["z"]], "b": {}, "c": []}),
    ("- name: a\n  items:\n  - 1\n  other: 2\n- b\n", [{"name": "a", "items": [1], "other": 2}, "b"]),
    ("k: 'it''s' # c\n'q k': \"a\\tb\\u00e9\\x41\\\\\"\n", {"k": "it's", "q k": "a\tbéA\\"}),
    ("# top\n\n  a: x #c\n  b: x#y\n  # inner\n  c:   v  \n", {"a": "x", "b": "x#y", "c": "v"}),
    ("k: v\r\nl:\r\n- 1\r\n", {"k": "v", "l": [1]}),
    ("a:: b\nhttps://x: y\n", {"a:": "b", "https://x": True}),
    ("a: " + "9" * 5000 + "\n", {"a": "9" * 5000}),  # too large for a float64: text to kubectl
    ("2: a\ntrue: b\ny: c\n", {"2": "a", "true": "c"}),
    ("-   a: 1\n    b: 2\n", [{"a": 1, "b": 2}]),
])
def test_subset_examples(text, value):
    assert canon(check(text)) == canon(value)
    assert canon(check(text.encode())) == canon(value)


@pytest.mark.parametrize("text", [
    "", "# only a comment\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: |\n  x\n", "a: >\n  x\n", "a: [1, 2]\n",
    "a: {b: 1}\n", "a: b\n---\nc: d\n", "--- a\n", "%YAML 1.1\n---\na: 1\n", "a: .nan\n", "a: -.inf\n", "~: 1\n",
    "1.5: a\n", "18446744073709551616: a\n", "a: 'multi\n  line'\n", "a: \"multi\n  line\"\n",
    "a: plain\n  continued\n", "a:\tb\n",
    "<<: {a: 1}\n", "a: <<\n", "? a\n: b\n", "a: b: c\n", "a: - b\n", "a: 1\n- b\n", "- a\nb: 1\n",
    "a:\n  - b\n  c: d\n", "a : b\n", "a: \"\\/\"\n", "a: \"\\ud800\"\n", "\ufeffa: 1\n", "a: \x85\n", "a: 'x' y\n",
    "k" * 1100 + ": v\n",
], ids=lambda text: repr(text[:40]))
def test_outside_the_subset_gives_up(text):
    assert simpleyaml.load(text) is None
    assert simpleyaml.load(text.encode()) is None


def test_bytes_pypyaml_would_decode_differently_give_up():
    assert simpleyaml.load(b"\xef\xbb\xbfa: 1\n") is None  # BOM
    assert simpleyaml.load("a: 1\n".encode("utf-16")) is None
    assert simpleyaml.load(b"a: \xff\n") is None  # not UTF-8


# --- files written by the real kubectl ------------------------------------------------------------------

def kubectl_file(kubectl: Path, path: Path, *commands: list[str]) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(path.parent), "KUBECONFIG": str(path)}
    for argv in commands:
        p = subprocess.run([str(kubectl), "config", *argv], env=env, capture_output=True, text=True, cwd=path.parent)
        assert p.returncode == 0, (argv, p.stderr)
    return path.read_text()


@pytest.mark.parametrize("binary", ["kubectl", "kubectl_old"])
def test_kubectl_written_kubeconfigs_are_read_without_fallback(binary, request, tmp_path):
    kubectl = request.getfixturevalue(binary)
    (tmp_path / "ca.crt").write_bytes(os.urandom(1100))
    (tmp_path / "client.key").write_bytes(os.urandom(900))
    text = kubectl_file(
        kubectl, tmp_path / "config",
        ["set-cluster", "c1", "--server=https://10.0.0.1:6443", "--certificate-authority=ca.crt", "--embed-certs"],
        ["set-cluster", "c2", "--server=https://example.com", "--insecure-skip-tls-verify=true",
         "--tls-server-name=api.example.com"],
        ["set-cluster", "c3", "--server=https://p:443", "--proxy-url=http://proxy:3128",
         "--certificate-authority=ca.crt"],
        ["set-credentials", "token", "--token=abc.def"],
        ["set-credentials", "cert", "--client-certificate=ca.crt", "--client-key=client.key", "--embed-certs"],
        ["set-credentials", "basic", "--username=admin", "--password=secret"],
        ["set-credentials", "eks", "--exec-command=aws", "--exec-api-version=client.authentication.k8s.io/v1beta1",
         "--exec-arg=eks", "--exec-arg=get-token", "--exec-env=AWS_PROFILE=prod", "--exec-interactive-mode=Never"],
        ["set-credentials", "oidc", "--auth-provider=oidc", "--auth-provider-arg=idp-issuer-url=https://issuer",
         "--auth-provider-arg=client-id=kctx"],
        ["set-context", "dev", "--cluster=c1", "--user=token", "--namespace=apps"],
        ["set-context", "arn:aws:eks:eu-west-1:123456789012:cluster/prod", "--cluster=c2", "--user=eks"],
        ["set-context", "gke_project_europe-west1_prod", "--cluster=c3", "--user=oidc", "--namespace=123"],
        ["use-context", "dev"],
        ["set", "clusters.c2.disable-compression", "true"],
    )
    doc = check(text)
    assert doc is not None
    assert doc["current-context"] == "dev" and len(doc["clusters"]) == 3 and len(doc["users"]) == 5
    contexts = {c["name"]: c["context"] for c in doc["contexts"]}
    assert contexts["gke_project_europe-west1_prod"]["namespace"] == "123"  # quoted by kubectl: a string
    for argv in (["view", "--raw"], ["view", "--flatten"], ["view", "--minify", "--raw"]):
        out = subprocess.run([str(kubectl), "config", *argv], capture_output=True, text=True, check=True,
                             env={"PATH": os.environ["PATH"], "KUBECONFIG": str(tmp_path / "config")}).stdout
        assert check(out) is not None, argv


# Names kubectl writes on one line (plain or quoted): read. The rest must give up, never differ.
ONE_LINE = ["123", "true", "null", "0x1F", "1.5", "2024-01-01", "~", "yes", "on", '"quoted"', "it's", "a: b", "#hash",
            "-dash", "with space", "ünï", "*star", "&amp", "!bang", "%pct", "@at", "`tick", "{brace}", "[br]", "a,b",
            "|pipe", ">gt", "x #y", " lead", "trail ", "tab\tx", "back\\slash", "'", '"', "10.0.0.1", "ns.1.2"]
OTHERS = ["<<", "=", "?q", ":colon", "multi\nline", "a" * 100 + " b c d e f g h i j k l m n o p q r s t u v w x y z",
          "nbsp\u00a0x"]


@pytest.mark.parametrize("name", ONE_LINE + OTHERS)
def test_kubectl_quoting_of_odd_names(kubectl, tmp_path, name):
    text = kubectl_file(kubectl, tmp_path / "config",
                        ["set-context", f"ctx-{name}", "--cluster=c", "--user=u", f"--namespace={name}"])
    doc = check(text)
    if name in ONE_LINE:
        assert doc is not None and doc["contexts"][0]["context"]["namespace"] == name


@pytest.fixture
def session(home: Path) -> tuple[str, dict]:
    simple(home / ".kube" / "config", "dev", namespace="apps")
    simple(home / ".kube" / "configs" / "prod.yaml", "prod", current=False)
    s = kctx("session", "start", "--pid", str(os.getpid())).out.strip()
    env = {"KCTX_SESSION": s}
    assert kctx("use", "prod", env=env).code == 0 and kctx("ns", "-f", "web", env=env).code == 0
    return s, env


def test_session_rewritten_by_kubectl_is_read_without_fallback(session, home, kubectl):
    s, env = session
    kenv = {"HOME": str(home), "PATH": os.environ["PATH"], "KUBECONFIG": read_env(s)["KUBECONFIG"]}
    p = subprocess.run([str(kubectl), "config", "set-context", "--current", "--namespace=raw"], env=kenv,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    raw = Path(s).read_bytes()
    assert not raw.lstrip().startswith(b"{")  # kubectl wrote YAML
    doc = check(raw)
    assert doc is not None and doc["extensions"][0]["extension"]["previous-namespaces"] == {"prod": "default"}


SYNC_IMPORTS = """
import sys
sys.path.insert(0, {root!r})
from kctx.cli import main
code = main(["session", "sync"])
print(code, " ".join(sorted(m for m in sys.modules if m.split(".")[0] in ("yaml", "json", "re", "typing"))))
"""


def sync_in_fresh_process(env: dict) -> tuple[str, set[str]]:
    root = str(Path(__file__).resolve().parent.parent)
    p = subprocess.run([sys.executable, "-S", "-c", SYNC_IMPORTS.format(root=root)], capture_output=True, text=True,
                       env={**os.environ, **env}, timeout=60)
    assert p.returncode == 0, p.stderr
    code, _, modules = p.stdout.strip().partition(" ")
    return code, set(modules.split())


def test_session_sync_imports_no_yaml(session, home, kubectl):
    s, env = session
    kenv = {"HOME": str(home), "PATH": os.environ["PATH"], "KUBECONFIG": read_env(s)["KUBECONFIG"]}
    subprocess.run([str(kubectl), "config", "set-context", "--current", "--namespace=raw"], env=kenv, check=True,
                   capture_output=True)
    code, modules = sync_in_fresh_process(env)
    assert code == "0" and not modules, modules
    assert read_env(s)["KCTX_NAMESPACE"] == "raw"
    prod = home / ".kube" / "configs" / "prod.yaml"
    prod.write_text(prod.read_text().replace("name: prod\n", "name: prod\n  extensions:\n  - name: kctx\n"
                                             "    extension:\n      protected: true\n", 1))
    code, modules = sync_in_fresh_process(env)
    assert code == "0" and not modules, modules
    assert read_env(s)["KCTX_PROTECTED"] == "1"
