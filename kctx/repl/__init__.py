"""`kctx shell`: the interactive kubectl shell (docs/repl.md). Nothing here is on the shim's path."""
