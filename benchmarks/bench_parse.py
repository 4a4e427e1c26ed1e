"""Kubeconfig parsing speed: this checkout's parse_file against another tree's, paired on the same files.

    python benchmarks/bench_parse.py [--anchor PATH_OF_ANOTHER_CHECKOUT] [--rounds 9]

Files (benchmarks/gen.py): the 250 generated files (4 contexts each, ~1.5 KB certificate blobs) as kubectl
writes them, read by the small reader; one file with all 1000 contexts (~5.5 MB), block style; the same big
file with one flow mapping, which only the full reader takes; and the big file as JSON. Each round parses
every case in a fresh process per tree (interleaved), timing parse_file alone (CPU time: the best of three
reads in the process); medians in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.gen import generate  # noqa: E402

# Run in a child with the tree on sys.path: parse each file `repeat` times, print the best total in ms.
CHILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from kctx.kubeconfig.parse import parse_file
files, repeat = sys.argv[3:], int(sys.argv[2])
best = float("inf")
for _ in range(repeat):
    start = time.process_time()
    for f in files:
        idx = parse_file(f)
        assert not idx.error, idx.error
    best = min(best, time.process_time() - start)
print(best * 1000)
"""


def cases(folder: Path) -> dict[str, list[str]]:
    files = generate(folder / "files")
    docs = [yaml.safe_load(f.read_text()) for f in files]
    big = dict(docs[0])
    for key in ("clusters", "users", "contexts"):
        big[key] = [item for d in docs for item in d[key]]
    block = folder / "big.yaml"
    block.write_text(yaml.safe_dump(big, sort_keys=False))
    flow = folder / "big-flow.yaml"
    flow.write_text(yaml.safe_dump(big, sort_keys=False).replace("preferences: {}", "preferences: {colors: true}"))
    as_json = folder / "big.json"
    as_json.write_text(json.dumps(big, indent=2))
    return {"250 files, small reader": [str(f) for f in files], "1 file, 1000 contexts, small reader": [str(block)],
            "1 file, 1000 contexts, full reader": [str(flow)], "1 file, 1000 contexts, JSON": [str(as_json)]}


def measure(tree: Path, files: list[str]) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, str(tree), "3", *files], capture_output=True, text=True,
                         env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, check=True)
    return float(out.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--anchor", type=Path, help="another checkout to compare with")
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    trees = {"this": ROOT, **({"anchor": args.anchor.resolve()} if args.anchor else {})}
    with tempfile.TemporaryDirectory() as tmp:
        table = cases(Path(tmp))
        samples: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for case, files in table.items():
                for name, tree in trees.items():
                    samples.setdefault((case, name), []).append(measure(tree, files))
    print("| case | " + " | ".join(trees) + " |\n|---|" + "---|" * len(trees))
    for case in table:
        cells = [f"{statistics.median(samples[case, name]):.1f} ms" for name in trees]
        print(f"| {case} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
