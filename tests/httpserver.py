"""A real HTTP server on 127.0.0.1 for network tests, scripted per path.

A route maps a path to a list of responses served in turn (the last one
repeats): each is (status, headers, body) or a callable returning one, so a
test can say "fail twice, then succeed". Every request is logged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, dict[str, str], bytes]
Route = Reply | Callable[["Handler"], Reply]


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"  # keep connections alive, as real servers do

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _serve(self) -> None:
        server = self.server
        with server.lock:
            server.log.append((self.command, self.path, dict(self.headers)))
            server.connections.add(self.client_address[:2])
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
            replies = server.routes.get(self.path.split("?")[0])
            if replies is None:
                reply: Route = (404, {}, b"not found")
            else:
                reply = replies[0] if len(replies) == 1 else replies.pop(0)
        try:
            if server.delay:
                time.sleep(server.delay)
            with server.lock:  # done working: the answer is on its way
                server.in_flight -= 1
            status, headers, body = reply(self) if callable(reply) else reply
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = _serve
    do_HEAD = _serve


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # the listen backlog: at the default 5, a burst of connections to one server (lychee opens 10
    # per host in benchmarks/links.py) overflows it, and each dropped SYN costs a second
    request_queue_size = 128

    def __init__(self, host: str = "127.0.0.1", delay: float = 0.0) -> None:
        super().__init__((host, 0), Handler)
        self.routes: dict[str, list[Route]] = {}
        self.log: list[tuple[str, str, dict[str, str]]] = []
        self.connections: set[tuple[str, int]] = set()  # client addresses: one per connection
        self.lock = threading.Lock()
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Route) -> str:
        self.routes[path] = list(replies)
        return self.url(path)

    def requests(self, path: str) -> list[str]:
        return [method for method, p, _ in self.log if p.split("?")[0] == path]


@contextmanager
def serving(host: str = "127.0.0.1", delay: float = 0.0) -> Iterator[Server]:
    with running(Server(host, delay)) as server:
        yield server


@contextmanager
def running(server: Server) -> Iterator[Server]:
    """Serve from a thread for the block, then shut down and close (a server prepared by the caller, e.g. TLS)."""
    # a short poll: shutting down waits for the loop to look (0.5 s at the default, in every test's teardown)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
