"""Licence vocabulary: which SPDX ids the catalog accepts and which are open source.

Only the licences that PPML tools actually use are listed; a new one is added
here deliberately, which keeps typos such as ``Apache2`` out of the catalog.
"""

from __future__ import annotations

#: OSI-approved SPDX ids seen among PPML tools.
OPEN_SOURCE = frozenset(
    {
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "GPL-2.0-only",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "LGPL-3.0-only",
        "MIT",
        "MPL-2.0",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0-or-later",
        "EPL-2.0",
        "ISC",
    }
)

#: Free-software licences (FSF) that the OSI has not approved; counted as open source.
FREE_NOT_OSI = frozenset({"BSD-3-Clause-Clear"})

#: Valid SPDX ids that are source-available but not open source.
NOT_OPEN_SOURCE = frozenset({"BUSL-1.1", "Elastic-2.0", "SSPL-1.0"})

CUSTOM_PREFIX = "LicenseRef-"


def is_known(license_id: str) -> bool:
    """Whether ``license_id`` is an SPDX id we know, or a custom ``LicenseRef-`` id."""
    return (
        license_id in OPEN_SOURCE
        or license_id in FREE_NOT_OSI
        or license_id in NOT_OPEN_SOURCE
        or license_id.startswith(CUSTOM_PREFIX)
    )


def is_open_source(license_id: str | None) -> bool | None:
    """True for OSI or FSF-free licences, False for source-available ones, None when unknown."""
    if license_id is None:
        return None
    if license_id in OPEN_SOURCE or license_id in FREE_NOT_OSI:
        return True
    if license_id in NOT_OPEN_SOURCE or license_id.startswith(CUSTOM_PREFIX):
        return False
    return None
