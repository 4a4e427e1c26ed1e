"""`kctx prompt`: print the prompt segment, for prompt engines that run a command per segment
(starship's `custom` module, oh-my-posh's `command` segment).

The shells themselves never run this: `kctx init` renders the same segment with built-ins. Both follow
the same settings (KCTX_PROMPT, KCTX_PROMPT_FORMAT, KCTX_PROMPT_SYMBOL, KCTX_PROMPT_COLOR,
KCTX_PROMPT_COLOR_PROTECTED, KCTX_PROMPT_COLORS, KCTX_PROMPT_OVERRIDE_MARK, KCTX_PROMPT_EXPIRED_MARK,
NO_COLOR); docs/shell.md.
Hot command: no argparse, json or pathlib when the session's .env is current.
"""

from __future__ import annotations

import os
import time

from kctx.commands._args import simple
from kctx.commands.helptext import Help
from kctx.env import Environment
from kctx.errors import ExitStatus, KctxError, UsageError

TYPE_CHECKING = False  # typing is slow to import; annotations only
if TYPE_CHECKING:
    from collections.abc import Mapping

HELP = Help(
    ["prompt [--format FORMAT] [--color auto|always|never] [--shell bash|zsh|fish|plain]", "prompt on|off|toggle"],
    """
Print this shell's prompt segment, e.g. "⎈ prod:web" (for starship / oh-my-posh custom segments).
FORMAT placeholders: {symbol} {context} {namespace} {override} {unlock} (the marks: ! an override, ? stale
state, KCTX_PROMPT_EXPIRED_MARK (✗) a credential known to have expired; {unlock}: this shell's unlock
and the time left). on/off/toggle change the
current shell only, so the `kctx` shell function from `kctx init` handles them (or set
KCTX_PROMPT=on|off yourself).
""",
    [("kctx prompt", "the segment, coloured on a terminal"), ("kctx prompt --format '{context}'", "the name alone"),
     ("kctx prompt off", "hide the segment in this shell")],
    [("actions", [("on, off, toggle", "show or hide the segment in this shell")]),
     ("options", [("--format FORMAT", "the text, with the placeholders above"),
                  ("--color WHEN", "auto (default: on a terminal, not with NO_COLOR), always or never"),
                  ("--shell SHELL", "wrap colours in bash's, zsh's or fish's non-printing markers, or plain")])])
DEFAULT_FORMAT = "{symbol} {context}:{namespace}{override}{unlock}"
COLORS = {"black": "30", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35",
          "cyan": "36", "white": "37"}
WRAP = {"bash": ("\001", "\002"), "zsh": ("%{", "%}"), "fish": ("", ""), "plain": ("", "")}


def run(argv: list[str], env: Environment) -> int:
    flags, pos = simple(argv, "prompt", HELP, {"--format": "format", "--color": "color", "--shell": "shell"})
    if pos:
        if pos[0] in ("on", "off", "toggle"):
            raise UsageError(f"kctx prompt {pos[0]} changes the current shell, so it needs the shell "
                             "function from 'kctx init' (or set KCTX_PROMPT=on|off in the shell)")
        raise UsageError(f"prompt: unexpected argument {pos[0]!r} (see 'kctx prompt -h')")
    color_mode = flags.get("color", "auto")
    if color_mode not in ("auto", "always", "never"):
        raise UsageError(f"prompt: --color must be auto, always or never, not {color_mode!r}")
    shell = flags.get("shell", "plain")
    if shell not in WRAP:
        raise UsageError(f"prompt: --shell must be bash, zsh, fish or plain, not {shell!r}")
    environ = env.environ
    if environ.get("KCTX_PROMPT", "on") == "off":
        return int(ExitStatus.OK)
    # An explicit --color beats NO_COLOR (no-color.org); "auto" respects it, then asks the terminal.
    color = color_mode == "always" or (color_mode == "auto" and not environ.get("NO_COLOR")
                                       and env.stdout_isatty)
    values = state(env)
    values.update(unlock_values(env))
    segment = render(values, environ, color=color, shell=shell, fmt=flags.get("format"))
    if segment:
        env.stdout.write(segment + "\n")
    return int(ExitStatus.OK)


# --- state --------------------------------------------------------------------------------------------

def state(env: Environment) -> dict[str, str]:
    """KCTX_CONTEXT, KCTX_NAMESPACE, KCTX_PROTECTED for this shell (the session's .env, kept current)."""
    session = env.environ.get("KCTX_SESSION", "")
    if not session:
        return _outside_session(env)
    from kctx.session.envfile import env_path, read

    values = read(session)
    if _stale(session, env_path(session), values, env):
        # kubectl or an editor changed a file behind kctx's back: the same re-derivation as the shells'.
        from kctx.session import ops as session_ops
        from kctx.workspace import Workspace

        try:
            ws = Workspace(env)
            with session_ops.edit(ws) as s:
                session_ops.save(ws, s)
        except KctxError:
            return dict(read(session), stale="1")  # show what we had, marked "?": never silently stale
        values = read(session)
    return values


def unlock_values(env: Environment) -> dict[str, str]:
    """KCTX_UNLOCK (time left) and KCTX_UNLOCK_CONTEXT while this shell has an unlock (kctx unlock)."""
    import time

    from kctx.guard.unlock import current, left_text

    u = current(env.paths)
    return {} if u is None else {"KCTX_UNLOCK": left_text(u.left(time.time())), "KCTX_UNLOCK_CONTEXT": u.context}


def dependencies(session: str, values: dict[str, str], env: Environment) -> list[str]:
    """The files whose change can change the segment: the session, the kubeconfig files it uses, the
    file that defines its context, and the kctx config (protection rules)."""
    files = [f for f in values.get("KUBECONFIG", session).split(os.pathsep) if f]
    if values.get("KCTX_CONTEXT_FILE"):
        files.append(values["KCTX_CONTEXT_FILE"])
    files.append(env.paths.config_file)
    return files


def _stale(session: str, env_file: str, values: dict[str, str], env: Environment) -> bool:
    try:
        written = os.stat(env_file).st_mtime_ns
    except OSError:
        return True
    for path in dependencies(session, values, env):
        try:
            if os.stat(path).st_mtime_ns > written:
                return True
        except OSError:
            continue
    return False


def _outside_session(env: Environment) -> dict[str, str]:
    """No `kctx init` in this shell: what kubectl itself would use."""
    from kctx.guard.target import resolve
    from kctx.workspace import Workspace

    ws = Workspace(env)
    t = resolve({}, env.environ, ws.paths, ws.config)
    expires = t._view.user_entry(t.user).get("expires", 0) if t._view is not None and t.user else 0
    return {"KCTX_CONTEXT": t.context, "KCTX_NAMESPACE": t.namespace if t.context else "",
            "KCTX_PROTECTED": "1" if t.protected else "0", "KCTX_EXPIRES": str(expires or "")}


# --- rendering (kept in step with kctx.bash, kctx.zsh and kctx.fish) -----------------------------------

def render(values: dict[str, str], environ: Mapping[str, str], *, color: bool, shell: str = "plain",
           fmt: str | None = None) -> str:
    context = _printable(values.get("KCTX_CONTEXT", ""))
    if not context:
        return ""
    namespace = _printable(values.get("KCTX_NAMESPACE", ""))
    mark = override_mark(context, environ) + ("?" if values.get("stale") else "") + expired_mark(values, environ)
    unlock = ""
    if values.get("KCTX_UNLOCK"):
        unlock = f" unlocked {values['KCTX_UNLOCK']}"
        if values.get("KCTX_UNLOCK_CONTEXT") != values.get("KCTX_CONTEXT"):
            unlock = " " + _printable(values.get("KCTX_UNLOCK_CONTEXT", "")) + unlock
    text = fmt or environ.get("KCTX_PROMPT_FORMAT") or DEFAULT_FORMAT
    if shell == "zsh":
        context, namespace, mark, unlock = (s.replace("%", "%%") for s in (context, namespace, mark, unlock))
    for key, value in (("{symbol}", environ.get("KCTX_PROMPT_SYMBOL", "⎈")), ("{override}", mark), ("{unlock}", unlock),
                       ("{namespace}", namespace), ("{context}", context)):
        text = text.replace(key, value)
    sgr = color_code(context, values.get("KCTX_PROTECTED") == "1", environ) if color else ""
    if not sgr:
        return text
    start, end = WRAP[shell]
    return f"{start}\033[{sgr}m{end}{text}{start}\033[0m{end}"


def override_mark(context: str, environ: Mapping[str, str]) -> str:
    """Shown when this shell overrides kctx's usual decision: the guard is bypassed for this context
    (KCTX_CONFIRM) or the kubectl version is pinned (KCTX_KUBECTL_VERSION)."""
    if environ.get("KCTX_CONFIRM") == context or environ.get("KCTX_KUBECTL_VERSION"):
        return environ.get("KCTX_PROMPT_OVERRIDE_MARK", "!")
    return ""


def expired_mark(values: dict[str, str], environ: Mapping[str, str]) -> str:
    """Shown when the context's credential is known to have expired (a client certificate's notAfter or a JWT's
    exp, read when the kubeconfig was indexed)."""
    expires = values.get("KCTX_EXPIRES", "")
    if expires.isdigit() and int(expires) <= time.time():
        return environ.get("KCTX_PROMPT_EXPIRED_MARK", "✗")
    return ""


def color_code(context: str, protected: bool, environ: Mapping[str, str]) -> str:
    """SGR parameters: protected contexts in bold KCTX_PROMPT_COLOR_PROTECTED (red); others by the
    first matching glob of KCTX_PROMPT_COLORS ("prod*=red stag*=yellow"), else KCTX_PROMPT_COLOR."""
    if protected:
        code = _sgr(environ.get("KCTX_PROMPT_COLOR_PROTECTED", "red"))
        return f"1;{code}" if code else ""
    from fnmatch import fnmatchcase

    name = environ.get("KCTX_PROMPT_COLOR", "cyan")
    for pair in environ.get("KCTX_PROMPT_COLORS", "").split():
        glob, _, value = pair.rpartition("=")
        if glob and fnmatchcase(context, glob):
            name = value
            break
    return _sgr(name)


def _sgr(name: str) -> str:
    if name in COLORS:
        return COLORS[name]
    return f"38;5;{name}" if name.isdigit() else ""


def _printable(text: str) -> str:
    """Names come from kubeconfig files: no control character may reach the terminal."""
    return "".join("?" if ord(c) < 32 or ord(c) == 127 else c for c in text)
