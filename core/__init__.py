"""nozei core: the domain, legal rules, permissions and use-case services.

This package imports no textual, sqlalchemy or structlog, and none of the
other top-level packages; it reaches the outside only through the ports in
:mod:`core.ports`.
"""
