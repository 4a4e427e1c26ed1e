"""Per-shell sessions: a kubeconfig of our own first in KUBECONFIG; other shells and user files untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kctx.errors import KctxError
from kctx.session import store as ksession
from kctx.session.envfile import read as read_env
from tests.kubeconfigs import kubeconfig, simple, write
from tests.runner import kctx


@pytest.fixture
def setup(home: Path) -> dict[str, Path]:
    files = {
        "main": simple(home / ".kube" / "config", "dev", namespace="apps"),
        "prod": simple(home / ".kube" / "configs" / "prod.yaml", "prod", current=False),
        "stage": simple(home / ".kube" / "configs" / "stage.yaml", "stage", current=False),
    }
    return files


def start(pid: int | None = None, env: dict | None = None) -> str:
    r = kctx("session", "start", "--pid", str(pid or os.getpid()), env=env)
    assert r.code == 0, r
    return r.out.strip()


def run_kubectl(kubectl_bin: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(kubectl_bin), *args], env=env, capture_output=True, text=True)


def test_session_starts_in_current_context_with_minimal_kubeconfig(setup, home):
    s = start()
    assert oct(os.stat(s).st_mode & 0o777) == "0o600"
    env = read_env(s)
    assert env["KCTX_CONTEXT"] == "dev" and env["KCTX_NAMESPACE"] == "apps"
    assert env["KUBECONFIG"].split(os.pathsep) == [s, str(setup["main"])]


def test_use_changes_only_this_session(setup, home, kubectl):
    before = {k: p.read_bytes() for k, p in setup.items()}
    a, b = start(), start()
    r = kctx("use", "prod", env={"KCTX_SESSION": a})
    assert (r.code, r.err) == (0, '✔ Switched to context "prod".\n')  # the same line as kctx ctx
    assert read_env(a)["KUBECONFIG"].split(os.pathsep) == [a, str(setup["prod"])]
    assert read_env(b)["KCTX_CONTEXT"] == "dev"
    assert {k: p.read_bytes() for k, p in setup.items()} == before  # user files never rewritten
    envs = {s: {"HOME": str(home), "PATH": os.environ["PATH"], "KUBECONFIG": read_env(s)["KUBECONFIG"]}
            for s in (a, b)}
    assert run_kubectl(kubectl, envs[a], "config", "current-context").stdout == "prod\n"
    assert run_kubectl(kubectl, envs[b], "config", "current-context").stdout == "dev\n"
    r = kctx("use", "-", env={"KCTX_SESSION": a})
    assert read_env(a)["KCTX_CONTEXT"] == "dev"


def test_session_holds_no_credentials(setup, home):
    s = start()
    kctx("use", "prod", env={"KCTX_SESSION": s})
    text = Path(s).read_text() + Path(s).with_suffix(".env").read_text()
    assert "secret-token" not in text and "certificate-authority-data" not in text


def test_ns_in_session_writes_namespace_into_session_only(setup, home, kubectl):
    s = start()
    before = setup["main"].read_bytes()
    r = kctx("ns", "-f", "kube-system", env={"KCTX_SESSION": s, "NO_COLOR": "1"})
    assert (r.code, r.err) == (0, '✔ Active namespace is "kube-system"\n')
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "KUBECONFIG": read_env(s)["KUBECONFIG"]}
    out = run_kubectl(kubectl, env, "config", "view", "--minify", "-o", "jsonpath={..namespace}").stdout
    assert out == "kube-system"
    assert setup["main"].read_bytes() == before
    assert kctx("ns", "-c", env={"KCTX_SESSION": s}).out == "kube-system\n"
    kctx("ns", "-f", "other", env={"KCTX_SESSION": s})
    assert kctx("ns", "-", "-f", env={"KCTX_SESSION": s}).code == 0
    assert kctx("ns", "-c", env={"KCTX_SESSION": s}).out == "kube-system\n"


def test_a_context_keeps_its_namespace_for_the_life_of_the_session(setup, home, kubectl):
    s = start()
    env = {"KCTX_SESSION": s, "NO_COLOR": "1"}
    assert kctx("use", "prod", env=env).code == 0
    assert kctx("ns", "-f", "kube-system", env=env).code == 0
    assert kctx("use", "dev", env=env).code == 0
    assert read_env(s)["KCTX_NAMESPACE"] == "apps"  # dev's own namespace, from the user's file
    assert kctx("use", "prod", env=env).code == 0
    assert read_env(s)["KCTX_NAMESPACE"] == "kube-system"
    kenv = {"HOME": str(home), "PATH": os.environ["PATH"], "KUBECONFIG": read_env(s)["KUBECONFIG"]}
    out = run_kubectl(kubectl, kenv, "config", "view", "--minify", "-o", "jsonpath={..namespace}").stdout
    assert out == "kube-system"
    # `ns -` is per context, and still goes back after the round trip.
    assert kctx("ns", "-", "-f", env=env).code == 0
    assert kctx("ns", "-c", env=env).out == "default\n"
    assert kctx("ns", "-", "-f", env=env).code == 0
    assert kctx("ns", "-c", env=env).out == "kube-system\n"
    # `use` of the context the shell is on keeps its namespace; a child shell inherits what was chosen.
    assert kctx("use", "prod", env=env).code == 0 and read_env(s)["KCTX_NAMESPACE"] == "kube-system"
    kctx("use", "dev", env=env)
    child = start(pid=os.getppid(), env=env)
    assert kctx("use", "prod", env={**env, "KCTX_SESSION": child}).code == 0
    assert read_env(child)["KCTX_NAMESPACE"] == "kube-system"
    assert b"kube-system" not in setup["prod"].read_bytes()  # only the session holds it


def test_a_namespace_set_with_raw_kubectl_is_kept_across_a_round_trip(setup, home, kubectl):
    s = start()
    kenv = {"HOME": str(home), "PATH": os.environ["PATH"], "KUBECONFIG": read_env(s)["KUBECONFIG"]}
    assert run_kubectl(kubectl, kenv, "config", "set-context", "--current", "--namespace=raw").returncode == 0
    assert kctx("use", "prod", env={"KCTX_SESSION": s}).code == 0
    assert kctx("use", "dev", env={"KCTX_SESSION": s}).code == 0
    assert read_env(s)["KCTX_NAMESPACE"] == "raw"


def test_renaming_and_deleting_a_context_carry_its_namespace_along(setup, home):
    s = start()
    env = {"KCTX_SESSION": s}
    kctx("use", "stage", env=env)
    kctx("ns", "-f", "web", env=env)
    kctx("use", "dev", env=env)
    assert kctx("ctx", "staging=stage", env=env).code == 0
    assert kctx("use", "staging", env=env).code == 0 and read_env(s)["KCTX_NAMESPACE"] == "web"
    kctx("use", "dev", env=env)
    assert kctx("ctx", "-d", "staging", env=env).code == 0
    assert "staging" not in ksession.read(Path(s)).namespaces


def test_ctx_inside_session_switches_only_the_session(setup, home):
    s = start()
    before = setup["main"].read_bytes()
    r = kctx("ctx", "stage", env={"KCTX_SESSION": s, "NO_COLOR": "1"})
    assert (r.code, r.err) == (0, '✔ Switched to context "stage".\n')
    assert setup["main"].read_bytes() == before
    assert kctx("ctx", "-c", env={"KCTX_SESSION": s}).out == "stage\n"


def test_raw_kubectl_edit_of_the_session_is_picked_up(setup, home, kubectl):
    s = start()
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "KUBECONFIG": read_env(s)["KUBECONFIG"]}
    p = run_kubectl(kubectl, env, "config", "set-context", "--current", "--namespace=raw")
    assert p.returncode == 0, p.stderr
    assert not Path(s + ".lock").exists()
    assert kctx("session", "sync", env={"KCTX_SESSION": s}).code == 0
    assert read_env(s)["KCTX_NAMESPACE"] == "raw"
    assert b"raw" not in setup["main"].read_bytes()


def test_child_shell_inherits_then_diverges(setup, home):
    parent = start()
    kctx("use", "prod", env={"KCTX_SESSION": parent})
    child = start(pid=os.getppid(), env={"KCTX_SESSION": parent})
    assert child != parent and read_env(child)["KCTX_CONTEXT"] == "prod"
    kctx("use", "stage", env={"KCTX_SESSION": child})
    assert read_env(parent)["KCTX_CONTEXT"] == "prod"


def test_dead_shell_sessions_are_cleaned(setup, home):
    proc = subprocess.Popen(["sleep", "0"])
    proc.wait()
    live = start()
    dead = start(pid=proc.pid)
    assert Path(dead).exists() and Path(live).exists()
    assert kctx("session", "cleanup").code == 0
    assert not Path(dead).exists() and not Path(dead).with_suffix(".env").exists()
    assert Path(live).exists()
    dead = start(pid=proc.pid)
    start()  # every new session also sweeps the ones whose shell is gone
    assert not Path(dead).exists()


def test_use_without_session_explains(setup):
    r = kctx("use", "prod")
    assert r.code == 1 and "kctx init" in r.err and len(r.err.splitlines()) == 1


def test_use_without_a_context_lists_them_and_marks_this_shells(setup, home):
    s = start()
    assert kctx("use", env={"KCTX_SESSION": s}).out == "* dev\n  prod\n  stage\n"
    kctx("use", "stage", env={"KCTX_SESSION": s})
    assert kctx("use", env={"KCTX_SESSION": s}).out == "  dev\n  prod\n* stage\n"
    coloured = kctx("use", env={"KCTX_SESSION": s, "KCTX_FORCE_COLOR": "1"}).out
    assert coloured == "  dev\n  prod\n* \033[32;1mstage\033[0m\n"


def test_use_of_a_mistyped_context_gets_a_did_you_mean(setup, home):
    s = start()
    r = kctx("use", "prdo", env={"KCTX_SESSION": s})
    assert (r.code, r.err) == (1, 'kctx: error: no context exists with the name: "prdo" (did you mean "prod"?)\n')
    assert kctx("use", "qa", env={"KCTX_SESSION": s}).err == 'kctx: error: no context exists with the name: "qa"\n'


def test_use_dangling_context_fails_and_keeps_session(setup, home):
    write(home / ".kube" / "configs" / "lost.yaml", kubeconfig({"lost": ("nowhere", "nobody", "")}))
    s = start()
    r = kctx("use", "lost", env={"KCTX_SESSION": s})
    assert r.code == 1 and 'refers to cluster "nowhere"' in r.err
    assert read_env(s)["KCTX_CONTEXT"] == "dev"
    assert ksession.read(Path(s)).context == "dev"


def test_session_state_is_read_back_from_the_sidecar_until_kubectl_edits_it(setup, home, kubectl):
    s = start()
    kctx("use", "prod", env={"KCTX_SESSION": s})
    kctx("ns", "-f", "web", env={"KCTX_SESSION": s})
    fast = ksession.read(Path(s))
    assert (fast.context, fast.namespace, fast.previous_context) == ("prod", "web", "dev")
    assert fast.previous_namespaces == {"prod": "default"} and fast.base == [str(setup["main"])]
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "KUBECONFIG": read_env(s)["KUBECONFIG"]}
    assert run_kubectl(kubectl, env, "config", "set-context", "--current", "--namespace=raw").returncode == 0
    slow = ksession.read(Path(s))  # kubectl rewrote the file (as YAML): the sidecar no longer counts
    assert (slow.context, slow.namespace, slow.previous_context) == ("prod", "raw", "dev")


def test_session_json_is_valid_for_odd_names(setup, home):
    import json

    s = start()
    session = ksession.read(Path(s))
    session.previous_namespaces = {'we"ird\\ctx': "ns\t1"}
    ksession.write(session, ksession_view(home))
    doc = json.loads(Path(s).read_text())
    assert doc["extensions"][0]["extension"]["previous-namespaces"] == {'we"ird\\ctx': "ns\t1"}
    assert ksession.read(Path(s)).previous_namespaces == {'we"ird\\ctx': "ns\t1"}


def ksession_view(home: Path):
    from kctx.env import Environment
    from kctx.workspace import Workspace

    return Workspace(Environment()).view


def test_a_refresh_that_changes_nothing_leaves_the_session_file_alone(setup, home):
    s = start()
    before = os.stat(s)
    assert kctx("session", "sync", env={"KCTX_SESSION": s}).code == 0
    after = os.stat(s)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert read_env(s)["KCTX_JSON_STAT"] == f"{after.st_ino}:{after.st_size}:{after.st_mtime_ns}:{after.st_ctime_ns}"
    assert kctx("use", "prod", env={"KCTX_SESSION": s}).code == 0
    assert os.stat(s).st_ino != before.st_ino and ksession.read(Path(s)).context == "prod"
    os.chmod(s, 0o644)  # an identical file with other permissions is rewritten, 0600
    assert kctx("session", "sync", env={"KCTX_SESSION": s}).code == 0
    assert os.stat(s).st_mode & 0o777 == 0o600


def test_session_commands_through_the_launcher_print_and_exit_as_before(setup, home):
    launcher = [sys.executable, "-S", str(Path(ksession.__file__).parents[1] / "launch.py"), "session"]
    env = {k: v for k, v in os.environ.items() if k != "KCTX_SESSION"}
    p = subprocess.run([*launcher, "sync"], env=env, capture_output=True, text=True)
    assert p.returncode == 1 and p.stdout == "" and p.stderr.startswith("kctx: error: no kctx session in this shell")
    s = start()
    p = subprocess.run([*launcher, "show"], env={**env, "KCTX_SESSION": s}, capture_output=True, text=True)
    assert (p.returncode, p.stdout, p.stderr) == (0, f"{s}\n", "")
    p = subprocess.run([*launcher, "cleanup"], env={**env, "KCTX_SESSION": s}, capture_output=True, text=True)
    assert (p.returncode, p.stderr) == (0, "removed 0 stale session(s)\n")


def test_a_change_right_after_kctx_wrote_the_session_is_newer_even_within_one_clock_tick(setup, home, kubectl):
    s = start()
    env_file = s[:-5] + ".env"
    for args in (("use", "prod"), ("session", "sync")):  # the session rewritten, and not
        assert kctx(*args, env={"KCTX_SESSION": s}).code == 0
        session, env = os.stat(s).st_mtime_ns, os.stat(env_file).st_mtime_ns
        assert session < env  # kctx's own write of the session never looks like a change to the shell
        later = home / "later"
        later.write_text(args[0])
        assert later.stat().st_mtime_ns > env  # whatever the filesystem's timestamp granularity
        st = os.stat(s)
        assert read_env(s)["KCTX_JSON_STAT"] == f"{st.st_ino}:{st.st_size}:{session}:{st.st_ctime_ns}"
    kenv = {"HOME": str(home), "PATH": os.environ["PATH"], "KUBECONFIG": read_env(s)["KUBECONFIG"]}
    assert run_kubectl(kubectl, kenv, "config", "set-context", "--current", "--namespace=raw").returncode == 0
    assert os.stat(s).st_mtime_ns > os.stat(env_file).st_mtime_ns  # kubectl's edit: the shell syncs


def test_a_closed_stdout_is_one_line_error_not_a_traceback(home):
    import subprocess
    import sys

    from kctx import launch

    p = subprocess.run(f"{sys.executable} -S {launch.__file__} ls >&-", shell=True, capture_output=True, text=True,
                       timeout=60)
    assert (p.returncode, p.stderr) == (1, "kctx: error: standard output is closed\n")


@pytest.mark.parametrize("doc", [
    '{"current-context": "a", "contexts": [{"name": "a", "context": "not a mapping"}]}',
    '{"current-context": "a", "extensions": [{"name": "kctx", "extension": {"shell-pid": "x"}}]}',
])
def test_a_hand_edited_session_with_values_of_the_wrong_type_is_a_one_line_error(tmp_path, doc):
    path = tmp_path / "s.json"
    path.write_text(doc)
    with pytest.raises(KctxError, match="the session file is damaged"):
        ksession.read(path)


def test_a_broken_config_never_blocks_listing_or_switching_but_writes_stay_refused(setup, home, kubectl):
    config = home / ".config" / "kctx" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("protect:\n  contexts: [prod\nconfrim: yes\n")
    s = start()
    env = {"KCTX_SESSION": s, "NO_COLOR": "1", "KCTX_KUBECTL": str(kubectl)}
    warning = f"kctx: warning: {config}: 2 problems: "
    for argv in (("ls",), ("use", "prod"), ("ctx", "stage"), ("ns", "-f", "web"), ("ctx",), ("current",)):
        r = kctx(*argv, env=env)
        assert r.code == 0 and r.err.count(warning) == 1, (argv, r)
    assert read_env(s)["KCTX_CONTEXT"] == "stage"
    r = kctx("ctx", "-d", "prod", env=env)  # a rename or delete may remove protection: fail closed
    assert r.code == 1 and "removing protection cannot be ruled out" in r.err and "prod" in kctx("ls", "-o", "name").out
    r = kctx("explain", "--json", "--", "--context", "prod", "delete", "pod", "x", env=env)
    assert r.code == 0 and '"decision": "deny"' in r.out
