"""The REPL's completion without a cluster: the pure "what to suggest here" step, kubectl's answers
parsed, and the prompt_toolkit adapter driven through a pipe (create_pipe_input, DummyOutput)."""

from __future__ import annotations

import threading
import time

import pytest

from kctx.repl import probe
from kctx.repl.cache import Cache, ClusterData, CommandInfo, ResourceType
from kctx.repl.completer import fuzzy, make_completer, suggest
from kctx.repl.words import split

API_RESOURCES = """\
NAME                              SHORTNAMES   APIVERSION                        NAMESPACED   KIND
configmaps                        cm           v1                                true         ConfigMap
events                            ev           v1                                true         Event
namespaces                        ns           v1                                false        Namespace
nodes                             no           v1                                false        Node
pods                              po           v1                                true         Pod
deployments                       deploy       apps/v1                           true         Deployment
events                            ev           events.k8s.io/v1                  true         Event
certificates                      cert,certs   cert-manager.io/v1                true         Certificate
"""

GET_HELP = """\
Display one or many resources.

Options:
    -A, --all-namespaces=false:
\tIf present, list the requested object(s) across all namespaces.

    -o, --output='':
\tOutput format.

    -l, --selector='':
\tSelector (label query) to filter on.

    -w, --watch=false:
\tAfter listing/getting the requested object, watch for changes.

Usage:
  kubectl get [(-o|--output=)json|yaml|name|...] (TYPE[.VERSION][.GROUP] [NAME | -l label] | ...) [flags] [options]
"""

ROLLOUT_HELP = """\
Manage the rollout of one or many resources.

Available Commands:
  history       View rollout history
  restart       Restart a resource
  status        Show the status of the rollout

Usage:
  kubectl rollout SUBCOMMAND [options]
"""


def make_cache() -> Cache:
    c = Cache()
    globals_ = {"--namespace": "If present, the namespace scope", "-n": "If present, the namespace scope",
                "--context": "The name of the kubeconfig context to use", "--as": "Username to impersonate"}
    c.put_command((), CommandInfo({"get": "Display one or many resources", "delete": "Delete resources",
                                   "describe": "Show details", "logs": "Print the logs", "rollout": "Manage rollouts",
                                   "config": "Modify kubeconfig files", "apply": "Apply a configuration",
                                   "cordon": "Mark node as unschedulable"},
                                  globals_, frozenset({"--namespace", "-n", "--context", "--as"})))
    own = [("--all-namespaces", "all"), ("-A", "all"), ("--output", "format"), ("-o", "format"),
           ("--selector", "sel"), ("--watch", "watch"), ("-w", "watch")]
    flags_out = "\n".join(f"{f}\t{d}" for f, d in [*globals_.items(), *own]) + "\n:4\n"
    get = probe.command_info(GET_HELP, flags_out, None, frozenset(globals_))
    c.put_command(("get",), get)
    c.put_command(("delete",), CommandInfo({}, dict(globals_), frozenset(), frozenset()))
    c.put_command(("logs",), CommandInfo({}, dict(globals_), frozenset({"-c", "--container"}), frozenset()))
    c.put_command(("cordon",), CommandInfo())
    c.put_command(("apply",), CommandInfo({}, {"--filename": "files", "-f": "files"}, frozenset({"-f", "--filename"}),
                                          frozenset({"-f", "--filename"})))
    subs, _ = probe.parse_help(ROLLOUT_HELP)
    c.put_command(("rollout",), CommandInfo({s: "" for s in subs}))
    c.put_command(("rollout", "restart"), CommandInfo())
    c.put_command(("config",), CommandInfo({"use-context": "Set the current-context", "view": "Display"}))
    c.put_command(("config", "use-context"), CommandInfo())
    c.put_flag_values(("get",), "-o", [("json", ""), ("yaml", ""), ("wide", ""), ("name", "")])
    cl = ClusterData("https://example:6443")
    cl.set_types(probe.parse_api_resources(API_RESOURCES))
    cl.namespaces = ("default", "kube-system", "web")
    cl.put_names("pods", "default", ["web-1", "web-2", "api-7"])
    cl.put_names("deployments", "default", ["web", "api"])
    cl.put_names("pods", "web", ["frontend-0"])
    cl.put_names("nodes", "default", ["node-a"])
    c.cluster = cl
    c.contexts = ("dev", "prod", "prod-eu", "staging")
    c.namespace = "default"
    return c


@pytest.fixture
def cache() -> Cache:
    return make_cache()


def texts(line: str, cache: Cache) -> list[str]:
    return suggest(line, cache).texts()


# ---------------------------------------------------------------- what to suggest here

def test_first_word_offers_builtins_and_kubectl_commands(cache):
    assert texts("", cache)[:9] == ["use", "ctx", "ns", "as", "help", "clear", "cd", "pwd", "exit"]
    assert "cls" not in texts("", cache) and "quit" not in texts("", cache)  # aliases work, the menu stays short
    assert "get" in texts("", cache)
    assert texts("ge", cache)[0] == "get"
    assert texts("kubectl ge", cache)[0] == "get"  # a leading kubectl is accepted


def test_fuzzy_ranks_prefix_then_substring_then_subsequence():
    items = [(n, "") for n in ("deployments", "daemonsets", "podtemplates", "pods", "replicasets")]
    assert [t for t, _ in fuzzy(items, "po")] == ["pods", "podtemplates", "deployments"]
    assert [t for t, _ in fuzzy(items, "dpl")] == ["deployments", "podtemplates"]  # closer letters first
    assert [t for t, _ in fuzzy(items, "DEP")][0] == "deployments"


def test_resource_types_from_discovery_with_short_names_and_crds(cache):
    assert texts("get deploy", cache)[0] == "deployments"
    assert texts("get cert", cache)[0] == "certificates"  # a CRD
    assert texts("get po", cache)[0] == "pods"
    s = suggest("get ev", cache)
    assert s.texts()[:2] == ["events", "events.events.k8s.io"]  # same plural in two groups
    assert s.items[0][1] == "Event (ev)"


def test_subcommands_come_from_the_binary(cache):
    assert texts("rollout ", cache) == ["history", "restart", "status"]
    assert texts("rollout restart ", cache)[0] == "configmaps"  # then resource types


def test_names_of_the_type_in_the_current_namespace(cache):
    assert texts("get pods ", cache) == ["web-1", "web-2", "api-7"]
    assert texts("get po w", cache) == ["web-1", "web-2"]
    assert texts("describe pod -n web ", cache) == ["frontend-0"]
    assert texts("get pods --namespace=web ", cache) == ["frontend-0"]
    assert texts("logs ", cache) == ["web-1", "web-2", "api-7"]
    assert texts("logs deploy/", cache) == ["deploy/web", "deploy/api"]
    assert texts("cordon ", cache) == ["node-a"]
    assert texts("get ns ", cache) == ["default", "kube-system", "web"]


def test_flags_of_the_command_first_then_globals(cache):
    got = texts("get --", cache)
    assert got.index("--all-namespaces") < got.index("--namespace")
    assert texts("get --wat", cache) == ["--watch"]
    assert texts("get -o ", cache) == ["json", "yaml", "wide", "name"]
    assert texts("get -o=y", cache) == ["-o=yaml"]
    assert texts("get pods -n ", cache) == ["default", "kube-system", "web"]
    assert texts("get pods -n k", cache)[0] == "kube-system"
    assert texts("--context ", cache) == ["dev", "prod", "prod-eu", "staging"]


def test_flag_values_are_not_taken_for_positional_words(cache):
    # "-l app=web" must not make "app=web" the resource type
    assert texts("get -l app=web ", cache)[0] == "configmaps"
    assert texts("get pods -w ", cache) == ["web-1", "web-2", "api-7"]  # -w takes no value


def test_contexts_and_namespaces_for_builtins(cache):
    assert texts("use ", cache)[:3] == ["-", "dev", "prod"]
    assert texts("use pr", cache) == ["prod", "prod-eu"]
    assert texts("ctx stg", cache) == ["staging"]
    assert texts("ns w", cache) == ["web"]
    assert texts("config use-context pro", cache) == ["prod", "prod-eu"]


def test_another_cluster_gets_no_cluster_data(cache):
    """--context elsewhere: names from the current cluster would be wrong, so none are offered."""
    assert texts("--context prod get pods ", cache) == []
    assert texts("get pods --context prod -n ", cache) == []


def test_shell_parts_get_nothing(cache):
    assert texts("!ls ", cache) == []
    assert texts("get pods | gr", cache) == []


def test_missing_data_is_asked_for_and_nothing_blocks():
    c = Cache()
    s = suggest("get ", c)
    assert s.items == [] and ("command", ()) in s.wants
    c.put_command((), CommandInfo({"get": ""}))
    s = suggest("get ", c)
    assert ("command", ("get",)) in s.wants and ("types",) in s.wants
    s = suggest("get pods ", make_cache())
    assert s.wants == []  # fresh names: nothing to fetch
    cache = make_cache()
    cache.cluster.stale_names()
    s = suggest("get pods ", cache)
    assert s.texts() == ["web-1", "web-2", "api-7"] and s.wants == [("names", "pods", "default")]
    assert suggest("get secrets ", cache).wants == [("names", "secrets", "default")]


def test_replacement_starts_at_the_word(cache):
    assert suggest("get po", cache).start == -2
    assert suggest("get pods ", cache).start == 0
    assert suggest("get -o=y", cache).start == -4
    assert suggest("get pods 'we", cache).start == -3


def test_file_flags_complete_paths(cache):
    assert suggest("apply -f ", cache).files


def test_completion_from_cache_is_fast():
    """Not a benchmark (see benchmarks/bench_repl.py), just a guard against an accidental O(n²)."""
    c = make_cache()
    c.cluster.put_names("pods", "default", [f"web-{i:05d}" for i in range(5000)])
    t = time.perf_counter()
    for _ in range(10):
        suggest("get pods web-0001", c)
    assert (time.perf_counter() - t) / 10 < 0.2


# ---------------------------------------------------------------- kubectl's answers

def test_parse_complete_and_help():
    items, directive = probe.parse_complete("json\t\nyaml\tYAML out\n:4\nCompletion ended with directive: X\n")
    assert items == [("json", ""), ("yaml", "YAML out")] and directive == 4
    subs, flags = probe.parse_help(GET_HELP)
    assert subs == []
    assert flags["-o"] and flags["--output"] and flags["--selector"]
    assert not flags["-w"] and not flags["--all-namespaces"]
    assert probe.parse_help(ROLLOUT_HELP)[0] == ["history", "restart", "status"]


def test_parse_api_resources():
    types = probe.parse_api_resources(API_RESOURCES)
    by = {t.name: t for t in types}
    assert by["deployments"].group == "apps" and by["deployments"].short == ("deploy",)
    assert by["certificates"].short == ("cert", "certs") and by["certificates"].namespaced
    assert not by["nodes"].namespaced
    assert "events.events.k8s.io" in by
    assert probe.parse_names("pod/web-1\npod/api\n") == ["api", "web-1"]
    assert probe.parse_names("deployment.apps/web\n") == ["web"]


def test_names_cache_is_shared_by_spellings():
    c = ClusterData("s")
    c.set_types([ResourceType("pods", "pods", "", ("po",), "Pod", True),
                  ResourceType("nodes", "nodes", "", ("no",), "Node", False)])
    c.put_names("po", "default", ["a"])
    assert c.get_names("pods", "default")[0] == ("a",)
    assert c.get_names("pod", "default")[0] == ("a",)
    c.put_names("nodes", "web", ["n1"])
    assert c.get_names("no", "default")[0] == ("n1",)  # cluster-scoped: any namespace


def test_words_follow_shell_quoting():
    w = split("get pods -l 'app in (a, b)' | grep web")
    assert w.done == ["get", "pods", "-l", "app in (a, b)"] and w.shell == "| grep web"
    w = split('logs "deploy/we')
    assert w.current == "deploy/we" and w.open_quote == '"'


# ---------------------------------------------------------------- the prompt_toolkit adapter

def test_adapter_through_a_prompt_session():
    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    cache = make_cache()
    asked: list = []
    completer = make_completer(lambda: cache, lambda wants, text: asked.append(wants))

    def typed(keys: str) -> str:
        """Type ``keys``, then Enter once the completion (which runs as a task) has landed."""
        with create_pipe_input() as inp:
            session = PromptSession(input=inp, output=DummyOutput(), completer=completer,
                                    complete_while_typing=False)  # Tab alone decides, no race with typing
            inp.send_text(keys)
            threading.Timer(0.3, inp.send_text, ["\r"]).start()
            return session.prompt()

    assert typed("get deplo\t") == "get deployments"
    assert typed("rollout rest\t") == "rollout restart"
    cache.cluster.stale_names()
    assert typed("logs ap\t") == "logs api-7"
    assert [("names", "pods", "default")] in asked


def test_cd_completes_directories_only(tmp_path, cache):
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    assert suggest("cd ", cache).dirs and not suggest("apply -f ", cache).dirs
    assert suggest("cd x ", cache).items == [] and not suggest("cd x ", cache).files  # one argument
    (tmp_path / "deploy.yaml").write_text("")
    (tmp_path / "deploys").mkdir()
    completer = make_completer(make_cache)
    text = f"cd {tmp_path}/dep"
    got = [c.text for c in completer.get_completions(Document(text), CompleteEvent(completion_requested=True))]
    assert got == ["loys"]


def test_adapter_completes_files(tmp_path):
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    (tmp_path / "deploy.yaml").write_text("")
    completer = make_completer(make_cache)
    text = f"apply -f {tmp_path}/dep"
    got = [c.text for c in completer.get_completions(Document(text), CompleteEvent(completion_requested=True))]
    assert got == ["loy.yaml"]
