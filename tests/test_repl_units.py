"""REPL pieces without a terminal: prompt and toolbar text, history files and suggestions, the refresher's
lanes, and the shell's own session."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from pathlib import Path

import pytest

from kctx.env import Environment
from kctx.repl import toolbar
from kctx.repl.cache import Cache
from kctx.repl.classes import is_safe_line, kubectl_words
from kctx.repl.history import file_name, history_path, make_auto_suggest, make_history
from kctx.repl.refresher import Lane
from kctx.repl.state import ReplState, Target


def plain(fragments) -> str:
    return "".join(text for _, text in fragments)


def test_prompt_marks_protected_targets_and_identity_overrides():
    dev = Target("dev", "web", "dev", "dev-admin", "https://dev:6443", "")
    prod = Target("prod", "default", "prod", "admin", "https://prod:6443", 'context "prod" matches "prod*"')
    assert plain(toolbar.message(dev, "", "")) == "dev:web> "
    assert plain(toolbar.message(prod, "", "")) == "[!] prod:default> "
    assert plain(toolbar.message(dev, "", "get pods --as alice")) == "dev:web as alice> "
    assert plain(toolbar.message(dev, "", "get pods --as=alice --as-group=ops")) == "dev:web as alice, as-group ops> "
    assert plain(toolbar.message(dev, "bob", "delete pod x --user root")) == "dev:web as bob, user root> "
    assert plain(toolbar.message(Target(), "", "")) == "(no context)> "


def test_colours_follow_config_globs_and_basic_names_use_the_terminal_palette():
    rules = toolbar.style_rules("yellow")
    assert rules["ctx"] == "bold ansiyellow"
    assert toolbar.style_rules("#ff8800")["ctx"] == "bold #ff8800"


class _Refresher:
    class cluster:
        busy = True
    error = ""

    class choice:
        path, version, rule, why = "/k/1.37.1/kubectl", "1.37.1", "server", "x" * 300


def test_toolbar_shows_cluster_state_and_drops_the_why_first():
    cache = Cache()
    cache.cluster.reachable, cache.cluster.error, cache.cluster.checked_at = False, "connection refused", time.time()
    t = Target("prod", "default", "prod", "admin", "https://prod:6443", "protected")
    text = plain(toolbar.toolbar(t, _Refresher, cache, 3, "delete: mutate, will ask to confirm", 120))
    line1, line2 = text.split("\n")
    assert line1 == " cluster prod · https://prod:6443 · user admin · PROTECTED · delete: mutate, will ask to confirm"
    assert line2 == (" refreshing… · UNREACHABLE (0s ago): connection refused · exit 3"
                     " · kubectl 1.37.1 (fits the server)")


def test_help_reads_well_at_80_columns():
    from kctx.repl.builtins import HELP

    assert max(len(line) for line in HELP.splitlines()) < 80  # the demo's tour ends with "help"


def test_toolbar_reads_well_at_80_columns():
    """What matters stays whole (protection, the guard's answer, reachability, exit status, the kubectl);
    the server URL, the error's detail and "refreshing" give way, never half a word."""
    cache = Cache()
    cache.cluster.reachable, cache.cluster.checked_at = False, time.time()
    cache.cluster.error = "dial tcp 127.0.0.1:40000: connect: connection refused"
    t = Target("prod", "default", "prod", "prod-admin", "https://127.0.0.1:40000", "protected")
    line1, line2 = plain(toolbar.toolbar(t, _Refresher, cache, 130, "delete: mutate, will ask to confirm",
                                         80)).split("\n")
    assert line1 == " prod · user prod-admin · PROTECTED · delete: mutate, will ask to confirm"
    assert line2 == " UNREACHABLE (0s ago) · exit 130 · kubectl 1.37.1 (fits the server)"
    for width in range(20, 200):
        for line in plain(toolbar.toolbar(t, _Refresher, cache, 1, "x" * 50, width)).split("\n"):
            assert len(line) <= width


def test_hint_only_on_protected_targets():
    prod = Target("prod", "default", "prod", "admin", "https://prod:6443", "protected")
    assert toolbar.hint_for("delete pod x", prod) == "delete: mutate, will ask to confirm"
    assert toolbar.hint_for("get pods", prod) == "get: read"
    assert toolbar.hint_for("use dev", prod) == ""
    assert toolbar.hint_for("delete pod x", Target("dev")) == ""


def test_lines_the_guard_would_ask_about_are_not_safe():
    assert is_safe_line("get pods -w")
    assert is_safe_line("kubectl logs -f deploy/web")
    assert is_safe_line("use prod")
    assert not is_safe_line("delete pod x")
    assert not is_safe_line("!kubectl delete pod x")
    assert not is_safe_line("get pods -o yaml > pods.yaml")
    assert kubectl_words("kubectl get 'a b'") == ["get", "a b"]
    assert kubectl_words("ns web") is None


def test_history_file_names_cannot_collide_or_escape():
    assert file_name("dev") == "dev"
    assert file_name("arn:aws:eks:eu-west-1:1234:cluster/prod") == "arn%3Aaws%3Aeks%3Aeu-west-1%3A1234%3Acluster%2Fprod"
    assert file_name("../x") == "_..%2Fx"
    assert file_name("") == "_no-context"
    assert file_name("a/b") != file_name("a%2Fb") or file_name("a%2Fb") == "a%252Fb"


def test_history_never_writes_secrets_to_disk(tmp_path):
    path = history_path(str(tmp_path / "history"), "dev")
    h = make_history(path)
    h.append_string("get pods")
    h.append_string("get pods --token s3cret")
    text = Path(path).read_text()
    assert "get pods" in text and "s3cret" not in text
    assert oct(os.stat(tmp_path / "history").st_mode & 0o777) == "0o700"


def test_history_suggestions_skip_writes_on_protected_contexts(tmp_path):
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.history import InMemoryHistory

    history = InMemoryHistory()
    for line in ("get pods", "delete pod web-1", "describe pod web-1"):
        history.append_string(line)
    protected = [True]
    suggest = make_auto_suggest(lambda: protected[0])
    buf = Buffer(history=history)
    buf.text = "de"
    assert suggest.get_suggestion(buf, buf.document).text == "scribe pod web-1"
    buf.text = "del"
    assert suggest.get_suggestion(buf, buf.document) is None
    protected[0] = False
    assert suggest.get_suggestion(buf, buf.document).text == "ete pod web-1"


def test_lane_runs_urgent_jobs_first_and_deduplicates():
    seen: list[tuple] = []
    gate = threading.Event()
    done = threading.Event()

    def handle(key):
        if key == ("block",):
            gate.wait(5)
        seen.append(key)
        if key == ("last",):
            done.set()

    lane = Lane("test", handle, lambda key: None)
    lane.start()
    lane.put(("block",))
    time.sleep(0.05)
    lane.put(("a",))
    lane.put(("a",))
    lane.put(("b",), urgent=True)
    lane.put(("last",))
    gate.set()
    assert done.wait(5)
    lane.stop()
    lane.join(2)
    assert seen == [("block",), ("b",), ("a",), ("last",)]


def test_lane_timer_ticks():
    ticks = threading.Event()
    lane = Lane("tick", lambda key: None, lambda key: None, ticks.set, 0.05)
    lane.start()
    assert ticks.wait(2)
    lane.stop()


@pytest.fixture
def kubeconfig(home: Path) -> Path:
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "dev",
           "clusters": [{"name": n, "cluster": {"server": f"https://{n}.example:6443"}} for n in ("dev", "prod")],
           "users": [{"name": n, "user": {"token": "t"}} for n in ("dev", "prod")],
           "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in ("dev", "prod", "prod-eu")]}
    doc["contexts"][2]["context"] = {"cluster": "prod", "user": "prod"}
    path = home / ".kube" / "config"
    path.write_text(json.dumps(doc))
    cfg = home / ".config" / "kctx" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("protect:\n  contexts: ['prod*']\ncolors:\n  'prod-*': magenta\nshell:\n  keys: vi\n")
    return path


def env_for(home: Path, **extra: str) -> Environment:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("KCTX_", "KUBECONFIG"))}
    environ.update(HOME=str(home), XDG_RUNTIME_DIR=str(home.parent / "run"), **extra)
    return Environment(stdout=io.StringIO(), stderr=io.StringIO(), environ=environ, tty_path="/nonexistent")


def test_state_owns_a_session_and_removes_it(home, kubeconfig):
    env = env_for(home)
    st = ReplState.start(env, "")
    path = Path(st.session.path)
    assert path.exists() and st.target.context == "dev" and not st.target.protected
    assert st.key_mode == "vi"
    assert st.color_for("prod-eu") == "magenta" and st.color_for("dev") == ""
    assert st.use("prod") == "prod" and st.target.protected
    assert st.use("-") == "dev"
    st.set_namespace("web")
    assert st.target.namespace == "web"
    child = st.child_env()
    assert child["KCTX_SESSION"] == str(path)
    assert child["KUBECONFIG"].split(":")[0] == str(path)
    assert child["PATH"].split(":")[0] == st.paths.shim_dir
    assert Path(st.shim).exists()
    st.close()
    assert not path.exists() and not path.with_suffix(".env").exists()


def test_state_starts_from_the_launching_shells_session_and_leaves_it_alone(home, kubeconfig):
    from tests.runner import kctx

    env = env_for(home)
    started = kctx("session", "start", "--pid", str(os.getpid()), "--context", "prod-eu", env=env.environ)
    assert started.code == 0, started
    parent = started.out.strip()
    env.environ["KCTX_SESSION"] = parent
    before = Path(parent).read_bytes()
    st = ReplState.start(env, "")
    assert st.target.context == "prod-eu" and str(st.session.path) != parent
    st.use("dev")
    assert Path(parent).read_bytes() == before
    st.close()


def test_state_follows_kubectl_rewriting_the_session(home, kubeconfig):
    st = ReplState.start(env_for(home), "dev")
    doc = json.loads(Path(st.session.path).read_text())
    doc["contexts"][0]["context"]["namespace"] = "kube-system"
    time.sleep(0.01)
    Path(st.session.path).write_text(json.dumps(doc))
    assert st.reload_if_changed()
    assert st.target.namespace == "kube-system"
    assert not st.reload_if_changed()
    st.close()


def test_the_refresher_never_asks_a_plugin_for_its_help(tmp_path):
    """`kubectl PLUGIN --help` runs the plugin: learning a command's flags while the user types must not."""
    from kctx.paths import Paths
    from kctx.repl.cache import Cache, CommandInfo
    from kctx.repl.refresher import Refresher

    ran: list[list[str]] = []

    class Runner:
        def run(self, argv, env, timeout):
            ran.append(argv)
            return "Usage:\n  kubectl get [flags]\n" if "--help" in argv else ":0\n"

    cache = Cache()
    cache.put_command((), CommandInfo({"get": "Display one or many resources",
                                       "foo": "The command foo is a plugin installed by the user"}, {}))
    r = Refresher(cache, dict, {}, Paths({"HOME": str(tmp_path)}), None)
    r.local.runner = Runner()
    for path in (("foo",), ("nosuch",), ("get",)):
        r._fetch_command("kubectl", path, {})
    assert [a for a in ran if "--help" in a] == [["kubectl", "get", "--help"]]
    assert cache.command(("foo",)) is not None  # remembered as known-empty: not asked again


def test_the_toolbar_shows_this_terminals_unlock_with_the_time_left():
    from kctx.guard.unlock import Unlock

    u = Unlock("prod", "127.0.0.1:1", "INC-7", 1000.0, 1900.0, 600.0, 1000.0)
    assert toolbar.unlock_text(u, "prod", now=1060.0) == " · UNLOCKED 9m (INC-7)"  # the idle time ends it first
    assert toolbar.unlock_text(u, "dev", now=1060.0) == " · prod UNLOCKED 9m (INC-7)"
    assert toolbar.unlock_text(u, "prod", now=1700.0) == ""
    assert toolbar.unlock_text(None, "prod") == ""


def test_the_toolbar_says_read_only_and_that_writes_are_refused():
    ro = Target("dash", "default", "prod", "viewer", "https://prod:6443", "protected", "read-only rule")
    line = plain(toolbar.fit(toolbar._target_line(ro, "delete: mutate, will ask to confirm"), 200))
    assert "READ-ONLY" in line and "refused: read-only" in line
