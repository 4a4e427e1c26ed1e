"""The `kubectl` shim: the script and native launcher on PATH, the full path that decides, the memo it
replays, the hot-path bundle, and their installation."""


def main(*args, **kwargs):
    """Shim scripts written before the shim became a package run ``from kctx.shim import main``."""
    from kctx.shim.fullpath import main as run

    run(*args, **kwargs)
