"""A minimal, fast HTTP/1.1 server for benchmarks: every request gets an empty 200, connections stay open.

Runs an asyncio protocol in a child process (so the benchmark's own threads
do not share its interpreter lock), listening on 127.0.0.1 and the given
loopback addresses; it stops when the benchmark ends it, or after
``lifetime`` seconds on its own.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import socket
from collections.abc import Iterator
from contextlib import contextmanager

REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Type: text/plain\r\n\r\n"


class _Answer(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        self.pending += data
        count = self.pending.count(b"\r\n\r\n")
        if count:
            self.pending = self.pending[self.pending.rindex(b"\r\n\r\n") + 4 :]
            self.transport.write(REPLY * count)  # type: ignore[attr-defined]


def _serve(sockets: list[socket.socket], lifetime: float) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        servers = [await loop.create_server(_Answer, sock=sock) for sock in sockets]
        await asyncio.sleep(lifetime)
        for server in servers:
            server.close()

    asyncio.run(main())


@contextmanager
def fast_servers(hosts: list[str], lifetime: float = 1800.0) -> Iterator[list[str]]:
    """Serve on each host (a free port each); yields their base URLs."""
    sockets = []
    for host in hosts:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        sock.listen(1024)
        sockets.append(sock)
    bases = [f"http://{host}:{sock.getsockname()[1]}" for host, sock in zip(hosts, sockets, strict=True)]
    process = multiprocessing.get_context("fork").Process(target=_serve, args=(sockets, lifetime), daemon=True)
    process.start()
    try:
        yield bases
    finally:
        process.terminate()
        process.join(timeout=10)
        for sock in sockets:
            sock.close()
