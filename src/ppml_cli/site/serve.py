"""``ppml site DIR --serve``: a preview of the built site on 127.0.0.1 only, until Ctrl-C.

Python's own static file server, bound to the loopback address (never to every
interface), serving only the site's directory, and quiet: a preview is not a
production server, and the site needs none (any static host, or file://, works).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No request log on stderr: the preview says where it is once, and that is all."""


def make_server(directory: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server for ``directory`` on 127.0.0.1:``port`` (0: a free port), not yet serving."""
    handler = functools.partial(_Quiet, directory=str(directory))
    return ThreadingHTTPServer((HOST, port), handler)


def serve_site(
    directory: Path,
    port: int,
    on_ready: Callable[[str], None],
    stop: threading.Event | None = None,
) -> None:
    """Serve ``directory`` until Ctrl-C (or until ``stop`` is set, for tests); ``on_ready`` gets the address."""
    from ppml_cli.errors import OutputFileError

    try:
        server = make_server(directory, port)
    except OSError as error:
        raise OutputFileError(
            f"cannot serve on {HOST}:{port}: {error.strerror or error}", hint="choose another --port (0: any free one)"
        ) from None
    with server:
        bound = server.server_address[1]
        on_ready(f"http://{HOST}:{bound}/")
        if stop is not None:

            def watch() -> None:
                stop.wait()
                server.shutdown()

            threading.Thread(target=watch, daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends the preview, not with a traceback
            server.serve_forever(poll_interval=0.2)
