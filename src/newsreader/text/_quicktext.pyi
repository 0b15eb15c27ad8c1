"""quick_text's hot steps, compiled (``_quicktext.c``); ``htmldoc.reference_quick_text`` is
their reference."""

API: int

def strip_tags(text: str, /) -> str: ...
def fold_blocks(text: str, /) -> str: ...
