"""Verification codes: random, human-typable, with a check character.

A code is 19 random Crockford base32 symbols (95 bits, from ``secrets``) followed by one check
symbol, printed in five groups of four: ``7K3M-Q9RT-2XWB-HN4C-P8DZ``. Crockford's alphabet leaves
out I, L, O and U, and reading folds the look-alikes back (I and L → 1, O → 0), so a code read
aloud or typed on a phone survives. The check symbol is Luhn mod 32 over the alphabet: it catches
every single wrong symbol and every swap of two neighbours except 0 ↔ Z, so a typo is refused
before the database is asked.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_SYMBOLS = 19
CODE_LENGTH = RANDOM_SYMBOLS + 1
GROUP = 4
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—_.]+")


class InvalidCode(ValueError):
    """The text is not a well-formed verification code (wrong length, symbol or check symbol)."""


def check_symbol(payload: str) -> str:
    """Luhn mod N (N = 32) check symbol of ``payload`` (symbols of ALPHABET)."""
    n = len(ALPHABET)
    total = 0
    factor = 2
    for symbol in reversed(payload):
        addend = factor * _VALUE[symbol]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def code_generate() -> str:
    """A fresh code, stored without separators (CODE_LENGTH symbols)."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return payload + check_symbol(payload)


def code_normalize(text: str) -> str:
    """The stored form of a typed code, or InvalidCode. Pure: no database, no I/O."""
    compact = _SEPARATORS.sub("", text or "").upper().translate(_LOOK_ALIKES)
    if len(compact) != CODE_LENGTH:
        raise InvalidCode("length")
    if any(symbol not in _VALUE for symbol in compact):
        raise InvalidCode("symbol")
    if check_symbol(compact[:-1]) != compact[-1]:
        raise InvalidCode("check")
    return compact


def code_display(code: str) -> str:
    """``7K3MQ9RT…`` → ``7K3M-Q9RT-…``: groups of four for reading and typing."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
