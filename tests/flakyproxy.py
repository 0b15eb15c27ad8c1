"""A TCP proxy on 127.0.0.1 in front of a sync server, to break the line on purpose:

- ``up``: bytes pass both ways;
- ``refuse``: nothing listens (connection refused, as when the server is stopped);
- ``reset``: a connection is reset as soon as it is made;
- ``lost``: the request reaches the server, which does what it asks, and the connection is
  reset before the answer comes back (the client cannot know whether it was done);
- ``stall``: connections are held without an answer (a server that hangs).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

MAX_HOLD = 30.0  # a stalled connection is let go after this many seconds


def _reset(connection: socket.socket) -> None:
    """Drop the connection at once: no answer reaches the client (shut down first, so that a
    thread blocked reading it lets go)."""
    try:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


class FlakyProxy:
    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.mode = "up"
        self.released = threading.Event()
        self.listener: socket.socket | None = None
        self.port = 0
        self._listen()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def set(self, mode: str) -> None:
        assert mode in ("up", "refuse", "reset", "lost", "stall"), mode
        if mode == "refuse" and self.listener is not None:
            # wakes the thread blocked in accept(), which would hold the port open
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        elif mode != "refuse" and self.listener is None:
            self._listen()
        if self.mode == "stall":
            self.released.set()
            self.released = threading.Event()
        self.mode = mode

    def close(self) -> None:
        self.set("refuse")
        self.released.set()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        mode = self.mode
        if mode == "reset":
            _reset(client)
            return
        if mode == "stall":
            self.released.wait(MAX_HOLD)
            client.close()
            return
        try:
            server = socket.create_connection(self.target, timeout=MAX_HOLD)
        except OSError:
            _reset(client)
            return
        threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
        self._pump(server, client, mode == "lost")

    def _pump(self, source: socket.socket, sink: socket.socket, lose: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if lose:  # the server answered: it has done what was asked
                    _reset(sink)
                    source.close()
                    return
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
