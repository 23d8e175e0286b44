"""One tracker for every action any module raises, until it is done."""
