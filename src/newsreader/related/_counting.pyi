"""The compiled word counter (``_counting.c``); ``terms.count_terms`` is its reference."""

def count_packed(
    parts: list[tuple[str, float]],
    title_weight: float,
    body_weight: float,
    singletons_below: int,
    own_before: int,
    stop_words: frozenset[str],
    title_prefix: str,
    /,
) -> bytes: ...
