"""The server's sockets send small messages at once (explorer/server_socket.py)."""

import socket

from explorer.server_socket import send_at_once


def nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_the_listening_socket_and_the_open_connections_get_tcp_nodelay():
    # Bound as Streamlit binds it: protocol number 0, so asyncio leaves Nagle's algorithm on.
    with socket.socket(socket.AF_INET) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        early = socket.create_connection(("127.0.0.1", port))
        already_open, _ = listener.accept()
        assert listener.proto == 0 and not nodelay(already_open)
        assert send_at_once(port) >= 2  # the listener and the connection already open
        late = socket.create_connection(("127.0.0.1", port))
        accepted_after, _ = listener.accept()
        try:
            assert nodelay(already_open) and nodelay(accepted_after)
        finally:
            for sock in (early, already_open, late, accepted_after):
                sock.close()
