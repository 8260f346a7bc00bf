"""行政区域コード (JIS X 0402 municipality codes): normalising 5- and 6-digit input."""

from __future__ import annotations

import re

_WEIGHTS = (6, 5, 4, 3, 2)
_CODE = re.compile(r"[0-9]{5,6}")  # ASCII only: int() would accept any Unicode digit


class CodeError(ValueError):
    """A code that is malformed (not 5 or 6 digits) or whose check digit is wrong."""


def check_digit(code5: str) -> str:
    """The JIS X 0402 check digit of a 5-digit code: 11 − (Σ dᵢ·wᵢ mod 11), last digit."""
    if len(code5) != 5 or not _CODE.fullmatch(code5):
        raise CodeError(f"not a 5-digit code: {code5!r}")
    total = sum(int(d) * w for d, w in zip(code5, _WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def normalize_code(raw: str) -> str:
    """Return the 5-digit code for a 5-digit code or a 6-digit code with a valid check digit.

    >>> normalize_code("011002"), normalize_code("01100")
    ('01100', '01100')
    """
    text = _clean(raw)
    if not _CODE.fullmatch(text):
        raise CodeError(f"code must be 5 digits, or 6 with the check digit: {raw!r}")
    if len(text) == 6:
        expected = check_digit(text[:5])
        if text[5] != expected:
            raise CodeError(f"wrong check digit in {text}: expected {text[:5]}{expected}")
        text = text[:5]
    return text


def _clean(raw: str) -> str:
    # Only surrounding whitespace is forgiven. Full-width digits (０１１００) are rejected, not
    # converted: the API answers 400 for them, and a search box can normalise before calling.
    return raw.strip()


def with_check_digit(code5: str) -> str:
    """The 6-digit form of a 5-digit code."""
    return code5 + check_digit(code5)


def looks_like_code(text: str) -> bool:
    return bool(_CODE.fullmatch(_clean(text)))
