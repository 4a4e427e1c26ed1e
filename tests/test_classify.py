"""Command classes over the whole kubectl 1.27-1.37 tree, and how --dry-run, --local and --help lower them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kctx.kubectl import argv as kargv
from kctx.kubectl.argv import parse
from kctx.kubectl.classify import (
    ACCESS,
    ALL_CLASSES,
    LOCAL,
    LOCAL_WRITE,
    MUTATE,
    READ,
    UNKNOWN,
    Classification,
    CommandClass,
    classify,
    dry_run_mode,
    is_access_path,
    is_client_only,
    needs_confirmation,
    parse_minor,
)
from tests.test_argv import VOCAB, lines_with_globals


def _classify(line: str, minor: str | None = "1.37") -> Classification:
    return classify(parse(line.split()), minor)


TREE = [
    # Reads.
    ("get pods", READ, "get"),
    ("get --raw /api", READ, "get"),
    ("get --raw /api/v1/namespaces/x/pods/p/log", READ, "get"),
    ("get --raw /api/v1/namespaces/x/pods/p/proxy/", ACCESS, "get"),
    ("get --raw /api/v1/namespaces/x/services/https:s:443/proxy/metrics", ACCESS, "get"),
    ("get --raw /api/v1/nodes/n/proxy/configz", ACCESS, "get"),
    ("get --raw /api/v1/namespaces/x/pods/p/exec?command=ls", ACCESS, "get"),
    ("describe pod x", READ, "describe"),
    ("logs -f pod/x", READ, "logs"),
    ("events -A", READ, "events"),
    ("explain pods.spec", READ, "explain"),
    ("top node", READ, "top node"),
    ("top pods -A", READ, "top pod"),
    ("api-resources", READ, "api-resources"),
    ("api-versions", READ, "api-versions"),
    ("cluster-info", READ, "cluster-info"),
    ("cluster-info dump", READ, "cluster-info dump"),
    ("wait --for=condition=Ready pod/x", READ, "wait"),
    ("diff -f x.yaml", READ, "diff"),
    ("auth can-i delete pods", READ, "auth can-i"),
    ("auth whoami", READ, "auth whoami"),
    ("rollout status deploy/x", READ, "rollout status"),
    ("rollout history deploy/x", READ, "rollout history"),
    ("apply view-last-applied deploy/x", READ, "apply view-last-applied"),
    ("version", READ, "version"),
    ("version --client=false", READ, "version"),
    ("__complete delete pod x", READ, "__complete"),
    ("__completeNoDesc get ''", READ, "__completeNoDesc"),
    # Writes.
    ("create -f x.yaml", MUTATE, "create"),
    ("create --raw /x -f -", MUTATE, "create"),
    ("create clusterrole r --verb=get --resource=pods", MUTATE, "create clusterrole"),
    ("create clusterrolebinding b --clusterrole=r", MUTATE, "create clusterrolebinding"),
    ("create cm c --from-literal=a=b", MUTATE, "create configmap"),
    ("create cronjob c --image=i --schedule=*", MUTATE, "create cronjob"),
    ("create deployment d --image=i", MUTATE, "create deployment"),
    ("create ingress i --rule=a/=b:80", MUTATE, "create ingress"),
    ("create job j --image=i", MUTATE, "create job"),
    ("create ns n", MUTATE, "create namespace"),
    ("create pdb p --selector=a=b --min-available=1", MUTATE, "create poddisruptionbudget"),
    ("create priorityclass p --value=1", MUTATE, "create priorityclass"),
    ("create quota q --hard=pods=1", MUTATE, "create quota"),
    ("create role r --verb=get --resource=pods", MUTATE, "create role"),
    ("create rolebinding b --role=r --user=u", MUTATE, "create rolebinding"),
    ("create secret docker-registry s --docker-server=x", MUTATE, "create secret docker-registry"),
    ("create secret generic s --from-literal=a=b", MUTATE, "create secret generic"),
    ("create secret tls s --cert=c --key=k", MUTATE, "create secret tls"),
    ("create service clusterip s --tcp=80", MUTATE, "create service clusterip"),
    ("create svc externalname s --external-name=x", MUTATE, "create service externalname"),
    ("create service loadbalancer s --tcp=80", MUTATE, "create service loadbalancer"),
    ("create service nodeport s --tcp=80", MUTATE, "create service nodeport"),
    ("create sa s", MUTATE, "create serviceaccount"),
    ("create token sa", MUTATE, "create token"),
    ("apply -f x.yaml", MUTATE, "apply"),
    ("apply edit-last-applied deploy/x", MUTATE, "apply edit-last-applied"),
    ("apply set-last-applied -f x.yaml", MUTATE, "apply set-last-applied"),
    ("delete pod x", MUTATE, "delete"),
    ("delete --raw /api/v1/namespaces/x", MUTATE, "delete"),
    ("edit deploy/x", MUTATE, "edit"),
    ("patch deploy x -p {}", MUTATE, "patch"),
    ("replace -f x.yaml", MUTATE, "replace"),
    ("replace --raw /x -f -", MUTATE, "replace"),
    ("label pod x a=b", MUTATE, "label"),
    ("annotate pod x a=b", MUTATE, "annotate"),
    ("scale deploy/x --replicas=0", MUTATE, "scale"),
    ("autoscale deploy/x --max=3", MUTATE, "autoscale"),
    ("expose deploy/x --port=80", MUTATE, "expose"),
    ("run x --image=i", MUTATE, "run"),
    ("set env deploy/x A=1", MUTATE, "set env"),
    ("set image deploy/x c=i", MUTATE, "set image"),
    ("set resources deploy/x --limits=cpu=1", MUTATE, "set resources"),
    ("set selector svc/x a=b", MUTATE, "set selector"),
    ("set sa deploy/x sa", MUTATE, "set serviceaccount"),
    ("set subject rolebinding/x --user=u", MUTATE, "set subject"),
    ("rollout pause deploy/x", MUTATE, "rollout pause"),
    ("rollout resume deploy/x", MUTATE, "rollout resume"),
    ("rollout restart deploy/x", MUTATE, "rollout restart"),
    ("rollout undo deploy/x", MUTATE, "rollout undo"),
    ("cordon n", MUTATE, "cordon"),
    ("uncordon n", MUTATE, "uncordon"),
    ("drain n --ignore-daemonsets", MUTATE, "drain"),
    ("taint nodes n k=v:NoSchedule", MUTATE, "taint"),
    ("certificate approve csr", MUTATE, "certificate approve"),
    ("certificate deny csr", MUTATE, "certificate deny"),
    ("auth reconcile -f x.yaml", MUTATE, "auth reconcile"),
    ("debug pod/x -it --image=busybox", MUTATE, "debug"),
    # Direct access.
    ("exec -it pod -- sh", ACCESS, "exec"),
    ("attach pod -i", ACCESS, "attach"),
    ("cp pod:/a b", ACCESS, "cp"),
    ("port-forward svc/x 8080:80", ACCESS, "port-forward"),
    ("proxy --port=8001", ACCESS, "proxy"),
    # Client side only.
    ("", LOCAL, ""),
    ("config view --minify", LOCAL, "config view"),
    ("config get-contexts", LOCAL, "config get-contexts"),
    ("config current-context", LOCAL, "config current-context"),
    ("config get-clusters", LOCAL, "config get-clusters"),
    ("config get-users", LOCAL, "config get-users"),
    ("completion bash", LOCAL, "completion"),
    ("kustomize dir", LOCAL, "kustomize"),
    ("plugin list", LOCAL, "plugin list"),
    ("help delete", LOCAL, "help"),
    ("options", LOCAL, "options"),
    ("version --client", LOCAL, "version"),
    ("kuberc view", LOCAL, "kuberc view"),
    ("rollout", LOCAL, "rollout"),  # a bare group prints its help
    ("create secret", LOCAL, "create secret"),
    ("config", LOCAL, "config"),
    # Local files.
    ("config use-context prod", LOCAL_WRITE, "config use-context"),
    ("config use prod", LOCAL_WRITE, "config use-context"),
    ("config set users.u.token t", LOCAL_WRITE, "config set"),
    ("config set-context --current --namespace=x", LOCAL_WRITE, "config set-context"),
    ("config set-cluster c --server=https://x", LOCAL_WRITE, "config set-cluster"),
    ("config set-credentials u --token=t", LOCAL_WRITE, "config set-credentials"),
    ("config unset contexts.x", LOCAL_WRITE, "config unset"),
    ("config delete-context x", LOCAL_WRITE, "config delete-context"),
    ("config delete-cluster x", LOCAL_WRITE, "config delete-cluster"),
    ("config delete-user x", LOCAL_WRITE, "config delete-user"),
    ("config rename-context a b", LOCAL_WRITE, "config rename-context"),
    ("kuberc set --section=aliases --name=g --command=get", LOCAL_WRITE, "kuberc set"),
    # Unknown: treated like a write by the guard.
    ("foo-bar x", UNKNOWN, "foo-bar"),
    ("alpha", UNKNOWN, "alpha"),
    ("alpha kuberc view", UNKNOWN, "alpha kuberc view"),  # 1.35 has it: cobra finds it, flags and all
    ("create networkpolicy x", UNKNOWN, "create networkpolicy"),
    ("config foo", UNKNOWN, "config foo"),
    ("rollout foo deploy/x", UNKNOWN, "rollout foo"),
    ("create secret opaque x", UNKNOWN, "create secret opaque"),
    ("-A get pods", UNKNOWN, "pods"),  # kubectl fails too: cobra takes `get` as -A's value
]


@pytest.mark.parametrize(("line", "cls", "command"), TREE, ids=[t[0] or "bare" for t in TREE])
def test_command_tree(line, cls, command):
    c = _classify(line)
    assert (c.cls, c.command, c.dry_run) == (cls, command, False)
    assert c.reason


def test_every_command_in_the_tree_has_a_class():
    classified = {t[2] for t in TREE}
    todo: list[list[str]] = [[]]
    while todo:
        path = todo.pop()
        subs = kargv.subcommands(path)
        todo += [[*path, s] for s in subs if s != "alpha"]
        if path and not subs:
            assert " ".join(path) in classified, path
            assert classify(parse(path), "1.37").cls is not UNKNOWN, path


@pytest.mark.parametrize(("line", "cls", "dry_run"), [
    ("delete pod x --dry-run", READ, True),
    ("delete pod x --dry-run=client", READ, True),
    ("delete pod x --dry-run=server", READ, True),
    ("delete pod x --dry-run=unchanged", READ, True),  # kubectl's spelling of a bare --dry-run
    ("delete pod x --dry-run=true", READ, True),  # legacy boolean values
    ("delete pod x --dry-run=1", READ, True),
    ("delete pod x --dry-run=none", MUTATE, False),
    ("delete pod x --dry-run=false", MUTATE, False),
    ("delete pod x --dry-run=bogus", MUTATE, False),  # kubectl errors: do not count on it
    ("delete pod x --dry-run=Server", MUTATE, False),
    ("delete pod x --dry-run=server --dry-run=none", MUTATE, False),  # only the last counts
    ("delete pod x --dry-run=none --dry-run", READ, True),
    ("apply -f x --dry-run=server --server-side", READ, True),
    ("create deployment x --image=i --dry-run=client -o yaml", READ, True),
    ("create secret generic s --from-literal=a=b --dry-run -o yaml", READ, True),
    ("run x --image=i --dry-run=client", READ, True),
    ("drain n --dry-run=server", READ, True),
    ("rollout undo deploy/x --dry-run=server", READ, True),
    ("set image deploy/x c=i --dry-run=client", READ, True),
    ("delete pod x --dry-run server", READ, True),  # bare, so client; `server` is another pod name
])
def test_dry_run(line, cls, dry_run):
    c = _classify(line)
    assert (c.cls, c.dry_run) == (cls, dry_run), c.reason


def test_dry_run_reason_names_the_mode():
    assert _classify("delete pod x --dry-run=server").reason == "--dry-run=server: nothing is written"
    assert "client" in _classify("delete pod x --dry-run").reason


@pytest.mark.parametrize(("value", "mode"), [
    (None, None), ("", "client"), ("unchanged", "client"), ("client", "client"), ("server", "server"),
    ("none", "none"), ("t", "client"), ("False", "none"), ("bogus", "invalid"),
])
def test_dry_run_mode(value, mode):
    flag = [] if value is None else [f"--dry-run={value}" if value else "--dry-run"]
    line = ["delete", "pod", "x", *flag]
    assert dry_run_mode(parse(line)) == mode


def test_dry_run_on_a_command_without_it_is_not_trusted():
    # kubectl rejects the flag, and a newer kubectl's unknown flag could have swallowed it.
    c = _classify("rollout restart deploy/x --dry-run=client")
    assert (c.cls, c.dry_run) == (MUTATE, False)
    assert "--dry-run" in c.reason
    c = _classify("delete pod x --brand-new-flag --dry-run=server")
    assert (c.cls, c.dry_run) == (MUTATE, False)
    assert _classify("exec pod --dry-run -- ls").cls is ACCESS


@pytest.mark.parametrize(("line", "cls"), [
    # kubectl sends a --raw request, and the object edited with create --edit, whatever --dry-run says.
    ("create --raw /api/v1/namespaces/x/configmaps -f c.yaml --dry-run=server", MUTATE),
    ("create --raw= -f c.yaml --dry-run", MUTATE),  # an empty --raw still counts: kubectl may take it
    ("replace --raw /api/v1/namespaces/x/configmaps/c -f c.yaml --dry-run=client", MUTATE),
    ("delete --raw /api/v1/namespaces/x/configmaps/c --dry-run", MUTATE),
    ("create --edit -f c.yaml --dry-run=client", MUTATE),
    ("create --edit=true -f c.yaml --dry-run=server", MUTATE),
    ("create --edit=false -f c.yaml --dry-run=server", READ),
    ("create -f c.yaml --dry-run=server", READ),
    ("delete cm c --dry-run=server", READ),
])
def test_dry_run_ignored_with_raw_and_edit(line, cls):
    c = _classify(line)
    assert (c.cls, c.dry_run) == (cls, cls is READ)
    if cls is MUTATE:
        assert "ignored" in c.reason


@pytest.mark.parametrize(("line", "cls"), [
    ("label --list cm c", READ),
    ("label --list cm c a=b", READ),  # prints the labels it would set; sends nothing
    ("annotate --list cm c a=b", READ),
    ("set env --list deploy/d A=1", READ),
    ("label --list=false cm c a=b", MUTATE),
    ("set env --list --list=false deploy/d A=1", MUTATE),
    ("set image --list deploy/d c=i", MUTATE),  # no such flag: kubectl fails, nothing is lowered
])
def test_list(line, cls):
    assert _classify(line).cls is cls


@pytest.mark.parametrize(("line", "minor", "cls"), [
    ("kuberc view", "1.36", LOCAL),
    ("kuberc view", "1.35", UNKNOWN),  # runs kubectl-kuberc from PATH
    ("kuberc view", None, UNKNOWN),
    ("kuberc view", "1.38", UNKNOWN),  # outside the facts: judged like an unknown minor
    ("kuberc view -h", "1.35", UNKNOWN),  # the plugin gets the -h too
    ("kuberc -h", "1.33", UNKNOWN),
    ("kuberc -h", "1.37", LOCAL),
    ("kuberc set --section=aliases --name=g --command=get", "v1.37.1", LOCAL_WRITE),
    ("kuberc set --section=aliases --name=g --command=get", "1.29", UNKNOWN),
    ("create networkpolicy x -h", "1.30", UNKNOWN),  # 1.28-1.30 run kubectl-create-networkpolicy too, if on PATH
    ("create networkpolicy x -h", "1.31", UNKNOWN),  # kubectl-create-networkpolicy gets the -h
    ("create networkpolicy x -h", None, UNKNOWN),
    ("delete pod x --dry-run", None, READ),  # every release honours it
])
def test_per_release(line, minor, cls):
    c = classify(parse(line.split()), minor)
    assert c.cls is cls, c.reason


def test_kuberc_before_1_36_is_not_client_only():
    assert is_client_only(parse(["kuberc", "view"]), "1.36")
    assert not is_client_only(parse(["kuberc", "view"]), "1.35")
    assert not is_client_only(parse(["kuberc", "foo"]))
    assert "plugin kubectl-kuberc" in classify(parse(["kuberc", "view"]), "1.35").reason


@pytest.mark.parametrize(("minor", "n"), [
    ("1.27", 27), ("v1.37.1", 37), ("1.33.9", 33), (30, 30), ("1.26", None), ("1.38", None), ("2.1", None),
    ("", None), (None, None), ("latest", None), ("1.x", None),
])
def test_parse_minor(minor, n):
    assert parse_minor(minor) == n


@pytest.mark.parametrize(("raw", "access"), [
    ("/api/v1/namespaces/x/pods/p/proxy", True),
    ("/api/v1/namespaces/x/pods/p/proxy/", True),
    ("/api/v1/namespaces/x/pods/p/%70roxy/", True),
    ("/api/v1/namespaces/x/pods/p%2Fproxy/", True),
    ("/api/v1/namespaces/x/pods/p/x/../proxy/", True),
    ("/api/v1/namespaces/x/pods/p/./exec", True),
    ("/api/v1/namespaces/x/pods/p/PortForward", True),
    ("/api/v1/namespaces/x/pods/p/attach?stdin=true", True),
    ("/api/v1/proxy/namespaces/x/pods/p", True),
    ("/api/v1/namespaces/x/pods/p/log", False),
    ("/api/v1/namespaces/x/configmaps?x=/proxy/", False),  # the query is not the path
    ("/api/v1/namespaces/x/pods/p/proxy/..", True),  # kept or resolved: the server may see either
    ("/proxy", False),  # a top-level path, not a sub-resource
    ("/api", False),
    ("", False),
])
def test_is_access_path(raw, access):
    assert is_access_path(raw) is access


@pytest.mark.parametrize(("line", "cls"), [
    ("set image --local -f d.yaml c=i -o yaml", LOCAL),
    ("set env --local -f d.yaml A=1", LOCAL),
    ("label --local -f d.yaml a=b", LOCAL),
    ("annotate --local -f d.yaml a=b", LOCAL),
    ("patch --local -f d.yaml -p {}", LOCAL),
    ("wait --local -f d.yaml --for=condition=Ready", LOCAL),
    ("set image --local=true -f d.yaml c=i", LOCAL),
    ("set image --local=false -f d.yaml c=i", MUTATE),
    ("set image --local --local=false -f d.yaml c=i", MUTATE),
    ("set image --local=nope -f d.yaml c=i", MUTATE),
    ("delete --local pod x", MUTATE),  # delete has no --local
])
def test_local(line, cls):
    assert _classify(line).cls is cls


@pytest.mark.parametrize(("line", "cls"), [
    ("delete pod x -h", LOCAL),
    ("delete --help pod x", LOCAL),
    ("-h delete pod x", UNKNOWN),  # cobra's Find skips `delete` as -h's value: kubectl looks for a plugin `pod`
    ("exec -it pod -h", LOCAL),
    ("config use-context -h", LOCAL),
    ("rollout foo -h", LOCAL),  # kubectl prints rollout's help
    ("alpha foo -h", UNKNOWN),  # never lowers an unknown command
    ("foo-bar -h", UNKNOWN),
    ("create networkpolicy x -h", UNKNOWN),  # may be a create plugin: it gets the -h
    ("delete pod x --help=false", MUTATE),
    ("delete pod x -h=false", MUTATE),
    ("delete pod -n -h", MUTATE),  # -h is the namespace
    ("exec pod -- ls -h", ACCESS),  # after `--`, -h belongs to the command in the pod
    ("--help", LOCAL),
])
def test_help(line, cls):
    assert _classify(line).cls is cls


def test_needs_confirmation():
    assert [c for c in ALL_CLASSES if needs_confirmation(c)] == [MUTATE, ACCESS, UNKNOWN]
    assert needs_confirmation("mutate") and not needs_confirmation("read")  # plain strings work too


@pytest.mark.parametrize(("line", "client_only"), [
    ("", True), ("version --client", True), ("version", False), ("config view", True),
    ("config use-context x", True), ("config foo", True), ("completion zsh", True), ("help", True),
    ("plugin list", True), ("plugin foo", True), ("rollout foo -h", True), ("rollout foo", False),
    ("options", True), ("kustomize .", True),
    ("kuberc view", True), ("delete pod x -h", True), ("get pods --help", True), ("rollout", True),
    ("set image --local -f x c=i", True),
    ("get pods", False), ("delete pod x", False), ("delete pod x --dry-run=client", False),
    ("exec p -- ls", False), ("foo-bar", False), ("foo-bar -h", False), ("__complete get ''", False),
    ("alpha x", False), ("create foo", False),
])
def test_is_client_only(line, client_only):
    assert is_client_only(parse(line.split()), "1.37") is client_only


def test_command_class_behaves_like_a_str_enum():
    assert CommandClass("read") is READ is CommandClass.READ
    assert READ == "read" and f"{MUTATE}" == "mutate" and str(LOCAL_WRITE) == "local-write"
    assert json.dumps({"class": ACCESS}) == '{"class": "access"}'
    assert (LOCAL_WRITE.name, LOCAL_WRITE.value) == ("LOCAL_WRITE", "local-write")
    assert repr(UNKNOWN) == "<CommandClass.UNKNOWN: 'unknown'>"
    assert isinstance(READ, str) and {READ: 1}["read"] == 1
    with pytest.raises(ValueError):
        CommandClass("write")


def test_classification_is_a_frozen_record():
    c = _classify("delete pod x")
    assert c == Classification(MUTATE, "delete", False, "delete writes to the cluster")
    assert hash(c) == hash(Classification(MUTATE, "delete", False, "delete writes to the cluster"))
    with pytest.raises(AttributeError):
        c.cls = READ  # type: ignore[misc]
    assert repr(c).startswith("Classification(cls=<CommandClass.MUTATE")


@settings(max_examples=300, deadline=None)
@given(lines_with_globals())
def test_global_flags_anywhere_never_change_the_decision(case):
    base_tokens, tokens, globals_, bools = case
    base, moved = parse(base_tokens), parse(tokens)
    assert (moved.command, moved.globals, moved.global_bools) == (base.command, globals_, bools)
    assert classify(moved) == classify(base)
    assert is_client_only(moved) == is_client_only(base)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=10), st.sampled_from(VOCAB)), max_size=12))
def test_classify_is_total(line):
    args = parse(line)
    c = classify(args)
    assert c.cls in ALL_CLASSES and isinstance(c.reason, str) and c.reason
    assert c.cls in (classify(args, "1.37").cls, UNKNOWN)  # an unknown minor only ever adds caution
    assert isinstance(is_client_only(args), bool)
    if c.dry_run:
        assert args.last("dry-run") is not None
