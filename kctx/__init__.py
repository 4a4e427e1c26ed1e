"""kctx: the right kubectl against the right cluster."""

__version__ = "0.1.0"
