"""``ppml site``: the catalog, its threat map and the advisor as a static website.

Needs the ``site`` extra (Jinja2). Nothing here is imported by any other command:
the CLI imports this package only inside ``ppml site``, and this module itself
imports nothing heavy, so that the missing extra is reported cleanly.
"""

from __future__ import annotations

from ppml_cli.errors import PpmlError


class MissingExtraError(PpmlError):
    """Jinja2 (the ``site`` extra) is not installed (exit 2)."""


def require_jinja2() -> None:
    """Raise :class:`MissingExtraError` with the install command when Jinja2 is missing."""
    try:
        import jinja2  # noqa: F401
    except ImportError:
        raise MissingExtraError(
            "ppml site needs Jinja2, which is not installed",
            hint='install the extra: pip install "ppml-cli[site]"',
        ) from None
