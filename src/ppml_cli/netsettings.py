"""How hard a command may use the network, as one record: ``--concurrency``, ``--timeout`` and ``--max-wait``.

The options are declared once (``NETWORK`` and :func:`ppml_cli.options.with_network`)
for every command that asks the network, each with its own defaults below, and
the command is handed one :class:`NetworkSettings`, which goes as it is to the
core (``links`` in :class:`ppml_cli.net.link_check.LinkOptions`, ``refresh`` to
its GitHub client). Outside ``net/`` and importing nothing of it, so that declaring
the options costs a command that never asks the network nothing.
"""

from __future__ import annotations

from ppml_cli.model import Record


class NetworkSettings(Record):
    concurrency: int  # requests in flight at once
    timeout: float  # seconds for one whole request: connecting, the headers and any body
    max_wait: float  # the longest wait a server may ask for (Retry-After, a rate-limit reset), in seconds


#: ``ppml links``: many sites, each asked once or twice; a wait longer than half a minute is reported instead.
LINKS = NetworkSettings(concurrency=16, timeout=10.0, max_wait=30.0)

#: ``ppml refresh``: one API, polite, whose rate-limit resets are worth a minute's wait.
REFRESH = NetworkSettings(concurrency=4, timeout=15.0, max_wait=60.0)
