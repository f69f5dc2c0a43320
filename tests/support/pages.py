"""Pages as a person reads them."""
from __future__ import annotations

import re


def page_text(response) -> str:
    """The page's HTML with runs of white space made one space (what the eye reads as one line)."""
    return re.sub(r"\s+", " ", response.content.decode())
