"""The authenticator code (RFC 6238 TOTP, as django-otp checks it), for simulated sign-ins."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time


def totp(secret: str, at: float | None = None) -> str:
    key = base64.b32decode(secret)
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"
