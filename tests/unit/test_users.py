"""Users file: salted password hashes, roles and their scope, the hash CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dashboards.data import Scope, mask_id
from dashboards.users import DEFAULT_USERS_FILE, authenticate, hash_password, password_problem, verify_password


def test_hash_is_salted_and_verifies_only_the_right_password():
    a, b = hash_password("秘密-1"), hash_password("秘密-1")
    assert a != b and a.startswith("pbkdf2_sha256$")
    assert verify_password("秘密-1", a) and verify_password("秘密-1", b)
    assert not verify_password("秘密-2", a)
    assert not verify_password("秘密-1", "plain-text")


def test_demo_users_have_the_documented_passwords_and_scopes():
    county = authenticate("county", "kcbx-county", DEFAULT_USERS_FILE)
    township = authenticate("jingdian", "kcbx-township", DEFAULT_USERS_FILE)
    school = authenticate("fanyang01", "kcbx-school", DEFAULT_USERS_FILE)
    assert (county.role, county.full_id) == ("county", False)
    assert (township.role, township.township_code) == ("township", "410527102")
    assert (school.role, school.school_code) == ("school", "2410527001")
    assert authenticate("jingdian", "kcbx-county", DEFAULT_USERS_FILE) is None
    assert authenticate("nobody", "kcbx-county", DEFAULT_USERS_FILE) is None


def test_a_township_user_without_a_township_is_refused_with_what_to_fix(tmp_path):
    users = tmp_path / "users.toml"
    users.write_text(f'[users.x]\nrole = "township"\npassword_hash = "{hash_password("p")}"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="needs township_code"):
        authenticate("x", "p", users)


def test_full_id_numbers_only_for_a_county_user_with_the_flag(tmp_path):
    users = tmp_path / "users.toml"
    users.write_text(
        f'[users.t]\nrole = "township"\ntownship_code = "410527102"\nfull_id = true\npassword_hash = "{hash_password("p")}"\n',
        encoding="utf-8",
    )
    assert not Scope.of(authenticate("t", "p", users)).full_id


def test_mask_keeps_first_six_and_last_four():
    assert mask_id("41052720120304123X") == "410527********123X"
    assert mask_id("G41052720120304123X") == "G41052*********123X"
    assert mask_id(None) is None


def test_hash_cli_prints_a_line_for_the_users_file():
    out = subprocess.run(
        [sys.executable, "-m", "dashboards.users", "hash"], input="新密码\n", capture_output=True, text=True, check=True
    ).stdout
    line = out.strip()
    assert line.startswith('password_hash = "pbkdf2_sha256$')
    assert verify_password("新密码", line.split('"')[1])


@pytest.mark.parametrize(
    ("current", "new", "repeat", "message"),
    [
        ("", "kcbx-new-1", "kcbx-new-1", "请输入当前密码。"),
        ("kcbx-county", "short7!", "short7!", "新密码至少 8 个字符。"),
        ("kcbx-county", "kcbx-new-1", "kcbx-new-2", "两次输入的新密码不一致。"),
        ("kcbx-county", "Jingdian", "Jingdian", "新密码不能与用户名相同。"),
        ("kcbx-county", "kcbx-county", "kcbx-county", "新密码不能与当前密码相同。"),
        ("kcbx-county", "kcbx-new-1", "kcbx-new-1", None),
        ("kcbx-county", "八个汉字的密码啊", "八个汉字的密码啊", None),  # eight characters, whatever the script
    ],
)
def test_password_rules_say_what_is_wrong_in_chinese(current, new, repeat, message):
    assert password_problem("jingdian", current, new, repeat) == message
