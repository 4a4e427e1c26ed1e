"""The hot set: every module the shim loads on a kubectl call, in load order (a module after its parent
package and after every kctx module it imports at its top level).

This list is the one place the rule lives. The shim's bundle is built from exactly these modules
(kctx/shim/bundle.py refuses a module that imports outside the list), and tests/test_hotset.py proves that
at their top level they import nothing but each other and the standard-library modules below: every other
import costs milliseconds on every kubectl call (yaml, json, re, typing, os...). Code in a hot module may
import anything inside a function that only a cold path runs.
"""

MODULES = (
    "kctx",
    "kctx.shim",
    "kctx.shim.memo",
    "__future__",
    "kctx.errors",
    "kctx.kubectl",
    "kctx.kubectl.flagtable",
    "kctx.kubectl.argv",
    "kctx.kubectl.classify",
    "kctx.util",
    "kctx.util.parsecache",
    "kctx.util.fastos",
    "kctx.kubectl.kuberc",
    "kctx.paths",
    "kctx.util.globmatch",
    "kctx.config",
    "kctx.guard",
    "kctx.kubeconfig",
    "kctx.kubeconfig.files",
    "kctx.kubeconfig.model",
    "kctx.kubeconfig.index",
    "kctx.guard.server",
    "kctx.guard.protection",
    "kctx.guard.target",
    "kctx.versions",
    "kctx.versions.cache",
    "kctx.versions.parse",
    "kctx.versions.store",
    "kctx.versions.misetoml",
    "kctx.versions.toolversions",
    "kctx.versions.select",
    "kctx.kubectl.binaries",
    "kctx.shim.exec",
    "kctx.session",
    "kctx.session.envfile",
    "kctx.guard.decision",
    "kctx.guard.audit",
    "kctx.guard.confirm",
    "kctx.guard.enforce",
    "kctx.guard.reach",
    "kctx.shim.bind",
    "kctx.guard.judge",
    "kctx.versions.failures",
    "kctx.versions.notices",
    "kctx.shim.recorder",
    "kctx.shim.fullpath",
)

# Standard-library modules hot modules may import at their top level: built into the interpreter (or, for
# __future__, already loaded by it), so importing them costs nothing.
STDLIB = frozenset({"__future__", "builtins", "marshal", "posix", "sys", "time"})
