"""`kctx doctor`'s credential checks: exec plugins missing from PATH, client certificates and JWT bearer tokens
expired or about to (offline, from the kubeconfig index), and with --online who each context is on its cluster
(`kubectl auth whoami`, every context in parallel, each bounded in time). Never prints a token or a key.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from kctx.commands.doctor_finding import Finding, more
from kctx.errors import KctxError
from kctx.workspace import Workspace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from kctx.kubeconfig.model import Context

SOON = 14 * 86400  # warn this long before a credential expires
ONLINE_TIMEOUT = 10.0  # seconds per context, kubectl's own request timeout included
ONLINE_JOBS = 8
# The usual exec credential plugins and how to get them.
PLUGIN_HINTS = {
    "gke-gcloud-auth-plugin": "gcloud components install gke-gcloud-auth-plugin",
    "gcloud": "install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install)",
    "aws": "install the AWS CLI v2 (https://aws.amazon.com/cli/)",
    "aws-iam-authenticator": "install aws-iam-authenticator (https://github.com/kubernetes-sigs/aws-iam-authenticator)",
    "kubelogin": "install kubelogin: az aks install-cli, or https://azure.github.io/kubelogin/",
    "kubectl-oidc_login": "kubectl krew install oidc-login",
    "doctl": "install doctl (https://docs.digitalocean.com/reference/doctl/how-to/install/)",
    "oci": "install the OCI CLI (https://docs.oracle.com/iaas/Content/API/SDKDocs/cliinstall.htm)",
    "teleport": "install Teleport's tsh (https://goteleport.com/docs/installation/)",
    "tsh": "install Teleport's tsh (https://goteleport.com/docs/installation/)",
}


def usable_contexts(ws: Workspace) -> list[Context]:
    view = ws.view
    return [c for c in view.contexts() if not view.dangling(c)]


def offline(ws: Workspace, now: float | None = None) -> list[Finding]:
    """Missing exec plugins, expired and expiring credentials, per context."""
    now = time.time() if now is None else now
    path = ws.env.environ.get("PATH", "")
    missing: dict[str, list[str]] = {}
    expired, soon = [], []
    for ctx in usable_contexts(ws):
        entry = ws.view.user_entry(ctx.user) if ctx.user else {}
        command = entry.get("exec", "")
        if command and not _runnable(command, path):
            missing.setdefault(command, []).append(ctx.name)
        expires, what = entry.get("expires", 0), entry.get("expiring", "credential")
        if expires and expires <= now:
            expired.append(f'context "{ctx.name}": its {what} (user "{ctx.user}") expired {_when(expires, now)}')
        elif expires and expires - now <= SOON:
            soon.append(f'context "{ctx.name}": its {what} (user "{ctx.user}") expires {_when(expires, now)}')
    out = [Finding("fail", "credentials", f'exec plugin "{cmd}" is not on PATH (used by {_names(names)})',
                   PLUGIN_HINTS.get(os.path.basename(cmd), f"install {cmd}, or put it on PATH"))
           for cmd, names in sorted(missing.items())]
    out += [Finding("fail", "credentials", text, "log in again or get a new credential (kctx onboard --refresh "
                                                 "for team clusters)") for text in more(expired)]
    out += [Finding("warn", "credentials", text, "renew it before it expires") for text in more(soon)]
    return out or [Finding("ok", "credentials", "no exec plugin missing, no client certificate or token "
                                                "expired or expiring within 14 days")]


def _runnable(command: str, path: str) -> bool:
    if os.sep in command:
        return os.path.isfile(command) and os.access(command, os.X_OK)
    return shutil.which(command, path=path) is not None


def _names(names: list[str]) -> str:
    shown = ", ".join(f'"{n}"' for n in names[:3])
    return f"context {shown}" if len(names) == 1 else f"contexts {shown}" + (
        f" and {len(names) - 3} more" if len(names) > 3 else "")


def _when(at: float, now: float) -> str:
    days = abs(at - now) / 86400
    span = f"{days:.0f} days" if days >= 2 else f"{abs(at - now) / 3600:.0f} hours"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at))
    return f"on {stamp} ({span} {'ago' if at <= now else 'from now'})"


# ---------------------------------------------------------------- --online


def online(ws: Workspace, timeout: float = ONLINE_TIMEOUT, jobs: int = ONLINE_JOBS) -> list[Finding]:
    """Reachability and identity of every usable context, asked of its cluster by the kubectl kctx picks for it."""
    contexts = usable_contexts(ws)
    if not contexts:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(contexts)))) as pool:
        results = list(pool.map(lambda c: whoami(ws, c, timeout), contexts))
    bad = [(level, text, fix) for level, text, fix in results if level != "ok"]
    good = [text for level, text, _ in results if level == "ok"]
    out = [Finding(level, "online", text, fix) for level, text, fix in bad[:10]]
    if len(bad) > 10:
        out.append(Finding("fail", "online", f"… and {len(bad) - 10} more"))
    out += [Finding("ok", "online", text) for text in more(good)]
    return out


def whoami(ws: Workspace, ctx: Context, timeout: float) -> tuple[str, str, str]:
    """(level, text, fix) for one context: `kubectl auth whoami` against its cluster, bounded by ``timeout``."""
    name = f'context "{ctx.name}"'
    try:
        binary = _kubectl(ws, ctx.name)
    except KctxError as exc:
        return "fail", f"{name}: no kubectl to ask with: {exc.message}", "kctx kubectl install VERSION"
    argv = [binary, f"--context={ctx.name}", f"--request-timeout={max(1, int(timeout) - 1)}s", "auth", "whoami",
            "-o", "jsonpath={.status.userInfo.username}"]
    environ = {**ws.env.environ, "KUBECONFIG": os.pathsep.join(files_for(ws, ctx))}
    try:
        done = subprocess.run(argv, env=environ, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        return "fail", f"{name}: no answer within {timeout:.0f} s", "check the network, VPN or proxy to the cluster"
    except OSError as exc:
        return "fail", f"{name}: cannot run {binary}: {exc.strerror or exc}", "kctx kubectl install VERSION"
    if done.returncode == 0:
        return "ok", f"{name}: reachable, you are {done.stdout.strip() or '(no user name)'}", ""
    why = _last_line(done.stderr)
    if "Unauthorized" in why or "must be logged in" in why:
        return "fail", f"{name}: reachable, but the server refuses the credential (401)", "log in again"
    if "could not find the requested resource" in why or "Forbidden" in why or "forbidden" in why:
        return "ok", f"{name}: reachable (the server does not say who you are)", ""
    return "fail", f"{name}: unreachable: {why}", "check the server address, network, VPN or proxy"


def _kubectl(ws: Workspace, name: str) -> str:
    from kctx.onboard.kubectl import target_for
    from kctx.versions.select import choose

    c = choose(target_for(ws, name), ws.config, ws.env.environ, os.getcwd(), ws.paths, detect=True,
               install=False, mark=False)
    if not c.path:
        raise KctxError(c.why or "none is installed")
    return c.path


def files_for(ws: Workspace, ctx: Context) -> list[str]:
    """The known files kubectl needs to use ``ctx`` as kctx sees it, in kctx's order (so the same entries win)."""
    needed = {ctx.file, *ws.view.files_for(ctx.cluster, ctx.user)}
    return [f for f in ws.known_files if f in needed] or [ctx.file]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[-1] if lines else "kubectl failed without a message"
    return line[:200]
