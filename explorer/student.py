"""Who is asking: one name per student's browser, for the limits that must hold across its tabs.

A session is one tab; a student with four tabs is four sessions, and limits kept per session
(one send every 5 seconds, five wrong teacher codes) were four times as loose. The name here
is the same for every tab of a browser and on every app process of a school:

1. the browser's XSRF cookie: Streamlit sets it once per browser (XSRF protection stays on),
   and keeps its token when it sends the cookie again (masked anew each time, hence decoded);
2. else the client's address: behind the school's nginx the last `X-Forwarded-For` entry
   (nginx's own, the only one that cannot be forged), else the websocket's peer;
3. else the session itself (a page with neither, as in Streamlit's AppTest).

Only a digest is kept (the cookie is a secret); it is never shown.
"""

from __future__ import annotations

import binascii
import hashlib
import ipaddress

import streamlit as st

XSRF_COOKIE = "_streamlit_xsrf"


def identity() -> str:
    """This page's student, as a short digest: "b:…" a browser, "a:…" an address, "s:…" a session."""
    token = xsrf_token(_cookies().get(XSRF_COOKIE))
    if token:
        return "b:" + _digest(token)
    address = client_address(_headers(), _peer())
    if address:
        return "a:" + _digest(address.encode())
    return "s:" + _digest(_session_id().encode())


def xsrf_token(cookie: str | None) -> bytes | None:
    """The token inside an XSRF cookie (Tornado's and Streamlit's "2|mask|masked|time", or a
    version-1 hex token), or None when there is no cookie or it is not one."""
    value = (cookie or "").strip("\"'")
    try:
        if value.startswith("2|"):
            _, mask_hex, masked_hex, _ = value.split("|")
            mask, masked = binascii.a2b_hex(mask_hex), binascii.a2b_hex(masked_hex)
            if len(mask) != 4 or not masked:
                return None
            return bytes(byte ^ mask[i % 4] for i, byte in enumerate(masked))
        return binascii.a2b_hex(value) if len(value) >= 32 else None
    except (ValueError, binascii.Error):
        return None


def client_address(headers, peer: str | None) -> str | None:
    """The student's address: the proxy's last X-Forwarded-For entry when the peer is this
    machine (nginx), else the peer. Streamlit gives None for a peer on loopback."""
    if peer is None:
        header = headers.get("X-Forwarded-For") or headers.get("x-forwarded-for")
        header = header if isinstance(header, str) else ""
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if forwarded and _is_address(forwarded[-1]):
            return forwarded[-1]
    return peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _digest(value: bytes) -> str:
    return hashlib.sha256(b"vae-student:" + value).hexdigest()[:20]


def _cookies() -> dict:
    try:
        return dict(st.context.cookies)
    except Exception:  # no websocket (AppTest, a bare script run): no cookies
        return {}


def _headers():
    try:
        return st.context.headers  # case-insensitive
    except Exception:
        return {}


def _peer() -> str | None:
    try:
        peer = st.context.ip_address
    except Exception:
        return None
    return peer if isinstance(peer, str) else None  # AppTest's context has none


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return context.session_id if context is not None else "no-session"
