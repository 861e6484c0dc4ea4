"""ISBN-13: the digits of an ISBN and its check digit (the barcode is drawn in assets/art/codes.py)."""

from __future__ import annotations

import re


def isbn_digits(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def isbn13_problem(text: str) -> str | None:
    """Why the text is not a valid ISBN-13, or None."""
    digits = isbn_digits(text)
    if not re.fullmatch(r"\d{13}", digits):
        if re.fullmatch(r"\d{9}[\dX]", digits):
            return "expected an ISBN-13 (978-…), got a 10-digit ISBN"
        return "expected an ISBN-13: 13 digits, optionally grouped with hyphens (978-…)"
    if not digits.startswith(("978", "979")):
        return "an ISBN-13 starts with 978 or 979"
    expected = check_digit(digits[:12])
    if digits[12] != expected:
        return f"wrong check digit {digits[12]}: an ISBN-13 starting {digits[:12]} ends in {expected}"
    return None


def check_digit(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)
