"""Number formatting: exact grouped integers for tables, SI suffixes for totals, named byte units.

>>> grouped(138357544)
'138,357,544'
>>> si(138357544)
'138.36 M'
>>> si(15470264320)
'15.47 G'
>>> megabytes(553430176)
'553.43 MB'
>>> mebibytes(553430176)
'527.79 MiB'
"""

from __future__ import annotations

_SI = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k"))


def grouped(n: int) -> str:
    return f"{n:,}"


def si(n: int | float) -> str:
    for scale, suffix in _SI:
        if abs(n) >= scale:
            return f"{_ratio(n, scale)} {suffix}"
    return f"{n:g}"


def megabytes(n: int) -> str:
    """Bytes in MB (10^6), the unit disk and network people use."""
    return f"{_ratio(n, 10**6, ',')} MB"


def mebibytes(n: int) -> str:
    """Bytes in MiB (2^20), the unit torch.cuda memory figures are usually read in."""
    return f"{_ratio(n, 2**20, ',')} MiB"


def _ratio(n: int | float, scale: int, group: str = "") -> str:
    """``n / scale`` with two decimals; an integer too large for a float is divided exactly.

    >>> _ratio(1005 * 10**400, 10**403)
    '1.01'
    """
    if isinstance(n, int) and abs(n) >= 10**300:
        hundredths = (n * 100 + scale // 2) // scale
        whole, cents = divmod(hundredths, 100)
        return f"{whole:{group}}.{cents:02d}"
    return f"{n / scale:{group}.2f}"
