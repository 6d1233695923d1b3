"""The screens' markup as MAX renders it.

The screens are written in the HTML subset Telegram and MAX both render (<b>, <i>,
<a href>, <code>), user text escaped with `html.escape`, and MAX's `html` format reads
those tags and the entities maxapi's own formatting writes (&amp; &lt; &gt; &quot;). An
apostrophe needs no escaping in HTML text; MAX is not documented to read the numeric
entity `html.escape` writes for it, so it goes back to the character.
"""

from __future__ import annotations

TEXT_LIMIT = 3999  # maxapi refuses a text of 4000 characters or more (Telegram: 4096)


def html_of(text: str) -> str:
    return text.replace("&#x27;", "'").replace("&#39;", "'")
