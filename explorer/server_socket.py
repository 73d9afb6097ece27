"""The server's connections send a run's messages at once (TCP_NODELAY), not 40 ms late.

Streamlit 1.67 binds its listening socket itself, with the protocol number 0, and asyncio
switches Nagle's algorithm off only on sockets that say IPPROTO_TCP: so every page's
websocket kept it on. A run's messages after its first then waited for the browser's
acknowledgement of the first, which the browser's system delays (40 ms on Linux, up to
200 ms on Windows). Measured with a packet capture on loopback: a run that came within 50 ms
of the one before it (a drawing, then "Send") took 45-48 ms instead of 5 ms, even for a
one-line fragment.

The option set on the listening socket is inherited by every connection accepted after it
(Linux, macOS); the connections already open get it too. Where the process's sockets cannot
be listed (Windows gives no descriptors), nothing changes.
"""

from __future__ import annotations

import os
import socket

import streamlit as st


def send_at_once(port: int) -> int:
    """Switch Nagle's algorithm off on this process's TCP sockets on `port` (the listening one
    and those open); returns how many."""
    import psutil

    done = 0
    for connection in psutil.Process().net_connections(kind="tcp"):
        if connection.fd < 0 or not connection.laddr or connection.laddr.port != port:
            continue
        try:
            with socket.socket(fileno=os.dup(connection.fd)) as sock:  # the same socket, closed as a copy
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            done += 1
        except OSError:  # closed meanwhile
            continue
    return done


@st.cache_resource(show_spinner=False)
def tune() -> int:
    """Once per server process, at its first page."""
    try:
        return send_at_once(int(st.get_option("server.port")))
    except Exception:  # psutil cannot list sockets here: the server works as before
        return 0
