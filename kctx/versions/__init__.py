"""Which kubectl runs against which cluster: selection, server-version detection, installation.

Modules on the shim's path (``select``, ``parse``, ``store``, ``cache``, ``toolversions``) import only
cheap standard-library modules; detection, downloads and the commands import the rest inside functions.
See docs/versions.md.
"""
