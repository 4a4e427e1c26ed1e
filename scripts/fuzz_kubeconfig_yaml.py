#!/usr/bin/env python3
"""Differential fuzzing of kctx's kubeconfig reading against the real kubectl (tests/yaml_oracle.py).

Generates kubeconfig files, reads each with kubectl and with kctx, and saves every file on which they
disagree (kctx reads another value, or reads a file kubectl refuses; with --fail-closed also the files kctx
refuses and kubectl reads) under --out, with what each reader said. A case worth keeping goes into the table
of tests/yaml_cases.py, which tests/test_yaml_oracle.py runs against the oldest and the newest kubectl.

    python3 scripts/fuzz_kubeconfig_yaml.py --examples 2000 --minor 1.37 --out /tmp/yaml-fuzz
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests import yaml_oracle  # noqa: E402
from tests.kubectl_bins import kubectl_binary  # noqa: E402


def fuzz(examples: int, minor: str, out: Path, fail_closed: bool) -> Counter:
    kubectl = kubectl_binary(minor)
    counts: Counter = Counter()
    out.mkdir(parents=True, exist_ok=True)

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(yaml_oracle.documents())
    def one(data: bytes) -> None:
        data = yaml_oracle.fill_in(data)
        with tempfile.TemporaryDirectory() as tmp:
            path = yaml_oracle.write_case(Path(tmp), data)
            theirs = yaml_oracle.kubectl_reading(kubectl, path)
            ours = yaml_oracle.kctx_reading(path)
        outcome = yaml_oracle.compare(theirs, ours)
        counts[outcome] += 1
        if outcome in ("differ", "kubectl-refuses") or (fail_closed and outcome == "fail-closed"):
            n = sum(counts.values())
            (out / f"case-{n}.yaml").write_bytes(data)
            (out / f"case-{n}.txt").write_text(f"{outcome}: {yaml_oracle.explain(theirs, ours)}\n")

    one()
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=500)
    ap.add_argument("--minor", default="1.37")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "kctx-yaml-fuzz")
    ap.add_argument("--fail-closed", action="store_true", help="also keep files kctx refuses and kubectl reads")
    args = ap.parse_args()
    counts = fuzz(args.examples, args.minor, args.out, args.fail_closed)
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())), f"cases in {args.out}")
    return 1 if counts["differ"] or counts["kubectl-refuses"] else 0


if __name__ == "__main__":
    sys.exit(main())
