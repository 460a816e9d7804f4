"""Citizen ID numbers (GB 11643-1999) for synthetic people, and the dirty forms extracts carry.

The warehouse normalises ID numbers in dbt (macro ``normalize_id_number``); this module only
*builds* numbers for the sample county, so the two implementations check each other in the
end-to-end test.
"""

from __future__ import annotations

import numpy as np

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def is_valid(id_number: str) -> bool:
    return len(id_number) == 18 and id_number[:17].isdigit() and check_char(id_number[:17]) == id_number[17]


def build_ids(area: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Vectorised: 18-character IDs from area codes (str), birth dates (datetime64[D]) and
    3-digit sequence numbers (int)."""
    ymd = np.datetime_as_string(birth, unit="D")
    digits = np.char.add(
        np.char.add(area.astype("U6"), np.char.replace(ymd, "-", "")),
        np.char.zfill(seq.astype("U3"), 3),
    )
    mat = np.frombuffer(digits.astype("S17").tobytes(), dtype=np.uint8).reshape(-1, 17) - 48
    remainder = (mat.astype(np.int64) @ np.array(WEIGHTS, dtype=np.int64)) % 11
    checks = np.array(list(CHECK_CHARS))[remainder]
    return np.char.add(digits, checks)


def to_full_width(id_number: str) -> str:
    return id_number.translate(_FULL_WIDTH)


def to_old_15(id_number: str) -> str:
    """The pre-1999 15-digit form (only meaningful for people born in the 1900s)."""
    if id_number[6:8] != "19":
        raise ValueError("15-digit numbers exist only for births in the 1900s")
    return id_number[:6] + id_number[8:17]


def with_wrong_check(id_number: str) -> str:
    right = id_number[17]
    wrong = CHECK_CHARS[(CHECK_CHARS.index(right) + 3) % 11]
    return id_number[:17] + wrong
