"""A customer across stores: their history and flags (``selectors``), and forgetting them (``privacy``)."""
