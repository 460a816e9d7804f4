"""Log-in protection and sessions of the dashboard: pure logic, no Streamlit (unit-tested).

- **Throttle**: failed log-ins are counted per user name and per client address within a window;
  past the limit the name (or the address) is locked for a while, and the log-in says so and for
  how long, whether or not the password is right. A successful log-in clears its user's count.
  The counts live in the server process (one ``streamlit run`` serves every session); a restart
  clears them.
- **Sessions** expire after a time without activity and after a maximum length, whatever the
  activity; the user then logs in again.

Settings (environment variables, read when the app starts):
``KCBX_LOGIN_MAX_FAILURES`` (5 per user name), ``KCBX_LOGIN_MAX_FAILURES_PER_ADDRESS`` (20),
``KCBX_LOGIN_WINDOW_MINUTES`` (15), ``KCBX_LOGIN_LOCKOUT_MINUTES`` (15),
``KCBX_SESSION_IDLE_MINUTES`` (30), ``KCBX_SESSION_MAX_HOURS`` (10).
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number; unset it or give a number (default {default:g})") from None
    if number <= 0:
        raise ValueError(f"{name}={value!r} must be greater than 0 (default {default:g})")
    return number


@dataclass(frozen=True)
class Policy:
    max_failures: int = 5  # failed log-ins per user name within the window before it is locked
    max_failures_per_address: int = 20  # failed log-ins from one address (any names) before it is locked
    window_seconds: float = 15 * 60
    lockout_seconds: float = 15 * 60
    idle_seconds: float = 30 * 60  # a session without activity this long has expired
    max_session_seconds: float = 10 * 3600  # and any session this long

    @classmethod
    def from_env(cls) -> Policy:
        return cls(
            max_failures=int(_env_number("KCBX_LOGIN_MAX_FAILURES", 5)),
            max_failures_per_address=int(_env_number("KCBX_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)),
            window_seconds=_env_number("KCBX_LOGIN_WINDOW_MINUTES", 15) * 60,
            lockout_seconds=_env_number("KCBX_LOGIN_LOCKOUT_MINUTES", 15) * 60,
            idle_seconds=_env_number("KCBX_SESSION_IDLE_MINUTES", 30) * 60,
            max_session_seconds=_env_number("KCBX_SESSION_MAX_HOURS", 10) * 3600,
        )


@dataclass
class _Counter:
    failures: deque = field(default_factory=deque)  # times of recent failures
    locked_until: float = 0.0


class Throttle:
    """Failed log-ins per user name and per address; thread-safe (sessions run in threads)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self._lock = threading.Lock()
        self._users: dict[str, _Counter] = defaultdict(_Counter)
        self._addresses: dict[str, _Counter] = defaultdict(_Counter)

    def locked_for(self, username: str, address: str, now: float) -> float:
        """Seconds until this name and address may try again (0: they may try now)."""
        with self._lock:
            return max(
                self._users[username].locked_until - now if username in self._users else 0.0,
                self._addresses[address].locked_until - now if address in self._addresses else 0.0,
                0.0,
            )

    def failed(self, username: str, address: str, now: float) -> None:
        with self._lock:
            self._count(self._users[username], self.policy.max_failures, now)
            self._count(self._addresses[address], self.policy.max_failures_per_address, now)

    def succeeded(self, username: str, now: float) -> None:
        with self._lock:
            self._users.pop(username, None)

    def _count(self, counter: _Counter, limit: int, now: float) -> None:
        counter.failures.append(now)
        while counter.failures and counter.failures[0] <= now - self.policy.window_seconds:
            counter.failures.popleft()
        if len(counter.failures) >= limit:
            counter.locked_until = now + self.policy.lockout_seconds
            counter.failures.clear()


@dataclass
class Session:
    """A logged-in session: when it started and when the user was last active."""

    started: float
    last_seen: float

    def expired(self, policy: Policy, now: float) -> str | None:
        """Why the session has expired (a Chinese sentence for the log-in page), or None."""
        if now - self.started >= policy.max_session_seconds:
            return f"登录已超过 {policy.max_session_seconds / 3600:g} 小时，请重新登录。"
        if now - self.last_seen >= policy.idle_seconds:
            return f"已 {policy.idle_seconds / 60:g} 分钟没有操作，请重新登录。"
        return None


def lockout_message(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"登录失败次数过多，已暂时锁定，请约 {minutes} 分钟后再试。忘记密码请联系县教育局管理员重新设置。"
