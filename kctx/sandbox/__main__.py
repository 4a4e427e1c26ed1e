"""`python -m kctx.sandbox`: run sandbox clusters until Ctrl-C or SIGTERM, for trying things by hand."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from kctx.sandbox import ClusterSpec, Sandbox


def parse_clusters(text: str) -> list[ClusterSpec]:
    """"dev=v1.36.4,prod=v1.37.1:cert" -> specs; the version and ":cert"/":token" are optional."""
    specs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        item, _, auth = item.partition(":")
        name, _, version = item.partition("=")
        spec = ClusterSpec(name.strip())
        if version:
            spec.version = version.strip()
        if auth:
            spec.auth = auth.strip()
        specs.append(spec)
    return specs


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m kctx.sandbox",
                                     description="Loopback stand-in Kubernetes API servers (not Kubernetes).")
    parser.add_argument("--clusters", default="dev=v1.36.4,prod=v1.37.1",
                        help='e.g. "dev=v1.36.4,prod=v1.37.1:cert" (default: %(default)s)')
    parser.add_argument("--kubeconfig", type=Path, help="where to write the kubeconfig (mode 0600)")
    parser.add_argument("--context-prefix", default="", help="prefix for context/cluster/user names")
    parser.add_argument("--log", action="store_true", help="print each request as it arrives")
    return parser.parse_args(argv)


def _print_new_requests(sandbox: Sandbox, seen: dict[str, int]) -> None:
    for name in sandbox.names:
        entries = sandbox.requests(name)
        for r in entries[seen.get(name, 0):]:
            stamp = time.strftime("%H:%M:%S", time.localtime(r.time))
            query = f"?{r.query}" if r.query else ""
            print(f"{stamp} {name:<10} {r.user:<20} {r.method:<6} {r.path}{query}", flush=True)
        seen[name] = len(entries)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    try:
        specs = parse_clusters(args.clusters)
        sandbox = Sandbox(specs).start()
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with sandbox:
        assert sandbox.workdir is not None
        kubeconfig = sandbox.write_kubeconfig(args.kubeconfig or sandbox.workdir / "kubeconfig",
                                              context_prefix=args.context_prefix)
        print(f"kctx sandbox started in {(sandbox.startup_seconds or 0) * 1000:.0f} ms; Ctrl-C to stop")
        for spec in specs:
            print(f"  {spec.name:<12} {spec.version:<10} {sandbox.server_url(spec.name)}  ({spec.auth})")
        print(f"kubeconfig: {kubeconfig}\ntry: kubectl --kubeconfig {kubeconfig} get ns", flush=True)
        seen: dict[str, int] = {}
        while not stop.wait(0.3):  # a timed wait keeps signal handling prompt
            if args.log:
                _print_new_requests(sandbox, seen)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
