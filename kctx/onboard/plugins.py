"""Programs a kubeconfig makes kubectl run: ``users[].user.exec`` credential plugins (kubectl runs them on
every call that needs the user's credentials) and ``auth-provider`` entries (gcp's ``cmd-path`` ran a
program too, before kubectl 1.26 removed it).

Where kubectl finds an exec program (client-go): a command with a slash that is not absolute is relative to
the kubeconfig's folder; a bare name is looked up on PATH.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass
class Plugin:
    user: str
    command: str  # as the kubeconfig writes it ("" for an auth-provider that runs nothing)
    args: list[str] = field(default_factory=list)
    env: list[str] = field(default_factory=list)  # NAME=value
    provider: str = ""  # the auth-provider's name; "" for exec
    install_hint: str = ""
    contexts: list[str] = field(default_factory=list)  # the contexts that use this user

    @property
    def is_exec(self) -> bool:
        return not self.provider

    def describe(self) -> str:
        if self.provider and not self.command:
            return f"auth-provider {self.provider}"
        line = shlex.join([self.command, *self.args])
        env = f" (env: {' '.join(self.env)})" if self.env else ""
        return f"{line}{env}" if self.is_exec else f"auth-provider {self.provider}: {line}"

    def used_by(self) -> str:
        if not self.contexts:
            return f"user {self.user} (no context uses it)"
        return f"user {self.user} ({'context' if len(self.contexts) == 1 else 'contexts'} {', '.join(self.contexts)})"


def found_in(data: bytes | None) -> list[Plugin]:
    """The plugins of a kubeconfig given as bytes; [] for anything that is not a readable kubeconfig."""
    import yaml

    try:
        doc = yaml.safe_load(data) if data else None
    except (yaml.YAMLError, UnicodeDecodeError):
        return []
    if not isinstance(doc, dict):
        return []
    users = {}
    for entry in _entries(doc, "users"):
        user = entry.get("user")
        plugin = _plugin(str(entry.get("name", "")), user) if isinstance(user, dict) else None
        if plugin is not None:
            users[plugin.user] = plugin
    for entry in _entries(doc, "contexts"):
        context = entry.get("context")
        who = context.get("user") if isinstance(context, dict) else None
        if isinstance(who, str) and who in users:
            users[who].contexts.append(str(entry.get("name", "")))
    return list(users.values())


def _entries(doc: dict[str, object], key: str) -> list[dict[str, object]]:
    items = doc.get(key)
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _plugin(name: str, user: dict[str, object]) -> Plugin | None:
    run = user.get("exec")
    if isinstance(run, dict) and run.get("command"):
        env = [f"{e.get('name')}={e.get('value')}" for e in _list(run.get("env")) if isinstance(e, dict)]
        return Plugin(name, str(run["command"]), [str(a) for a in _list(run.get("args"))], env,
                      install_hint=str(run.get("installHint") or "").strip())
    provider = user.get("auth-provider")
    if isinstance(provider, dict):
        config = provider.get("config")
        config = config if isinstance(config, dict) else {}
        command = str(config.get("cmd-path") or "")
        return Plugin(name, command, _words(str(config.get("cmd-args") or "")) if command else [],
                      provider=str(provider.get("name") or "?"))
    return None


def _list(value: object) -> list[object]:
    """A list from the kubeconfig; anything else (kubectl would reject the file) shows as nothing."""
    return value if isinstance(value, list) else []


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: show it as written
        return [text]


def locate(command: str, kubeconfig: str, environ: Mapping[str, str]) -> str:
    """The program kubectl would run for ``command`` in the kubeconfig at ``kubeconfig``: an absolute path,
    or "" when there is none."""
    if "/" in command:
        path = command if os.path.isabs(command) else os.path.join(os.path.dirname(kubeconfig), command)
        return os.path.normpath(path) if _executable(path) else ""
    for folder in environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(folder or ".", command)
        if _executable(path):
            return os.path.abspath(path)
    return ""


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)
