#!/usr/bin/env python3
"""Generate tests/data/guard_facts.json: what every kubectl 1.27-1.37 really sends for each command form.

Each form of the guard's class table runs, with each --dry-run / --local / --list / --raw / --edit
spelling, through every real kubectl (tests/kubectl_bins.py) against the stand-in API server, and
the request log says what reached it (tests/kubectl_oracle.py). The table also lists the command
paths that only some releases have (`kubectl kuberc` is a plugin call before 1.36), read from
each binary's --help. tests/test_guard_facts.py holds the classifier to every row.

    python3 scripts/gen_guard_facts.py                 # the whole table (several minutes)
    python3 scripts/gen_guard_facts.py --minors 1.37 --only 'create --raw'   # look, don't write
    python3 scripts/gen_guard_facts.py --dry-run-table  # only kctx/guard/dryrunfacts.py, from the table

Every full run also rewrites kctx/guard/dryrunfacts.py: the forms that honour --dry-run=server per minor,
which the confirmation's preview relies on (kctx/guard/preview.py).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kctx.kubectl import argv as kargv  # noqa: E402
from tests.kubectl_bins import MINORS, kubectl_binary  # noqa: E402
from tests.kubectl_oracle import Oracle, Outcome  # noqa: E402

OUT = ROOT / "tests" / "data" / "guard_facts.json"

DRY_RUN = ("--dry-run", "--dry-run=client", "--dry-run=server", "--dry-run=none", "--dry-run=true",
           "--dry-run=false")
LOCAL = ("--local", "--local=true", "--local=false")
PATCH = '{"data":{"k":"patched"}}'

# Forms that write; each also runs with every --dry-run spelling.
WRITES = [
    "create -f {dir}/cm-new.yaml",
    "create --raw /api/v1/namespaces/default/configmaps -f {dir}/cm-new.yaml",
    "create --edit -f {dir}/cm-new.yaml",
    "create --edit=false -f {dir}/cm-new.yaml",
    "create clusterrole cr1 --verb=get --resource=pods",
    "create clusterrolebinding crb1 --clusterrole=cr1",
    "create configmap cm3 --from-literal=a=b",
    "create cronjob cj1 --image=busybox --schedule=@hourly",
    "create deployment d1 --image=busybox",
    "create ingress i1 --rule=a.example/=svc1:80",
    "create job j1 --image=busybox",
    "create namespace ns1",
    "create poddisruptionbudget pdb1 --selector=app=web --min-available=1",
    "create priorityclass pc1 --value=1",
    "create quota q1 --hard=pods=1",
    "create role r1 --verb=get --resource=pods",
    "create rolebinding rb2 --role=role1 --user=u",
    "create secret docker-registry dr1 --docker-server=x --docker-username=u --docker-password=p",
    "create secret generic s2 --from-literal=a=b",
    "create secret tls t1 --cert={dir}/tls.crt --key={dir}/tls.key",
    "create service clusterip sc1 --tcp=80",
    "create service externalname se1 --external-name=x.example",
    "create service loadbalancer sl1 --tcp=80",
    "create service nodeport sn1 --tcp=80",
    "create serviceaccount sa2",
    "apply -f {dir}/cm1.yaml",
    "apply --server-side -f {dir}/cm1.yaml",
    "apply set-last-applied -f {dir}/cm1.yaml",
    "delete cm cm1",
    "delete --raw /api/v1/namespaces/default/configmaps/cm1",
    "label cm cm1 a=b",
    "annotate cm cm1 a=b",
    f"patch cm cm1 -p '{PATCH}'",
    "replace -f {dir}/cm1.yaml",
    "replace --raw /api/v1/namespaces/default/configmaps/cm1 -f {dir}/cm1.yaml",
    "replace --force -f {dir}/cm1.yaml",
    "scale deploy/web --replicas=2",
    "set env deploy/web A=1",
    "set image deploy/web c=busybox:3",
    "set resources deploy/web --limits=cpu=1",
    "set selector svc/svc1 a=b",
    "set serviceaccount deploy/web sa1",
    "set subject rolebinding/rb1 --user=u",
    "rollout undo deploy/web",
    "drain n1",
    "cordon n1",
    "uncordon n2",
    "taint nodes n1 k=v:NoSchedule",
    "run r1 --image=busybox",
    "expose deploy/web --port=80",
    "autoscale deploy/web --max=3",
    "auth reconcile -f {dir}/role.yaml",
]
# Writing forms without a --dry-run flag: as they are, and with one (kubectl rejects it).
WRITES_WITHOUT_DRY_RUN = [
    "edit cm/cm1",
    "apply edit-last-applied cm/cm1",
    "rollout pause deploy/web",
    "rollout resume deploy/held",
    "rollout restart deploy/web",
    "certificate approve csr1",
    "certificate deny csr1",
    "debug p1 --image=busybox",
    "debug node/n1 --image=busybox",
    "debug p1 --copy-to=p1c --image=busybox",
    "create token sa1",
]
# Which --dry-run counts when there are several, and kubectl's own name for a bare one.
DRY_RUN_ORDER = [
    "delete cm cm1 --dry-run=server --dry-run=none",
    "delete cm cm1 --dry-run=none --dry-run",
    "delete cm cm1 --dry-run=unchanged",
    "delete cm cm1 --dry-run=bogus",
]
# Forms that work on a file with --local; each also runs with every --local spelling.
LOCAL_FORMS = [
    "set env -f {dir}/web.yaml A=1",
    "set image -f {dir}/web.yaml c=busybox:3",
    "set resources -f {dir}/web.yaml --limits=cpu=1",
    "set selector -f {dir}/svc1.yaml a=b",
    "set serviceaccount -f {dir}/web.yaml sa1",
    "set subject -f {dir}/rb1.yaml --user=u",
    "label -f {dir}/cm1.yaml a=b",
    "annotate -f {dir}/cm1.yaml a=b",
    f"patch -f {{dir}}/cm1.yaml -p '{PATCH}'",
]
LISTS = [
    "label --list cm cm1",
    "label --list cm cm1 a=b",
    "label --list=true cm cm1 a=b",
    "label --list=false cm cm1 a=b",
    "label --list --overwrite cm cm1 a=b",
    "label --list --dry-run=none cm cm1 a=b",
    "annotate --list cm cm1",
    "annotate --list cm cm1 a=b",
    "annotate --list=false cm cm1 a=b",
    "annotate --list --dry-run=none cm cm1 a=b",
    "set env --list deploy/web",
    "set env --list deploy/web A=1",
    "set env --list=false deploy/web A=1",
    "set env --list --dry-run=none deploy/web A=1",
    "set env --list --local -f {dir}/web.yaml A=1",
]
ACCESS = [
    "exec p1 -- ls",
    "exec -it p1 -- sh",
    "exec -i p1 -- cat",
    "exec p1 --dry-run=server -- ls",
    "attach p1",
    "attach -it p1",
    "cp p1:/etc/hosts {dir}/copied",
    "cp {dir}/cm1.yaml p1:/tmp/x",
    "port-forward pod/p1 0:80",
    "port-forward svc/svc1 0:80",
    "proxy --port=0",
    "debug -it p1 --image=busybox",
    "run r2 --image=busybox -it --rm --restart=Never",
]
RAW = [
    "get --raw /api",
    "get --raw /api/v1/namespaces/default/pods",
    "get --raw /api/v1/namespaces/default/pods/p1/log",
    "get --raw /api/v1/namespaces/default/pods/p1/proxy/",
    "get --raw /api/v1/namespaces/default/pods/p1/proxy",
    "get --raw /api/v1/namespaces/default/pods/http:p1:80/proxy/metrics",
    "get --raw /api/v1/namespaces/default/services/svc1:80/proxy/metrics",
    "get --raw /api/v1/nodes/n1/proxy/configz",
    "get --raw /api/v1/namespaces/default/pods/p1/exec?command=ls",
    "get --raw /api/v1/namespaces/default/pods/p1/%70roxy/",
    "get --raw /api/v1/namespaces/default/pods/p1%2Fproxy/",
    "get --raw /api/v1/namespaces/default/pods/p1/x/../proxy/",
    "get --raw /api/v1/namespaces/default/pods/p1/./proxy/",
    "get --raw api/v1/namespaces/default/pods/p1/proxy/",
    "get --raw /api/v1/namespaces/default/configmaps?x=/proxy/",
    "create --raw /api/v1/namespaces/default/pods/p1/proxy/x -f {dir}/cm1.yaml",
    "delete --raw /api/v1/namespaces/default/pods/p1/proxy/x",
]
READS = [
    "get pods", "describe pod p1", "logs p1", "events", "explain pods", "api-resources", "api-versions",
    "cluster-info", "cluster-info dump -o name", "wait --for=condition=Available deploy/web --timeout=5s",
    "diff -f {dir}/cm1.yaml", "auth can-i get pods", "auth whoami", "rollout status deploy/web",
    "rollout history deploy/web", "apply view-last-applied cm/cm1", "version", "top pod", "top node",
    "__complete get pods ''", "__completeNoDesc get pods ''",
]
HELP = [
    "delete cm cm1 -h", "delete --help cm cm1", "exec p1 -h", "create --raw /x -f {dir}/cm1.yaml -h",
    "create networkpolicy np1 -h", "kuberc view -h", "rollout foo -h",
]
CLIENT_SIDE = [
    "", "config view", "config get-contexts", "config current-context", "config get-clusters",
    "config get-users", "config use-context w1", "config set-context --current --namespace=x",
    "config set-cluster c2 --server=https://127.0.0.1:1", "config set-credentials u2 --token=t",
    "config set users.u3.token t", "config unset users.w1-admin", "config delete-context w1",
    "config delete-cluster w1", "config delete-user w1-admin", "config rename-context w1 other",
    "completion bash", "kustomize {dir}/kustomize", "plugin list", "help", "options", "version --client",
    "kuberc view", "kuberc set --section=aliases --name=g --command=get",
    "rollout", "config", "create secret", "set",
]
UNKNOWN = [
    "foo bar", "create networkpolicy np1", "alpha", "alpha kuberc view", "config foo", "rollout foo deploy/web",
    "create secret opaque x",
]


def forms() -> list[tuple[str, list[str]]]:
    """(group, argv) for every command line the table holds, in a stable order."""
    out: list[tuple[str, str]] = []
    for line in WRITES:
        out += [("write", line)] + [("write", f"{line} {flag}") for flag in DRY_RUN]
    out += [("write", line) for line in DRY_RUN_ORDER]
    for line in WRITES_WITHOUT_DRY_RUN:
        out += [("write", line), ("write", f"{line} --dry-run=server")]
    for line in LOCAL_FORMS:
        out += [("write", line)] + [("write", f"{line} {flag}") for flag in LOCAL]
    for group, lines in (("list", LISTS), ("access", ACCESS), ("raw", RAW), ("read", READS), ("help", HELP),
                         ("client", CLIENT_SIDE), ("unknown", UNKNOWN)):
        out += [(group, line) for line in lines]
    return [(group, shlex.split(line)) for group, line in out]


# The outcome the plain form must show in every release: anything else means the stand-in (or a
# seeded object) falls short and the row would say nothing about kubectl.
BASELINE = {"write": "mutate", "access": "access"}


def stand_in_gaps(rows: list[dict], minors: list[str]) -> list[str]:
    """Plain forms that did not show what they are for: the stand-in or the seeds need more."""
    gaps = []
    for row in rows:
        want = BASELINE.get(row["group"])
        lowered = any(w.startswith(("--dry-run", "--local", "--list")) for w in row["argv"])
        if not want or lowered:
            continue
        # A write outranks an access (`debug -it` waits for a container the stand-in never starts).
        bad = [m for m, seen in zip(minors, row["observed"], strict=True)
               if seen not in (want, "mutate") and m not in row.get("absent", ())]
        if bad:
            gaps.append(f"{shlex.join(row['argv'])}: {want} expected on {', '.join(bad)}")
    return gaps


# --- which releases have which command --------------------------------------------------------

def command_paths() -> list[list[str]]:
    """Every command path of the union tree argv.py knows (alpha and completion excluded)."""
    paths, todo = [], [[]]
    while todo:
        path = todo.pop()
        for sub in sorted(kargv.subcommands(path)):
            if sub in ("alpha", "__complete", "__completeNoDesc"):
                continue
            paths.append([*path, sub])
            todo.append([*path, sub])
    return sorted(paths)


def has_command(binary: Path, path: list[str], home: str) -> bool:
    """Whether this kubectl has the command (its --help shows that command's usage)."""
    r = subprocess.run([str(binary), *path, "--help"], capture_output=True, text=True, timeout=60,
                       env={"HOME": home, "PATH": "/usr/bin:/bin"})
    if len(path) == 1:  # an unknown top-level word is an error (no plugins are on this PATH)
        return r.returncode == 0 and "unknown command" not in r.stderr
    lines = r.stdout.splitlines()  # an unknown sub-command shows its parent's help
    usage = next((lines[i + 1].strip() for i, line in enumerate(lines) if line == "Usage:"), "")
    return r.returncode == 0 and usage.startswith("kubectl " + " ".join(path))


def command_minors(minors: list[str]) -> dict[str, list[str]]:
    """Command path -> the minors that have it, for the paths not in every one of ``minors``."""
    paths = command_paths()
    with tempfile.TemporaryDirectory() as home, ThreadPoolExecutor(4) as pool:
        found = {m: list(pool.map(lambda p, m=m: has_command(kubectl_binary(m), p, home), paths)) for m in minors}
    out = {}
    for i, path in enumerate(paths):
        having = [m for m in minors if found[m][i]]
        if having != minors:
            out[" ".join(path)] = having
    return out


# --- the table ------------------------------------------------------------------------------

def run(minors: list[str], only: str | None, workers: int) -> list[dict]:
    cases = [(g, a) for g, a in forms() if only is None or only in shlex.join(a)]
    with Oracle(workers) as oracle:
        results = oracle.run_all([(m, argv) for _, argv in cases for m in minors])
    rows = []
    for i, (group, argv) in enumerate(cases):
        outcomes: list[Outcome] = results[i * len(minors):(i + 1) * len(minors)]
        evidence = next((o.evidence for o in outcomes if o.evidence), "")
        rows.append({"group": group, "argv": argv, "observed": [o.observed for o in outcomes],
                     "rc": [o.rc for o in outcomes], "evidence": evidence,
                     "_output": [o.output for o in outcomes]})
    return rows


def render(rows: list[dict], commands: dict[str, list[str]], minors: list[str]) -> str:
    head = {
        "about": "What each real kubectl sends for each command line (scripts/gen_guard_facts.py; "
                 "regenerate with `python3 scripts/gen_guard_facts.py`). observed[i] and rc[i] are for "
                 "minors[i]: mutate = a write reached the server, access = an exec/attach/portforward/proxy "
                 "endpoint, read = only other requests, local = nothing, unknown = a plugin ran. "
                 "{dir} is a folder of manifests (tests/kubectl_oracle.py). commands: the command paths "
                 "only some minors have.",
        "minors": minors,
        "commands": commands,
    }
    lines = [json.dumps({k: v for k, v in r.items() if not k.startswith("_")}) for r in rows]
    text = json.dumps(head, indent=1)[:-2] + ',\n "facts": [\n' + ",\n".join(lines) + "\n ]\n}\n"
    json.loads(text)  # well-formed
    return text


DRY_RUN_TABLE = ROOT / "kctx" / "guard" / "dryrunfacts.py"


def write_dry_run_table(facts_path: Path) -> None:
    """kctx/guard/dryrunfacts.py from the fact table (its docstring kept, the table replaced)."""
    from kctx.guard.preview import derive

    table = derive(json.loads(facts_path.read_text()))
    head = DRY_RUN_TABLE.read_text().split("SERVER_DRY_RUN")[0]
    body = "".join(f"    {form!r}: {minors!r},\n" for form, minors in table.items())
    DRY_RUN_TABLE.write_text(f"{head}SERVER_DRY_RUN: dict[str, tuple[str, ...]] = {{\n{body}}}\n")
    print(f"{len(table)} forms -> {DRY_RUN_TABLE}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minors", nargs="*", default=list(MINORS))
    ap.add_argument("--only", help="only forms whose command line contains this text; prints, writes nothing")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--dry-run-table", action="store_true", help="only rewrite kctx/guard/dryrunfacts.py")
    opts = ap.parse_args()
    if opts.dry_run_table:
        write_dry_run_table(opts.out)
        return 0
    began = time.monotonic()
    rows = run(opts.minors, opts.only, opts.workers)
    if opts.only:
        for row in rows:
            print(shlex.join(row["argv"]))
            for m, seen, rc, output in zip(opts.minors, row["observed"], row["rc"], row["_output"], strict=True):
                last = (output.strip().splitlines() or [""])[-1]
                print(f"  {m} {seen:8} rc={rc:<3} {last[:150]}")
        return 0
    commands = command_minors(opts.minors)
    for row in rows:
        key = " ".join(kargv.find_command(row["argv"]))
        if key in commands:
            row["absent"] = [m for m in opts.minors if m not in commands[key]]
    gaps = stand_in_gaps(rows, opts.minors)
    for gap in gaps:
        print("stand-in gap:", gap, file=sys.stderr)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(render(rows, commands, opts.minors))
    write_dry_run_table(opts.out)
    print(f"{len(rows)} forms x {len(opts.minors)} minors in {time.monotonic() - began:.0f} s -> {opts.out}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
