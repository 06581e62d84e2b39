"""The server's listening socket: TCP_NODELAY set so keep-alive responses do not stall on Nagle."""

from __future__ import annotations

import socket
import threading

from hubflow.server._cli import bind_listener


def test_listener_sets_nodelay_and_accepted_sockets_inherit_it() -> None:
    listener = bind_listener("127.0.0.1", 0)
    try:
        assert listener.proto == socket.IPPROTO_TCP
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        listener.listen(1)
        port = listener.getsockname()[1]
        accepted: list[socket.socket] = []
        thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]))
        thread.start()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            thread.join(5)
        assert accepted, "no connection accepted"
        with accepted[0] as conn:
            assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        listener.close()
