import numpy as np
import pytest

from samplegen import idnumber


def test_check_char_of_the_standard_example():
    # The worked example of GB 11643-1999.
    assert idnumber.check_char("11010519491231002") == "X"
    assert idnumber.is_valid("11010519491231002X")
    assert not idnumber.is_valid("110105194912310021")


def test_check_char_rejects_wrong_length():
    with pytest.raises(ValueError, match="17 digits"):
        idnumber.check_char("1101051949123100")


def test_build_ids_are_valid_and_carry_birth_date_and_sex():
    area = np.array(["410527", "410527", "130481"])
    birth = np.array(["2015-09-01", "2016-08-31", "2010-01-05"], dtype="datetime64[D]")
    seq = np.array([1, 2, 999])
    ids = idnumber.build_ids(area, birth, seq)
    assert list(ids) == [
        "41052720150901001" + idnumber.check_char("41052720150901001"),
        "41052720160831002" + idnumber.check_char("41052720160831002"),
        "13048120100105999" + idnumber.check_char("13048120100105999"),
    ]
    assert all(idnumber.is_valid(i) for i in ids)


def test_dirty_forms():
    good = "11010519491231002X"
    assert idnumber.to_full_width(good) == "１１０１０５１９４９１２３１００２Ｘ"
    assert idnumber.to_old_15(good) == "110105491231002"
    wrong = idnumber.with_wrong_check(good)
    assert wrong[:17] == good[:17] and not idnumber.is_valid(wrong)
    with pytest.raises(ValueError, match="1900s"):
        idnumber.to_old_15("410527201509010012")
