"""`kctx demo [--script]`: try kctx with three loopback stand-in clusters, in a throwaway home.

Nothing of the user's is touched: HOME and every XDG folder point into a temporary folder that is
removed at the end. The clusters are kctx's own stand-in API server (kctx/sandbox), not Kubernetes.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from kctx.commands._parser import Parser
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from types import FrameType

    from kctx.sandbox import Sandbox

CLUSTERS = (("dev", "v1.36.4"), ("staging", "v1.37.1"), ("prod", "v1.37.1"))
CONFIG = """\
# kctx demo config: anything whose context starts with "prod" is protected.
protect:
  contexts: ["prod*"]
"""
# What to type in the demo's shell, and what it shows: one story, each step finding what the one
# before left (prod runs "web" from the start, so the delete there has something to delete).
TOUR: list[tuple[str, str]] = [
    ("get deployments", "dev runs nothing yet"),
    ("create deployment web --image=nginx", ""),
    ("get pods", "its pods (Tab completes names)"),
    ("use prod", "this shell only; the prompt turns red"),
    ("get deployments", "prod runs web"),
    ("delete deployment web", 'the guard asks you to type "prod" first'),
    ("use -", "back to dev"),
    ("help, exit", "more; leave (everything is removed)"),
]
INTRO = """\
kctx demo: three stand-in clusters on 127.0.0.1: dev, staging, prod (protected)
Your kubeconfig, config and clusters are not touched. Try:
"""
SEEDED = ("prod", "default", "web")  # what prod runs before the tour starts


def tour_text() -> str:
    return INTRO + "".join(f"  {cmd:<36}{note}".rstrip() + "\n" for cmd, note in TOUR)


STEPS: list[tuple[str, list[str], dict[str, str]]] = [
    ("every context kctx knows", ["kctx", "ls"], {}),
    ("reads go straight through", ["kubectl", "get", "namespaces"], {}),
    ("writes to unprotected clusters too", ["kubectl", "create", "deployment", "web", "--image=nginx"], {}),
    ("switch this shell to prod (other terminals keep their context)", ["kctx", "use", "prod"], {}),
    ("prod runs web", ["kubectl", "get", "deployments"], {}),
    ("what would a delete on prod do?", ["kctx", "explain", "--", "delete", "deployment", "web"], {}),
    ("no terminal to confirm on (like CI): refused, nothing is sent",
     ["kubectl", "delete", "deployment", "web"], {}),
    ("CI may allow one named context explicitly", ["kubectl", "create", "configmap", "release",
                                                    "--from-literal=version=1"], {"KCTX_CONFIRM": "prod"}),
    ("flags cannot sneak past the guard", ["kubectl", "--context", "prod", "delete", "configmap", "release"], {}),
    ("back to the previous context", ["kctx", "use", "-"], {}),
    ("dev is not protected", ["kubectl", "delete", "deployment", "web"], {}),
]


HELP = Help(
    ["demo [--script]"],
    "Try kctx with three stand-in clusters on this machine, without touching your files: a shell with its own\n"
    "session, the kubectl shim and a protected \"prod\".",
    [("kctx demo", "an interactive tour"), ("kctx demo --script", "the tour's steps and their output")])


def parser() -> Parser:
    p = Parser("demo", doc=HELP)
    p.add_argument("--script", action="store_true", help="run the tour non-interactively and print what happened")
    return p


def run(argv: list[str], env: Environment) -> int:
    args = parser().parse_args(argv)
    from kctx.sandbox import ClusterSpec, Sandbox

    root = tempfile.mkdtemp(prefix="kctx-demo-")
    previous = {sig: signal.signal(sig, _exit_on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        demo_env = _home(root, env.environ)
        with Sandbox([ClusterSpec(n, v, auth="cert" if n == "prod" else "token") for n, v in CLUSTERS],
                     workdir=Path(root) / "sandbox") as sb:
            _kubeconfigs(sb, demo_env["HOME"])
            _seed(sb)
            kubectl = _kubectl(env.environ, demo_env)
            kctx_cmd = _prepare(demo_env, kubectl, root)
            if args.script:
                return _script(env, demo_env, sb)
            env.stderr.write(tour_text())
            return _interactive(demo_env, kctx_cmd)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # a closed terminal or a kill still removes the demo's folder


def _home(root: str, environ: dict[str, str]) -> dict[str, str]:
    home = os.path.join(root, "home")
    os.makedirs(os.path.join(home, ".kube", "configs"), mode=0o700)
    env = {k: v for k, v in environ.items() if not k.startswith(("KCTX_", "XDG_")) and k != "KUBECONFIG"}
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"), XDG_STATE_HOME=os.path.join(home, ".local", "state"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"), XDG_RUNTIME_DIR=os.path.join(root, "run"))
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
    config = os.path.join(env["XDG_CONFIG_HOME"], "kctx", "config.yaml")
    os.makedirs(os.path.dirname(config))
    with open(config, "w") as fh:
        fh.write(CONFIG)
    return env


def _kubeconfigs(sb: Sandbox, home: str) -> None:
    sb.write_kubeconfig(os.path.join(home, ".kube", "config"), ["dev"], current="dev")
    for name in ("staging", "prod"):
        sb.write_kubeconfig(os.path.join(home, ".kube", "configs", f"{name}.yaml"), [name], current=name)


def _seed(sb: Sandbox) -> None:
    """Straight into the stand-in's store: no request is logged, so the script's count is the tour's."""
    from kctx.sandbox.resources import by_plural

    cluster, namespace, name = SEEDED
    labels = {"app": name}
    sb.cluster(cluster).api.create(by_plural("deployments"), namespace, {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
        "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": {
            "metadata": {"labels": labels}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}})


DEMO_MINOR = (1, 37)  # what the prod and staging stand-ins report


def _kubectl(environ: dict[str, str], demo_env: dict[str, str]) -> str:
    """A kubectl for the demo: KCTX_KUBECTL or PATH, else one kctx installed before, else install the
    matching release from the official site (or KCTX_KUBECTL_MIRROR) into kctx's own data folder."""
    from kctx.kubectl.binaries import find
    from kctx.paths import Paths
    from kctx.versions import install, store
    from kctx.versions.parse import fmt

    paths = Paths(environ)
    found = find(environ, paths.shim_dir)
    if found:
        return found
    have = store.best(store.installed(paths.kubectl_dir), *DEMO_MINOR)
    if have is not None:
        return store.binary_path(paths.kubectl_dir, fmt(have))
    sys.stderr.write("kctx demo: no kubectl on this machine; installing one (sha256-verified)\n")
    try:
        version = install.ensure_minor(paths, *DEMO_MINOR, environ, sys.stderr, retry=True)
    except KctxError as exc:
        raise KctxError(f"kctx demo needs a kubectl and could not install one ({exc.message}); install kubectl, "
                        "or set KCTX_KUBECTL=/path/to/kubectl or KCTX_KUBECTL_MIRROR") from None
    return store.binary_path(paths.kubectl_dir, version)


def _prepare(demo_env: dict[str, str], kubectl: str, root: str) -> str:
    """Shim, kubectl and a `kctx` command on the demo PATH, and a session; returns the kctx command."""
    from kctx.paths import Paths
    from kctx.shim import install as shiminstall

    shim_dir = Paths(demo_env).shim_dir
    shiminstall.install(shim_dir)
    bin_dir = os.path.join(root, "bin")
    os.makedirs(bin_dir)
    os.symlink(kubectl, os.path.join(bin_dir, "kubectl"))
    kctx_cmd = os.path.join(bin_dir, "kctx")
    with open(kctx_cmd, "w") as fh:
        fh.write(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m kctx \"$@\"\n")
    os.chmod(kctx_cmd, 0o755)
    demo_env["PATH"] = os.pathsep.join([shim_dir, bin_dir, demo_env.get("PATH", "")])
    # Register the machine's kubectl with kctx so version selection knows its version.
    subprocess.run([kctx_cmd, "kubectl", "add", kubectl], env=demo_env, capture_output=True, check=False)
    session = subprocess.run([kctx_cmd, "session", "start", "--pid", str(os.getpid())], env=demo_env,
                             capture_output=True, text=True, check=True).stdout.strip()
    demo_env["KCTX_SESSION"] = session
    return kctx_cmd


def _script(env: Environment, demo_env: dict[str, str], sb: Sandbox) -> int:
    out = env.stdout
    for title, cmd, extra in STEPS:
        step_env = dict(demo_env, **extra)
        from kctx.session.envfile import read

        step_env["KUBECONFIG"] = read(demo_env["KCTX_SESSION"]).get("KUBECONFIG", "")
        prefix = " ".join(f"{k}={v}" for k, v in extra.items())
        out.write(f"\n# {title}\n$ {prefix + ' ' if prefix else ''}{shlex.join(cmd)}\n")
        out.flush()
        proc = subprocess.run(cmd, env=step_env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              start_new_session=True, timeout=60)
        text = (proc.stdout + proc.stderr).replace(demo_env["HOME"], "~")
        out.write(text if text.endswith("\n") or not text else text + "\n")
        if proc.returncode:
            out.write(f"(exit status {proc.returncode})\n")
    writes = [r for r in sb.requests("prod") if r.method not in ("GET", "HEAD")]
    out.write(f"\n# what reached the protected cluster\nprod received {len(writes)} write request(s): "
              + ", ".join(f"{r.method} {r.path}" for r in writes) + "\n")
    return ExitStatus.OK


def _interactive(demo_env: dict[str, str], kctx_cmd: str) -> int:
    """Open kctx's interactive shell in the demo home.

    It runs in the terminal's foreground like any command of kctx's shell: Ctrl-C and Ctrl-\\ reach it
    (it passes them on to the command it runs) and not the demo, which must outlive it to clean up."""
    from kctx.repl.execute import foreground

    return foreground([kctx_cmd, "shell"], demo_env).code
