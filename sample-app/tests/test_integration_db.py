"""An integration test that needs a PostgreSQL server, e.g. the one `--services postgres` starts.

It runs only when DATABASE_URL is set and says why it is skipped otherwise. Standard library only:
it speaks the first exchange of the PostgreSQL wire protocol (protocol 3.0, "Message Flow: Start-up"
in the PostgreSQL manual) instead of importing a driver, so the app needs no new dependency.
"""

import os
import socket
import struct
from urllib.parse import unquote, urlsplit

import pytest

DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not DATABASE_URL,
    reason="DATABASE_URL is not set: this test needs a PostgreSQL server"
    " (dagger call ci --services postgres)",
)

PROTOCOL_3_0 = 196608  # major 3, minor 0
# What a server that will talk to the client asks of it: AuthenticationOk, CleartextPassword,
# MD5Password or SASL.
AUTH_CODES = {0: "ok", 3: "cleartext password", 5: "MD5 password", 10: "SASL"}


def startup_message(user: str, database: str) -> bytes:
    pairs = ((b"user", user), (b"database", database))
    params = b"".join(key + b"\0" + value.encode() + b"\0" for key, value in pairs)
    body = struct.pack("!I", PROTOCOL_3_0) + params + b"\0"
    return struct.pack("!I", len(body) + 4) + body


def read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            pytest.fail(f"the server closed the connection after {len(data)} of {size} bytes")
        data += chunk
    return data


def error_fields(payload: bytes) -> dict[str, str]:
    return {f[:1].decode(): f[1:].decode("utf-8", "replace") for f in payload.split(b"\0") if f}


def test_a_postgresql_server_answers_at_database_url() -> None:
    url = urlsplit(DATABASE_URL)
    assert url.scheme in {"postgresql", "postgres"}, f"not a PostgreSQL URL: {url.scheme}://"
    user = unquote(url.username or "postgres")
    database = unquote(url.path.lstrip("/")) or user
    address = (url.hostname or "localhost", url.port or 5432)

    with socket.create_connection(address, timeout=10) as sock:
        sock.settimeout(10)
        sock.sendall(startup_message(user, database))
        kind, length = struct.unpack("!cI", read_exactly(sock, 5))
        payload = read_exactly(sock, length - 4)

    if kind == b"E":
        fields = error_fields(payload)
        pytest.fail(f"the server refused the start-up: {fields.get('C')} {fields.get('M')}")
    assert kind == b"R", f"not a PostgreSQL reply: message type {kind!r}"
    (code,) = struct.unpack("!I", payload[:4])
    assert code in AUTH_CODES, f"unknown authentication request {code}"
    if code == 10:  # AuthenticationSASL lists its mechanisms; every server since 10 offers SCRAM
        assert b"SCRAM-SHA-256" in payload[4:].split(b"\0")
