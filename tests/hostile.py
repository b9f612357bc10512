"""Hostile HTTP servers on 127.0.0.1: they answer too slowly or too much, and stop by themselves.

Each server accepts connections on a thread, reads the request head, then
misbehaves for at most ``lifetime`` seconds (so a test that fails never hangs
on it), and closes. Used by tests that prove every request is bounded.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Behaviour = Callable[[socket.socket, float], None]


def trickle(payload: bytes, every: float = 0.3) -> Behaviour:
    """Send ``payload`` one byte at a time, ``every`` seconds apart."""

    def behave(conn: socket.socket, until: float) -> None:
        for byte in payload:
            if time.monotonic() > until:
                return
            conn.sendall(bytes([byte]))
            time.sleep(every)

    return behave


def endless_body(chunk: bytes = b"x" * 65536, limit: int = 64 * 1024 * 1024) -> Behaviour:
    """A 200 whose body never says where it ends; up to ``limit`` bytes, then the connection closes."""

    def behave(conn: socket.socket, until: float) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        sent = 0
        while sent < limit and time.monotonic() < until:
            conn.sendall(chunk)
            sent += len(chunk)

    return behave


def endless_headers(every: float = 0.0) -> Behaviour:
    """A status line, then header lines that never end (until the client leaves or the time is up)."""

    def behave(conn: socket.socket, until: float) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        n = 0
        while time.monotonic() < until:
            conn.sendall(b"X-Filler-%d: %s\r\n" % (n, b"y" * 100))
            n += 1
            if every:
                time.sleep(every)

    return behave


def answer(*replies: bytes, then_close: bool = True) -> Behaviour:
    """Send each reply in turn, reading the next request's head between them; then close (or wait)."""

    def behave(conn: socket.socket, until: float) -> None:
        for n, reply in enumerate(replies):
            if n and not _read_head(conn):
                return
            conn.sendall(reply)
        if not then_close:
            while time.monotonic() < until and _read_head(conn):
                pass

    return behave


def _read_head(conn: socket.socket) -> bool:
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        data = conn.recv(4096)
        if not data:
            return False
        head += data
    return True


@contextmanager
def hostile(behaviour: Behaviour, lifetime: float = 20.0) -> Iterator[str]:
    """Serve ``behaviour`` on a free port; yields the base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    deadline = time.monotonic() + lifetime

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    data = conn.recv(4096)
                    if not data:
                        return
                    head += data
                behaviour(conn, min(deadline, time.monotonic() + lifetime))
            except OSError:
                return  # the client gave up, as it should

    def accept() -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        host, port = listener.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
