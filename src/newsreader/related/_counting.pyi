"""The compiled word counter (``_counting.c``); ``terms.count_terms`` is its reference."""

API: int

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
def index_rows(
    items: object,
    idf: dict[int, float],
    doc_terms: int,
    title_terms: int,
    weight_scale: float,
    title_scale: float,
    fingerprint_terms: int,
    generation_bits: int,
    hypot: object,
    /,
) -> tuple[bytes, list[tuple[int, int, bytes]]]: ...
