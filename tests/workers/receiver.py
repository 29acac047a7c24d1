"""A webhook receiver on loopback for the delivery tests: it records every request and answers
what the test tells it to (200 by default).

    with Receiver() as receiver:
        receiver.answer(lambda request: (500, {}, b"down"))
        ... deliver to receiver.url ...
        receiver.requests  # [Request(path, headers, body), ...]
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[[Request], tuple[int, dict[str, str], bytes]]


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._answer: Answer = lambda request: (200, {}, b"ok")
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length") or 0)
                request = Request(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                with receiver._lock:
                    receiver.requests.append(request)
                status, headers, body = receiver._answer(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # a worker opens up to 100 connections at once

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, answer: Answer) -> None:
        self._answer = answer

    def __enter__(self) -> Receiver:
        # Polled every 50 ms, not socketserver's 0.5 s: shutdown() waits out one poll, and
        # each test stopping its server waited about half a second.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
