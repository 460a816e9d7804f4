"""Opaque case numbers: format, stability, dependence on the county's key, the key file."""

from __future__ import annotations

import re
import stat

import pytest

from casework.case_ids import ALPHABET, case_id, ensure_key, normalise, read_key

KEY_A, KEY_B = "0" * 64, "f" * 64
PARTS = ("suspected_dropout", "410527201511020842", "2025-03-13")


def test_a_case_number_is_ten_crockford_characters_in_two_groups():
    number = case_id(KEY_A, *PARTS)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", number), number
    assert set(number.replace("-", "")) <= set(ALPHABET)


def test_the_same_case_gets_the_same_number_and_another_key_another_number():
    assert case_id(KEY_A, *PARTS) == case_id(KEY_A, *PARTS)
    assert case_id(KEY_B, *PARTS) != case_id(KEY_A, *PARTS)
    assert case_id(KEY_A, "suspected_dropout", "410527201511020842", "2025-03-16") != case_id(KEY_A, *PARTS)


def test_numbers_do_not_collide_over_a_large_county():
    numbers = {case_id(KEY_A, "suspected_dropout", f"4105272015{i:08d}", "2025-09-01") for i in range(100_000)}
    assert len(numbers) == 100_000


def test_the_key_file_is_created_once_owner_only_and_kept(tmp_path):
    path = tmp_path / "data" / "case_id.key"
    ensure_key(path)
    key = read_key(path)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    ensure_key(path)
    assert read_key(path) == key  # a second run keeps the county's key


def test_a_damaged_key_file_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "case_id.key"
    path.write_text("not a key\n")
    with pytest.raises(ValueError, match="Restore it from the backup"):
        ensure_key(path)


def test_a_number_read_out_on_the_phone_is_understood():
    number = case_id(KEY_A, *PARTS)
    heard = number.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert normalise(heard) == number
