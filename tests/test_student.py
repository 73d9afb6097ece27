"""Who a student is (explorer/student.py): one name for every tab of a browser, on any process."""

import binascii
import os

from explorer import student


def masked(token: bytes) -> str:
    """An XSRF cookie as Streamlit sends it: the same token, masked anew each time."""
    mask = os.urandom(4)
    body = bytes(byte ^ mask[i % 4] for i, byte in enumerate(token))
    return f"2|{binascii.b2a_hex(mask).decode()}|{binascii.b2a_hex(body).decode()}|1796600000"


def test_every_masking_of_one_browsers_cookie_names_the_same_student():
    token = os.urandom(16)
    assert student.xsrf_token(masked(token)) == token
    assert student.xsrf_token(masked(token)) == student.xsrf_token(f'"{masked(token)}"') == token
    assert student.xsrf_token(masked(os.urandom(16))) != token


def test_a_cookie_that_is_not_an_xsrf_token_names_no_one():
    for value in (None, "", "2|zz|00|1", "2|00|", "hello", "2|0011|"):
        assert student.xsrf_token(value) is None, value


def test_behind_the_proxy_the_address_is_nginxs_last_entry_never_the_browsers():
    # nginx replaces X-Forwarded-For with the address it saw; only its (last) entry is trusted.
    assert student.client_address({"X-Forwarded-For": "10.1.2.3"}, None) == "10.1.2.3"
    assert student.client_address({"x-forwarded-for": "6.6.6.6, 10.1.2.3"}, None) == "10.1.2.3"
    assert student.client_address({"X-Forwarded-For": "not an address"}, None) is None
    # A peer that is not this machine is the student itself: its header is not believed.
    assert student.client_address({"X-Forwarded-For": "6.6.6.6"}, "10.9.8.7") == "10.9.8.7"
    assert student.client_address({}, None) is None
