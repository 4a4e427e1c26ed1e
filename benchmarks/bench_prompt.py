"""Prompt benchmarks: what kctx's prompt hook costs per prompt, unchanged and after a change.

    python benchmarks/bench_prompt.py [--prompts 1000] [--rounds 10]

Data: 250 kubeconfig files × 4 contexts (benchmarks/gen.py), the session on ctx-0517. Everything runs
inside one long-lived shell, timed with the shell's own clock (EPOCHREALTIME), in interleaved rounds so
machine noise hits every case alike; the table shows medians over rounds.

- unchanged prompt, bash: `__kctx_prompt_hook` plus expanding PS1 (`${PS1@P}`), minus the same PS1
  expansion without kctx (goal ≤ 1 ms). Anchor: a kube-ps1-like hook that forks
  `kubectl config current-context` at every prompt (written here; kube-ps1 itself is not used).
- unchanged prompt, zsh: `__kctx_precmd`; fish: `emit fish_prompt` (timed with `date`, outside the loop).
- changed state (goal ≤ 30 ms): the first prompt after `kctx use` ran as another process (kctx wrote
  the .env: read with built-ins), after a raw `kubectl config set-context` of the session, and after an
  edit of the kubeconfig file that defines the context (both: one `kctx session sync`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.gen import generate  # noqa: E402
from tests.kubectl_bins import kubectl_binary  # noqa: E402

BASH = r"""
eval "$(KCTX_INIT)"
kctx use ctx-0517 2>/dev/null
PS1='\u@\h:\w\$ '
__kctx_prompt_hook
ms() { echo $(( (${2/./} - ${1/./}) )); }  # microseconds between two EPOCHREALTIME values
anchor_hook() { __anchor_ctx=$(KUBECTL config current-context 2>/dev/null); }
for ((r = 0; r < ROUNDS; r++)); do
  s=$EPOCHREALTIME
  for ((i = 0; i < PROMPTS; i++)); do __kctx_prompt_hook; : "${PS1@P}"; done
  e=$EPOCHREALTIME
  echo "bash-unchanged $(( $(ms $s $e) / PROMPTS ))"
  plain=${PS1#*'}'}  # the same prompt without the segment, expanded without the hook
  s=$EPOCHREALTIME; for ((i = 0; i < PROMPTS; i++)); do : "${plain@P}"; done; e=$EPOCHREALTIME
  echo "bash-baseline $(( $(ms $s $e) / PROMPTS ))"
  s=$EPOCHREALTIME; for ((i = 0; i < ANCHOR; i++)); do anchor_hook; : "${PS1@P}"; done; e=$EPOCHREALTIME
  echo "bash-anchor $(( $(ms $s $e) / ANCHOR ))"
  # kctx wrote the .env (another process ran `kctx use`): built-ins only.
  "${__kctx_bin[@]}" use "ctx-000$((r % 2))" 2>/dev/null
  s=$EPOCHREALTIME; __kctx_prompt_hook; e=$EPOCHREALTIME
  echo "changed-by-kctx $(ms $s $e)"
  # kubectl rewrote the session behind kctx's back: one `kctx session sync`.
  KUBECTL config set-context --current --namespace="ns-$r" >/dev/null
  s=$EPOCHREALTIME; __kctx_prompt_hook; e=$EPOCHREALTIME
  echo "changed-by-kubectl $(ms $s $e)"
  [[ $KCTX_PROMPT_NAMESPACE == "ns-$r" ]] || echo "STALE after kubectl edit"
  # The user edited the kubeconfig file that defines the context.
  ln -f "${KCTX_SESSION%.json}.env" "$BENCH_TMP/env-before"  # a sync replaces the .env: a new inode
  printf '\n' >> "${__kctx_deps[1]}"
  s=$EPOCHREALTIME; __kctx_prompt_hook; e=$EPOCHREALTIME
  echo "changed-by-file $(ms $s $e)"
  if [[ ${KCTX_SESSION%.json}.env -ef $BENCH_TMP/env-before ]]; then echo "STALE after file edit"; fi
done
"""

ZSH = r"""
eval "$(KCTX_INIT)"
zmodload zsh/datetime
kctx use ctx-0517 2>/dev/null
__kctx_precmd
for ((r = 0; r < ROUNDS; r++)); do
  s=$EPOCHREALTIME; for ((i = 0; i < PROMPTS; i++)); do __kctx_precmd; done; e=$EPOCHREALTIME
  printf 'zsh-unchanged %d\n' $(( (e - s) * 1e6 / PROMPTS ))
done
"""

FISH = r"""
KCTX_INIT | source
kctx use ctx-0517 2>/dev/null
emit fish_prompt
for r in (seq ROUNDS)
    set -l s (date +%s%N)
    for i in (seq PROMPTS)
        emit fish_prompt
    end
    set -l e (date +%s%N)
    echo fish-unchanged (math --scale 0 "($e - $s) / 1000 / PROMPTS")
end
"""


def run(argv: list[str], script: str, env: dict[str, str]) -> str:
    p = subprocess.run([*argv, script], env=env, capture_output=True, text=True, timeout=1800)
    if p.returncode != 0 or "STALE" in p.stdout:
        sys.exit(f"{argv[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p.stdout


def samples(out: str) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for line in out.splitlines():
        name, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            found.setdefault(name, []).append(int(value) / 1000)  # µs -> ms
    return found


def script(template: str, init: str, fill: dict[str, str]) -> str:
    text = template.replace("KCTX_INIT", init)
    for key, value in fill.items():
        text = text.replace(key, value)
    return text


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=1000)
    ap.add_argument("--anchor", type=int, default=20, help="anchor prompts per round (each forks kubectl)")
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    kubectl = str(kubectl_binary())
    init = f"{sys.executable} -m kctx init"
    tmp = Path(tempfile.mkdtemp(prefix="kctx-bench-prompt-"))
    try:
        home = tmp / "home"
        files = generate(home / ".kube" / "configs")
        shutil.copy(files[0], home / ".kube" / "config")
        (tmp / "run").mkdir(mode=0o700)
        env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_RUNTIME_DIR": str(tmp / "run"),
               "NO_COLOR": "1", "TERM": "dumb", "LANG": os.environ.get("LANG", "C.UTF-8")}
        subprocess.run([sys.executable, "-m", "kctx", "ls"], env=env, stdout=subprocess.DEVNULL, check=True)
        fill = {"KUBECTL": kubectl, "ROUNDS": str(args.rounds), "PROMPTS": str(args.prompts),
                "ANCHOR": str(args.anchor), "BENCH_TMP": str(tmp)}
        got = samples(run(["bash", "--norc", "--noprofile", "-c"], script(BASH, f"{init} bash", fill), env))
        if shutil.which("zsh"):
            got.update(samples(run(["zsh", "-f", "-c"], script(ZSH, f"{init} zsh", fill), env)))
        if shutil.which("fish"):
            got.update(samples(run(["fish", "--no-config", "-c"], script(FISH, f"{init} fish", fill), env)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = {name: statistics.median(xs) for name, xs in got.items()}
    added = med["bash-unchanged"] - med["bash-baseline"]
    print(f"Prompt benchmarks: 250 files × 4 contexts; {args.prompts} prompts × {args.rounds} rounds, "
          "medians (ms per prompt)\n")
    print("| measurement | kctx | anchor | goal |")
    print("|---|---|---|---|")
    print(f"| bash, unchanged prompt (hook + PS1; added to a plain PS1: {added:.3f}) | "
          f"{med['bash-unchanged']:.3f} | {med['bash-anchor']:.1f} (forks `kubectl config current-context`) "
          "| ≤ 1 ms |")
    if "zsh-unchanged" in med:
        print(f"| zsh, unchanged prompt (precmd hook) | {med['zsh-unchanged']:.3f} | — | ≤ 1 ms |")
    if "fish-unchanged" in med:
        print(f"| fish, unchanged prompt (`emit fish_prompt`) | {med['fish-unchanged']:.3f} | — | ≤ 1 ms |")
    print(f"| first prompt after `kctx use` in another process (.env read) | {med['changed-by-kctx']:.3f} "
          "| — | ≤ 30 ms |")
    print(f"| first prompt after raw `kubectl config set-context` (session sync) | "
          f"{med['changed-by-kubectl']:.1f} | — | ≤ 30 ms |")
    print(f"| first prompt after editing the context's kubeconfig file (session sync) | "
          f"{med['changed-by-file']:.1f} | — | ≤ 30 ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
