"""A complaint's reference: its store, its local day and the store's number for that day, ``S1-20261122-0007``
(four digits at least, more when a store has more complaints in a day). Numbered by ``ReferenceCounter``."""

from datetime import date

NUMBER_DIGITS = 4


def reference_prefix(store_code: str, day: date) -> str:
    return f"{store_code}-{day:%Y%m%d}-"


def reference_of(store_code: str, day: date, number: int) -> str:
    return f"{reference_prefix(store_code, day)}{number:0{NUMBER_DIGITS}d}"


def reference_number_sql(number: str) -> str:
    """The SQL of the number part, from the SQL integer expression ``number``, as ``reference_of`` writes it."""
    return f"lpad({number}::text, greatest({NUMBER_DIGITS}, length({number}::text)), '0')"
