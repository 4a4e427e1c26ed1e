"""kubectl reaches every context kctx lists: the kubeconfig files a call needs beyond the ones kubectl reads.

Inside a session KUBECONFIG lists only the session file and the files its current context needs (so kubectl
stays as fast as with one file when 1000 contexts are known), and outside one kubectl never reads the
config's `kubeconfigs:` globs. kctx lists all of those contexts. So a call that names another context (with
--context, a kuberc default, or a current context no file of kubectl's defines) gets the files that context
needs appended, for this call only; a listing (`config get-contexts`, `get-clusters`, `get-users`) and a
completion of a --context value get every file kctx knows. kubectl's own files stay first, so the entries that
win for kubectl still win, as they do in kctx's own view (kctx/kubeconfig/files.py: known_files).

Hot path only when the context is missing from kubectl's files (kubectl would fail) or for those listings.
"""

from __future__ import annotations

from kctx.config import Config
from kctx.kubeconfig import files as kfiles
from kctx.kubeconfig.model import View
from kctx.kubectl.argv import COMPLETION_COMMANDS, KubectlArgs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from kctx.paths import Paths

LISTINGS = frozenset({("config", "get-contexts"), ("config", "get-clusters"), ("config", "get-users")})
SEP = "\x1f"  # between the items of a list in a session's .env (kctx/session/store.py)


def wider(args: KubectlArgs, argv: list[str], environ: Mapping[str, str], paths: Paths, config: Config,
          view: View) -> str:
    """The KUBECONFIG value this call needs when kubectl's own files are not enough; "" when they are (or when
    --kubeconfig names the one file kubectl reads). ``view``: the merge of kubectl's own files."""
    if args.globals.get("kubeconfig"):
        return ""
    everything = args.command[:2] in LISTINGS or _completes_context(args, argv)
    name = args.globals.get("context") or view.current_context
    if not everything and (not name or view.has_context(name)):
        return ""
    current = kfiles.absolute(kfiles.kubectl_files(environ, paths))
    known = known_files(environ, paths, config)
    if everything:
        wanted = set(known)
    else:
        from kctx.kubeconfig import index

        ctx = index.view(known, paths.index_dir, lazy=True).context(name)
        if ctx is None:
            return ""  # kctx does not know it either: kubectl reports it
        full = index.view(known, paths.index_dir, lazy=True)
        wanted = {ctx.file, *full.files_for(ctx.cluster, ctx.user)}
    have = set(current)
    more = [f for f in known if f in wanted and f not in have]
    return ":".join([*current, *more]) if more else ""


def _completes_context(args: KubectlArgs, argv: list[str]) -> bool:
    """A shell completion request for the value of --context (cobra lists the contexts kubectl knows)."""
    if not args.command[:1] or args.command[0] not in COMPLETION_COMMANDS or not argv:
        return False
    return argv[-1].startswith("--context=") or (len(argv) > 1 and argv[-2] == "--context")


def known_files(environ: Mapping[str, str], paths: Paths, config: Config) -> list[str]:
    """kctx's view: this shell's own kubectl files (a session's base, not its narrowed KUBECONFIG), then the
    config's globs."""
    session = environ.get("KCTX_SESSION", "")
    base: list[str] = []
    if session:
        from kctx.session.envfile import read

        base = [b for b in read(session).get("KCTX_BASE", "").split(SEP) if b]
    if not base:
        base = kfiles.kubectl_files(environ, paths)
    return kfiles.known_files(base, config.kubeconfigs, environ.get("HOME", ""), environ)
