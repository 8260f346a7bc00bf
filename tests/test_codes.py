"""行政区域コード: 5 digits, or 6 with the JIS X 0402 check digit."""

from __future__ import annotations

import boundary_fixtures as bf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.atlas.codes import CodeError, check_digit, looks_like_code, normalize_code, with_check_digit

# Published 6-digit codes (総務省 全国地方公共団体コード).
KNOWN = {"01100": "011002", "01202": "012025", "01000": "010006", "20000": "200000"}

code5s = st.text(alphabet="0123456789", min_size=5, max_size=5)


@pytest.mark.parametrize(("code5", "code6"), sorted(KNOWN.items()))
def test_known_real_codes(code5, code6):
    assert bf.jis_check_digit(code5) == code6[-1]  # the independent rule agrees with reality
    assert with_check_digit(code5) == code6
    assert normalize_code(code6) == code5
    assert normalize_code(code5) == code5


def test_kutchan_check_digit_from_the_rule():
    # 0·6 + 1·5 + 4·4 + 0·3 + 0·2 = 21; 21 mod 11 = 10; (11 − 10) mod 10 = 1
    assert bf.jis_check_digit("01400") == "1"
    assert normalize_code("014001") == "01400"


@given(code5s)
def test_check_digit_matches_independent_rule(code5):
    assert check_digit(code5) == bf.jis_check_digit(code5)
    assert normalize_code(code5 + bf.jis_check_digit(code5)) == code5


@given(code5s, st.sampled_from("0123456789"))
def test_wrong_check_digit_rejected(code5, digit):
    if digit == bf.jis_check_digit(code5):
        return
    with pytest.raises(CodeError, match="check digit"):
        normalize_code(code5 + digit)


@pytest.mark.parametrize("bad", ["", "0110", "0110020", "01a00", "01 100", "-0110", "٠١١٠٠", "01100.0"])
def test_malformed_rejected(bad):
    assert not looks_like_code(bad)
    with pytest.raises(CodeError):
        normalize_code(bad)


def test_whitespace_forgiven_non_ascii_digits_rejected():
    assert normalize_code(" 01100\n") == "01100"
    for text in ("０１１００", "０１１００２", "٠١١٠٠"):  # full-width, Arabic-Indic: int() takes them
        assert not looks_like_code(text)
        with pytest.raises(CodeError):
            normalize_code(text)


def test_code_error_is_a_value_error():
    with pytest.raises(ValueError):
        normalize_code("011003")
