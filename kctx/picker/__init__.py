"""An interactive fuzzy picker for the terminal: pure matching and ranking (fuzzy.py) and the
prompt_toolkit application that shows it (ui.py). Used by `kctx use`, `ctx` and `ns` with no argument,
and by the interactive shell."""
