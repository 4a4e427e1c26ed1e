"""Which kubeconfig files exist for kubectl, and which ones kctx knows about. Standard library only."""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping

from kctx.paths import Paths


def split_kubeconfig(value: str) -> list[str]:
    """Split a KUBECONFIG value like client-go: empty entries dropped, duplicates removed, order kept."""
    out: list[str] = []
    for part in value.split(os.pathsep):
        if part and part not in out:
            out.append(part)
    return out


def kubectl_files(environ: Mapping[str, str], paths: Paths, explicit: str = "") -> list[str]:
    """The files kubectl itself reads: --kubeconfig, else $KUBECONFIG, else ~/.kube/config."""
    if explicit:
        return [explicit]
    env = environ.get("KUBECONFIG", "")
    if env:
        return split_kubeconfig(env)
    return [str(paths.default_kubeconfig())]


def expand_globs(patterns: list[str], home: str) -> list[str]:
    out: list[str] = []
    for pat in patterns:
        if pat.startswith("~"):
            pat = home + pat[1:]
        pat = os.path.expandvars(pat)
        hits = sorted(glob.glob(pat)) if glob.has_magic(pat) else [pat]
        for hit in hits:
            name = os.path.basename(hit)
            # Skip our own lock/temp files and editor leftovers that may sit in ~/.kube/configs/.
            if name.startswith(".") or name.endswith((".lock", ".tmp", ".swp", "~", ".bak")):
                continue
            if hit not in out:
                out.append(hit)
    return out


def known_files(base: list[str], patterns: list[str], home: str) -> list[str]:
    """kctx's view: kubectl's files first (so kubectl's winners stay winners), then the config globs."""
    out = [os.path.abspath(os.path.expanduser(p)) for p in base]
    for hit in expand_globs(patterns, home):
        full = os.path.abspath(hit)
        if full not in out:
            out.append(full)
    return out
