"""Opaque, stable case numbers (案件编号) such as ``7K3MQ-9XDT4``.

A case number is a keyed hash of what identifies the case (its kind, the child's key and the
date it opened), so it is the same on every run and after every rebuild, yet nobody holding
the code can turn it back into an ID number: the ID-number space is small enough to try every
number, but not without the county's key. The key is 32 random bytes in a file the county keeps
(``KCBX_CASE_ID_KEY_FILE``, default ``data/case_id.key``), created once on first use; dbt reads
it at query time (``dbt/macros/case_id.sql``), so it never appears in compiled SQL, logs or the
warehouse. Losing or changing the key renumbers every case: back it up with the store.

The hash is SHA-256 in the nested form of HMAC, H(key ‖ ":" ‖ H(key ‖ ":" ‖ message)),
truncated to 50 bits and written as ten Crockford base-32 characters (no I, L, O or U) in two
groups of five, short enough to read out on the phone. This module and the dbt macro compute
the same value (tested).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
BITS = 50
_KEY = re.compile(r"[0-9a-f]{64}")


def ensure_key(path: Path) -> Path:
    """Create the key file (64 hex characters, owner-only) unless it exists; check it if it does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        read_key(path)
        return path
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    return path


def read_key(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()  # dbt reads the first 64 characters
    if not _KEY.fullmatch(key):
        raise ValueError(
            f"{path}: not a case-number key (64 lower-case hex characters expected). Restore it from the backup; "
            "a new key renumbers every case"
        )
    return key


def case_id(key: str, *parts: str) -> str:
    """The case number of a case identified by ``parts`` (kind, child key, ISO date), as dbt computes it."""
    inner = hashlib.sha256(f"{key}:{'|'.join(parts)}".encode()).hexdigest()
    outer = hashlib.sha256(f"{key}:{inner}".encode()).hexdigest()
    n = int(outer[:13], 16) % (1 << BITS)
    digits = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in range(BITS // 5 - 1, -1, -1))
    return digits[:5] + "-" + digits[5:]


_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def normalise(text: str) -> str:
    """A case number as typed or heard: case, spaces and dashes ignored, O→0, I/L→1 (Crockford)."""
    s = re.sub(r"[\s\-－—_]", "", text.upper()).translate(_READ_AS)
    return s[:5] + "-" + s[5:] if len(s) == BITS // 5 else s
