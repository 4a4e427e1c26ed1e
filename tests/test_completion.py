"""Completion: the candidates engine, the bash/zsh/fish glue, kubectl's own completion through the shim."""

from __future__ import annotations

import sys
import time
import types
from pathlib import Path

import pytest

from kctx.cli import COMMANDS
from kctx.sandbox import ClusterSpec, Sandbox
from tests.kubeconfigs import kubeconfig, simple, write
from tests.runner import kctx
from tests.test_shell_init import INIT, run_shell
from tests.tools import require_module

EKS = "arn:aws:eks:us-east-1:123456789012:cluster/prod"


def candidates(*words: str) -> tuple[str, list[str]]:
    r = kctx("completion", "candidates", "--", *words)
    assert r.code == 0, r
    directive, *items = r.out.splitlines()
    return directive, [i.split("\t")[0] for i in items]


@pytest.fixture
def kube(home: Path) -> Path:
    simple(home / ".kube" / "config", "dev", namespace="apps")
    simple(home / ".kube" / "configs" / "prod.yaml", "prod", current=False)
    eks = kubeconfig({EKS: ("eks", "eks", "")}, clusters={"eks": "https://eks.test"}, users=["eks"])
    write(home / ".kube" / "configs" / "eks.yaml", eks)
    return home


# --- the engine -------------------------------------------------------------------------------------------

def test_commands_contexts_and_fixed_values(kube):
    assert candidates("")[1] == list(COMMANDS)
    assert candidates("us") == ("plain", ["use"])
    assert candidates("u") == ("plain", ["use", "unlock"])
    assert candidates("use", "") == ("plain", [EKS, "dev", "prod", "-"])  # `kctx ls -o name` order
    assert candidates("use", "arn:aws:eks:us") == ("plain", [EKS])
    assert candidates("ls", "-o", "") == ("plain", ["table", "wide", "json", "yaml", "name"])
    assert candidates("ls", "--output=j") == ("plain", ["--output=json"])
    assert candidates("init", "") == ("plain", ["bash", "zsh", "fish"])
    assert candidates("prompt", "t") == ("plain", ["toggle"])
    assert candidates("session", "start", "--context", "p") == ("plain", ["prod"])
    assert candidates("ctx", "-d", "dev", "p") == ("plain", ["prod"])
    assert candidates("shim", "install", "--dir", "") == ("dirs", [])
    assert candidates("explain", "--", "get", "") == ("files", [])


def test_flags_come_from_the_commands_themselves(kube):
    assert set(candidates("ctx", "-")[1]) >= {"-", "-c", "--current", "-u", "-d"}
    assert candidates("ls", "--")[1] == ["--output", "--help"]
    assert "--pid" in candidates("session", "start", "--")[1]  # from `kctx session start -h`
    assert "--no-verify" in candidates("kubectl", "install", "--")[1]  # from the command's argparse parser
    assert "install" in candidates("kubectl", "")[1]


def test_descriptions_for_commands_and_contexts(kube):
    r = kctx("completion", "candidates", "--", "use", "")
    assert "dev\tdev (current)\n" in r.out and "-\tthe previous one\n" in r.out
    config = kube / ".config" / "kctx" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("protect:\n  contexts: [prod]\n")
    assert "prod\tprod (protected)\n" in kctx("completion", "candidates", "--", "use", "p").out


def test_a_command_added_later_completes_from_its_help(kube, monkeypatch):
    module = types.ModuleType("kctx.commands.fake_later")

    def run(argv, env):
        from kctx.commands._parser import Parser

        p = Parser("later", "a command this table does not know")
        sub = p.add_subparsers(dest="action", required=True)
        sub.add_parser("alpha").add_argument("--beta")
        sub.add_parser("gamma")
        p.parse_args(argv)
        return 0

    module.run = run
    monkeypatch.setitem(sys.modules, "kctx.commands.fake_later", module)
    monkeypatch.setitem(COMMANDS, "later", ("fake_later", "a command added later"))
    assert candidates("later", "") == ("plain", ["alpha", "gamma"])
    assert "--beta" in candidates("later", "alpha", "--")[1]


def test_versions_from_kctx_kubectl_list_or_the_install_folder(kube, monkeypatch):
    module = types.ModuleType("kctx.commands.fake_kubectl")
    module.run = lambda argv, env: env.stdout.write("VERSION   PATH\nv1.30.2  /x\n1.29.10 (default)\n") and 0
    monkeypatch.setitem(sys.modules, "kctx.commands.fake_kubectl", module)
    monkeypatch.setitem(COMMANDS, "kubectl", ("fake_kubectl", "versions"))
    assert candidates("kubectl", "install", "") == ("plain", ["v1.30.2", "1.29.10"])
    # Without the command (or with nothing installed), the installed folders are the answer.
    monkeypatch.delitem(COMMANDS, "kubectl")
    folder = kube / ".local" / "share" / "kctx" / "kubectl"
    for name in ("1.28.4", "1.31.0", "tmp-download"):
        (folder / name).mkdir(parents=True)
    assert kctx("completion", "versions").out == "1.28.4\n1.31.0\n"


def test_completion_never_fails_loudly(home):
    (home / ".kube" / "config").write_text("contexts: [unclosed\n")
    r = kctx("completion", "candidates", "--", "use", "")
    assert r.code == 0 and r.out == "plain\n-\tthe previous one\n"
    assert kctx("completion", "bogus").code == 2


# --- namespaces from the cluster, cached briefly ------------------------------------------------------------

@pytest.fixture(scope="module")
def sandbox():
    with Sandbox([ClusterSpec("dev")]) as sb:
        yield sb


def test_namespaces_are_asked_once_then_cached(home, sandbox, kubectl, monkeypatch):
    monkeypatch.setenv("KCTX_KUBECTL", str(kubectl))
    sandbox.write_kubeconfig(home / ".kube" / "config", current="dev")
    assert candidates("ns", "") == ("plain", ["default", "kube-system", "-"])
    monkeypatch.setenv("KCTX_KUBECTL", "/nonexistent/kubectl")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert candidates("ns", "kube") == ("plain", ["kube-system"])  # no kubectl now: the cache answered


def test_an_unreachable_cluster_costs_one_short_wait(home, sandbox, kubectl, monkeypatch):
    monkeypatch.setenv("KCTX_KUBECTL", str(kubectl))
    sandbox.write_kubeconfig(home / ".kube" / "config", current="dev")
    sandbox.set_hang("dev", True)
    try:
        start = time.monotonic()
        assert candidates("ns", "") == ("plain", ["-"])
        first = time.monotonic() - start
        start = time.monotonic()
        assert candidates("ns", "") == ("plain", ["-"])
        again = time.monotonic() - start
    finally:
        sandbox.set_hang("dev", False)
    assert first < 10 and again < first


# --- kubectl's own completion script, cached per binary ----------------------------------------------------

def test_kubectl_script_is_generated_once_per_binary(home, kubectl, monkeypatch, tmp_path):
    monkeypatch.setenv("KCTX_KUBECTL", str(kubectl))
    path = Path(kctx("completion", "kubectl-script", "bash").out.strip())
    assert "__start_kubectl" in path.read_text()
    stamp = path.stat().st_mtime_ns
    assert Path(kctx("completion", "kubectl-script", "bash").out.strip()) == path
    assert path.stat().st_mtime_ns == stamp  # not regenerated
    other = tmp_path / "bin" / "kubectl"
    other.parent.mkdir()
    other.write_bytes(kubectl.read_bytes())
    other.chmod(0o755)
    monkeypatch.setenv("KCTX_KUBECTL", str(other))
    newer = Path(kctx("completion", "kubectl-script", "bash").out.strip())
    assert newer != path and newer.exists() and not path.exists()  # one script per shell is kept


# --- the shells --------------------------------------------------------------------------------------------

BASH_COMPLETE = r"""
complete_line() {  # what bash does on <Tab>: split at its word breaks, call the completion function
  COMP_LINE=$1 COMP_POINT=${#1}
  local IFS=$' \t\n'
  read -ra COMP_WORDS <<<"${1//:/ : }"
  [[ $1 == *' ' || $1 == *: ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  local spec; spec=$(complete -p "${COMP_WORDS[0]}"); spec=${spec#*-F }; spec=${spec%% *}
  "$spec" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  local rc=$?
  if ((rc == 124)); then complete_line "$1"; return; fi
  printf '%s\n' "[$1] ${COMPREPLY[*]}"
}
"""


def test_bash_completes_kctx_short_names_and_names_with_colons(kube):
    script = "\n".join([INIT["bash"], BASH_COMPLETE,
                        "complete_line 'kctx us'", "complete_line 'kctx use d'",
                        "complete_line 'kctx use arn:aws:eks:us-east-1:123456789012:cluster/p'",
                        "complete_line 'kubectx p'", "complete_line 'kubens -'"])
    p = run_shell("bash", script, kube, KCTX_ALIASES="1")
    lines = p.stdout.splitlines()
    assert "[kctx us] use" in lines, p.stderr
    assert "[kctx use d] dev" in lines
    # bash replaces only the text after the last ':', so the reply is what follows it.
    assert "[kctx use arn:aws:eks:us-east-1:123456789012:cluster/p] cluster/prod" in lines
    assert "[kubectx p] prod" in lines
    assert any(ln.startswith("[kubens -] - ") and "--force" in ln for ln in lines)


def test_bash_completes_on_a_terminal(kube):
    pexpect = require_module("pexpect")
    from tests.test_prompt_interactive import spawn

    child = spawn("bash", kube)
    try:
        child.expect_exact("⎈ dev:apps $ ")
        child.send("kctx us\tarn:aws:eks:us-east-1:123456789012:cluster/p\t\r")
        child.expect_exact(f"⎈ {EKS}:default $ ")  # the completed name was the whole ARN
    finally:
        child.sendline("exit")
        child.expect(pexpect.EOF)


# bash-completion's word splitter, reduced to what kubectl's script calls (it is not installed everywhere).
BASH_COMPLETION_STUB = r"""
_get_comp_words_by_ref() {
  while [[ $1 == -* ]]; do shift 2; done
  cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
}
"""


@pytest.mark.parametrize("with_bash_completion", [False, True], ids=["protocol", "kubectl-script"])
def test_bash_kubectl_completion_loads_lazily_and_goes_through_the_shim(kube, kubectl, with_bash_completion):
    script = "\n".join([BASH_COMPLETION_STUB if with_bash_completion else "", INIT["bash"], BASH_COMPLETE,
                        "complete -p kubectl k",
                        "complete_line 'kubectl confi'", "complete_line 'k config use-c'",
                        "complete_line 'kubectl config use-context '",
                        "complete -p kubectl k"])
    p = run_shell("bash", script, kube, KCTX_ALIASES="k", KCTX_KUBECTL=str(kubectl))
    lines = p.stdout.splitlines()
    assert "complete -F __kctx_kubectl_lazy kubectl" in lines, p.stderr
    assert "[kubectl confi] config" in lines, (p.stdout, p.stderr)
    assert "[k config use-c] use-context" in lines
    assert "[kubectl config use-context ] dev" in lines  # kubectl asked through the shim, in this session
    function = "__start_kubectl" if with_bash_completion else "__kctx_kubectl_complete"
    assert any(ln.startswith("complete ") and ln.endswith(f"-F {function} kubectl") for ln in lines)
    assert any(ln.startswith("complete ") and ln.endswith(f"-F {function} k") for ln in lines)


def test_bash_keeps_a_kubectl_completion_the_user_already_has(kube):
    p = run_shell("bash", "complete -F mine kubectl\n" + INIT["bash"] + "\ncomplete -p kubectl", kube)
    assert p.stdout.splitlines()[-1] == "complete -F mine kubectl"


def test_fish_completes_kctx_kubectl_and_short_names(kube, kubectl):
    script = "\n".join([
        INIT["fish"],
        "complete -C 'kctx us'", "complete -C 'kctx use d'", "complete -C 'kubectx p'",
        "complete -C 'kubectl confi'", "complete -C 'k config use-c'",
    ])
    p = run_shell("fish", script, kube, KCTX_ALIASES="1", KCTX_KUBECTL=str(kubectl))
    lines = [ln.split("\t")[0] for ln in p.stdout.splitlines()]
    assert lines[:3] == ["use", "dev", "prod"], (p.stdout, p.stderr)
    assert "config" in lines and "use-context" in lines


def test_zsh_completes_kctx_on_a_terminal(kube, kubectl):
    pexpect = require_module("pexpect")
    from tests.test_prompt_interactive import spawn

    child = spawn("zsh", kube)
    try:
        child.expect_exact("⎈ dev:apps $ ")
        child.sendline("autoload -Uz compinit && compinit -u -D")
        child.expect_exact("⎈ dev:apps $ ")
        child.send("kctx us\tpro\t\r")  # completes to `kctx use prod`, which the next prompt proves
        child.expect_exact("⎈ prod:default $ ")
    finally:
        child.sendline("exit")
        child.expect(pexpect.EOF)


def test_zsh_registers_completion_when_compinit_comes_later(kube):
    script = "\n".join([INIT["zsh"], "autoload -Uz compinit && compinit -u -D", "__kctx_compdef_later",
                        'print -r -- "KCTX=$_comps[kctx] KUBECTL=$_comps[kubectl]"',
                        'print -r -- "HOOKS=$precmd_functions"'])
    p = run_shell("zsh", script, kube)
    assert "KCTX=_kctx KUBECTL=__kctx_kubectl_lazy" in p.stdout.splitlines(), p.stderr
    assert "HOOKS=__kctx_precmd" in p.stdout.splitlines()  # the one-shot retry removed itself
