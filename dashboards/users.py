"""Dashboard users and roles, read from a TOML file (``KCBX_USERS_FILE``, default ``dashboards/users.toml``).

Passwords are stored only as salted PBKDF2-SHA256 hashes. ``python -m dashboards.users hash`` asks
for a password and prints the line to paste into the file.

A user may change the password in the dashboard (修改密码): the new hash goes to the operational
store (``casework.store``, table ``password_changes``), never into this file, and counts instead
of the file's hash for as long as the file keeps the hash it replaced. An administrator resets a
forgotten password by writing a new hash into the file: that hash counts again at once.

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

from casework.store import PasswordChange, Store

DEFAULT_USERS_FILE = Path(__file__).resolve().parent / "users.toml"
ROLES = ("county", "township", "school")
ITERATIONS = 200_000
MIN_PASSWORD_LENGTH = 8


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


def _entries(path: Path) -> dict[str, dict]:
    with path.open("rb") as f:
        return tomllib.load(f).get("users", {})


def _fingerprint(file_hash: str) -> str:
    """What a changed password records of the users file's hash it replaces (not the hash itself)."""
    return hashlib.sha256(file_hash.encode("utf-8")).hexdigest()


def authenticate(username: str, password: str, path: Path | None = None, store: Store | None = None) -> User | None:
    """The user if the name and password match: the password changed in the dashboard (``store``)
    while the users file still holds the hash it replaced, else the file's. None otherwise."""
    path = path or users_file()
    entry = _entries(path).get(username)
    # looked up for unknown names too, and one hash checked either way: the time tells nothing
    changed = store.password_change(username) if store is not None else None
    stored = _unknown_user_hash() if entry is None else entry.get("password_hash", "")
    if entry is not None and changed is not None and changed.replaces == _fingerprint(stored):
        stored = changed.password_hash
    if not verify_password(password, stored) or entry is None:
        return None
    return _user(username, entry, path)


def is_user(username: str, path: Path | None = None) -> bool:
    return username in _entries(path or users_file())


def password_problem(username: str, current: str, new: str, repeat: str) -> str | None:
    """What is wrong with a password change as typed (a Chinese sentence), or None. The current
    password itself is checked afterwards, by ``change_password``."""
    if not current:
        return "请输入当前密码。"
    if len(new) < MIN_PASSWORD_LENGTH:
        return f"新密码至少 {MIN_PASSWORD_LENGTH} 个字符。"
    if new != repeat:
        return "两次输入的新密码不一致。"
    if new.strip().casefold() == username.strip().casefold():
        return "新密码不能与用户名相同。"
    if new == current:
        return "新密码不能与当前密码相同。"
    return None


def change_password(username: str, current: str, new: str, store: Store, path: Path | None = None) -> bool:
    """Record ``new`` as the password of ``username`` if ``current`` is right (False if it is not).
    Check ``password_problem`` first."""
    path = path or users_file()
    if authenticate(username, current, path, store) is None:
        return False
    file_hash = _entries(path)[username].get("password_hash", "")
    store.change_password(username, PasswordChange(hash_password(new), _fingerprint(file_hash)))
    return True


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
