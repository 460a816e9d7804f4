"""Log-in throttle, lockout, session expiry and constant-time log-in (dashboards/auth.py, users.py)."""

from __future__ import annotations

import hashlib

import pytest

from dashboards import auth, users

POLICY = auth.Policy(
    max_failures=5,
    max_failures_per_address=20,
    window_seconds=900,
    lockout_seconds=900,
    idle_seconds=1800,
    max_session_seconds=36000,
)


def test_a_user_is_locked_after_five_failures_and_the_right_password_then_waits():
    t = auth.Throttle(POLICY)
    for i in range(4):
        t.failed("county", "10.0.0.1", now=i)
        assert t.locked_for("county", "10.0.0.1", now=i) == 0
    t.failed("county", "10.0.0.1", now=4)
    assert t.locked_for("county", "10.0.0.1", now=5) == pytest.approx(899)
    # from another address too: the name is locked, not only the address
    assert t.locked_for("county", "10.0.0.2", now=5) == pytest.approx(899)
    # other users are not affected
    assert t.locked_for("jingdian", "10.0.0.2", now=5) == 0
    assert t.locked_for("county", "10.0.0.1", now=4 + 900) == 0


def test_failures_outside_the_window_are_forgotten():
    t = auth.Throttle(POLICY)
    for i in range(4):
        t.failed("county", "a", now=i)
    t.failed("county", "a", now=1000)  # the first four are older than 15 minutes
    assert t.locked_for("county", "a", now=1000) == 0


def test_a_success_clears_the_users_count():
    t = auth.Throttle(POLICY)
    for i in range(4):
        t.failed("county", "a", now=i)
    t.succeeded("county", now=5)
    t.failed("county", "a", now=6)
    assert t.locked_for("county", "a", now=6) == 0


def test_an_address_trying_many_names_is_locked():
    t = auth.Throttle(POLICY)
    for i in range(20):
        t.failed(f"guess{i}", "10.9.9.9", now=i)
    assert t.locked_for("county", "10.9.9.9", now=21) > 0  # even a real name, from that address
    assert t.locked_for("county", "10.0.0.1", now=21) == 0


def test_the_lockout_message_says_how_long_and_whom_to_ask():
    assert auth.lockout_message(899) == (
        "登录失败次数过多，已暂时锁定，请约 15 分钟后再试。忘记密码请联系县教育局管理员重新设置。"
    )
    assert "约 1 分钟" in auth.lockout_message(5)


def test_sessions_expire_when_idle_and_when_too_long():
    s = auth.Session(started=0, last_seen=0)
    assert s.expired(POLICY, now=1799) is None
    assert s.expired(POLICY, now=1800) == "已 30 分钟没有操作，请重新登录。"
    s.last_seen = 35990
    assert s.expired(POLICY, now=35999) is None
    assert s.expired(POLICY, now=36000) == "登录已超过 10 小时，请重新登录。"


def test_policy_from_environment_and_a_bad_value_says_what_to_do(monkeypatch):
    monkeypatch.setenv("KCBX_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("KCBX_SESSION_IDLE_MINUTES", "10")
    p = auth.Policy.from_env()
    assert (p.max_failures, p.idle_seconds, p.lockout_seconds) == (3, 600, 900)
    monkeypatch.setenv("KCBX_LOGIN_LOCKOUT_MINUTES", "soon")
    with pytest.raises(ValueError, match=r"KCBX_LOGIN_LOCKOUT_MINUTES='soon' is not a number"):
        auth.Policy.from_env()


def test_an_unknown_user_costs_the_same_hashing_as_a_wrong_password(monkeypatch):
    """The timing of a log-in does not tell whether the name exists: PBKDF2 runs, with the same
    number of iterations, for an unknown name as for a known one."""
    users.authenticate("nobody", "x")  # the first call makes the stand-in hash
    calls: list[int] = []
    real = hashlib.pbkdf2_hmac

    def counting(name, password, salt, iterations, *args):
        calls.append(iterations)
        return real(name, password, salt, iterations, *args)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    assert users.authenticate("county", "wrong password") is None
    assert users.authenticate("nobody-by-this-name", "wrong password") is None
    assert calls == [users.ITERATIONS, users.ITERATIONS]
    assert users.authenticate("county", "kcbx-county") is not None
