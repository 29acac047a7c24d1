"""A tiny SMTP server on loopback for the mail worker's tests (no aiosmtpd in the venv): it
keeps every message it accepts and, connection by connection, behaves as the test scripts.

    with SmtpServer() as server:
        server.script("451", "drop")  # 1st connection: 451 to MAIL; 2nd: hung up at once
        ... send to 127.0.0.1:server.port ...
        server.messages  # [email.message.EmailMessage, ...]

Behaviours: "ok" (the default once the script runs out), "451" (MAIL FROM answered 451: try
again later), "550" (RCPT TO answered 550: no such mailbox), "drop" (the connection closed
before the greeting).
"""

from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage


class SmtpServer:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.connections = 0
        self._script: list[str] = []
        self._lock = threading.Lock()
        smtp = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                behaviour = smtp._next()
                if behaviour == "drop":
                    return
                self.reply("220 localhost ESMTP test")
                while line := self.rfile.readline():
                    verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-localhost")
                        self.reply("250 8BITMIME")
                    elif verb == "MAIL":
                        self.reply("451 4.3.0 Try again later" if behaviour == "451" else "250 OK")
                    elif verb == "RCPT":
                        self.reply("550 5.1.1 No such mailbox" if behaviour == "550" else "250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        smtp._keep(self._data())
                        self.reply("250 OK: queued")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:  # RSET, NOOP
                        self.reply("250 OK")

            def _data(self) -> bytes:
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                return b"".join(lines)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]

    def script(self, *behaviours: str) -> None:
        with self._lock:
            self._script = list(behaviours)

    def _next(self) -> str:
        with self._lock:
            self.connections += 1
            return self._script.pop(0) if self._script else "ok"

    def _keep(self, data: bytes) -> None:
        with self._lock:
            self.messages.append(message_from_bytes(data, policy=policy.default))

    def __enter__(self) -> SmtpServer:
        # Polled every 50 ms, not socketserver's 0.5 s: shutdown() waits out one poll, and
        # each test stopping its server waited about half a second.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
