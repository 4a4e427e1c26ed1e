"""Key bindings on top of prompt_toolkit's emacs/vi defaults (which bring Ctrl-R search, Ctrl-D, Tab).

Ctrl-C at the prompt is prompt_toolkit's: it abandons the line (the app catches KeyboardInterrupt and
prompts again); it never ends the shell.
"""

from __future__ import annotations


def bindings():
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.filters import Condition, completion_is_selected, has_completions
    from prompt_toolkit.key_binding import KeyBindings

    kb = KeyBindings()

    @Condition
    def empty_line() -> bool:
        from prompt_toolkit.application.current import get_app

        return not get_app().current_buffer.text

    @kb.add("c-d", filter=empty_line, eager=True)
    def _leave(event) -> None:
        """Ctrl-D on an empty line leaves the shell, also while a completion menu happens to be open."""
        event.current_buffer.complete_state = None
        event.app.exit(exception=EOFError)

    @kb.add("c-space")
    def _complete(event) -> None:
        """Open the menu (or move through it) without typing anything."""
        buf = event.current_buffer
        if buf.complete_state:
            buf.complete_next()
        else:
            buf.start_completion(select_first=False)

    @kb.add("tab", filter=~has_completions)
    def _tab(event) -> None:
        """A single candidate is inserted at once. Our completer only reads a cache, so asking it here is
        cheap, and it avoids prompt_toolkit dropping a Tab that comes while a while-typing run is in flight."""
        buf = event.current_buffer
        if buf.completer is None:
            return
        found = list(buf.completer.get_completions(buf.document, CompleteEvent(completion_requested=True)))
        if len(found) == 1:
            buf.apply_completion(found[0])
        elif found:
            buf.start_completion(insert_common_part=True)

    @kb.add("enter", filter=completion_is_selected)
    def _take(event) -> None:
        """Enter on a highlighted completion takes it; a second Enter runs the line (pgcli does the same)."""
        event.current_buffer.complete_state = None

    return kb
