"""Percentages and averages rounded as councils' spreadsheets round them: half away from zero
(Excel's ROUND), so 12.5% shows as 13% and 62.5% as 63%. Python's ``round`` rounds a half to
the even neighbour (12.5 -> 12, 62.5 -> 62), and binary floats make 2.675 a little under a
half; both would put a report a point out from the council's own workbook. Every figure is
worked out in decimal arithmetic from the whole counts, so nothing depends on float error."""

from decimal import ROUND_HALF_UP, Decimal


def half_up(value, places: int = 0) -> int | float | None:
    """``value`` rounded to ``places`` decimal places, a half rounded away from zero.

    Takes an int, float, Decimal or None; returns an int when ``places`` is 0, a float
    otherwise, and None for None. A float is read through its shortest repr (2.675 is
    treated as written, not as 2.67499999...)."""
    if value is None:
        return None
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return int(rounded) if places == 0 else float(rounded)


def percent(part: int, whole: int, places: int = 0) -> int | float | None:
    """``part`` of ``whole`` as a percentage rounded half up (1 of 8 -> 13, 5 of 8 -> 63);
    None when ``whole`` is 0 (no percentage of nothing, never a division error)."""
    if not whole:
        return None
    return half_up(Decimal(100) * Decimal(part) / Decimal(whole), places)


def mean(total, count: int, places: int = 1) -> int | float | None:
    """``total`` / ``count`` rounded half up (an average of working days, say); None for 0."""
    if not count:
        return None
    return half_up(Decimal(total) / Decimal(count), places)
