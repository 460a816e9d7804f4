"""Dashboard users and roles, read from a TOML file (``KCBX_USERS_FILE``, default ``dashboards/users.toml``).

Passwords are stored only as salted PBKDF2-SHA256 hashes. ``python -m dashboards.users hash`` asks
for a password and prints the line to paste into the file.

Roles: ``county`` sees every township and school; ``township`` only its township
(``township_code``); ``school`` only its school (``school_code``). ``full_id = true`` lets a
county user see unmasked ID numbers.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import hashlib
import hmac
import os
import secrets
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_USERS_FILE = Path(__file__).resolve().parent / "users.toml"
ROLES = ("county", "township", "school")
ITERATIONS = 200_000


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    township_code: str | None = None
    school_code: str | None = None
    full_id: bool = False


def users_file() -> Path:
    return Path(os.environ.get("KCBX_USERS_FILE", DEFAULT_USERS_FILE))


def hash_password(password: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(candidate.hex(), digest)


def _user(username: str, entry: dict, path: Path) -> User:
    role = entry.get("role")
    if role not in ROLES:
        raise ValueError(f"{path}: user {username!r} has role {role!r}; use one of {', '.join(ROLES)}")
    if role == "township" and not entry.get("township_code"):
        raise ValueError(f"{path}: township user {username!r} needs township_code (9 digits)")
    if role == "school" and not entry.get("school_code"):
        raise ValueError(f"{path}: school user {username!r} needs school_code (10 digits)")
    return User(
        username=username,
        display_name=entry.get("name", username),
        role=role,
        township_code=entry.get("township_code") if role == "township" else None,
        school_code=entry.get("school_code") if role == "school" else None,
        full_id=bool(entry.get("full_id", False)) and role == "county",
    )


@functools.cache
def _unknown_user_hash() -> str:
    """A hash no password matches, checked for unknown names so that a log-in takes as long
    whether or not the name exists (its timing tells nothing)."""
    return hash_password(secrets.token_hex(16))


def authenticate(username: str, password: str, path: Path | None = None) -> User | None:
    """The user if the name and password match an entry of the users file, else None."""
    path = path or users_file()
    with path.open("rb") as f:
        entries = tomllib.load(f).get("users", {})
    entry = entries.get(username)
    stored = entry.get("password_hash", "") if entry is not None else _unknown_user_hash()
    if not verify_password(password, stored) or entry is None:
        return None
    return _user(username, entry, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.users", description="dashboard users")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("hash", help="hash a password (read from stdin or a prompt) for the users file")
    parser.parse_args(argv)
    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not password:
        print("empty password: nothing hashed", file=sys.stderr)
        return 1
    print(f'password_hash = "{hash_password(password)}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
