"""The screens' markup as MAX renders it.

The screens are written in the HTML subset Telegram and MAX both render (<b>, <i>,
<a href>, <code>), user text escaped with `html.escape`, and MAX's `html` format reads
those tags and the entities maxapi's own formatting writes (&amp; &lt; &gt; &quot;). An
apostrophe needs no escaping in HTML text; MAX is not documented to read the numeric
entity `html.escape` writes for it, so it goes back to the character.
"""

from __future__ import annotations

import re

TEXT_LIMIT = 3999  # maxapi refuses a text of 4000 characters or more (Telegram: 4096)


def html_of(text: str) -> str:
    return text.replace("&#x27;", "'").replace("&#39;", "'")


ELLIPSIS = "…"
# A tag, an entity, or one character: the pieces a text is never cut inside of.
_PIECE = re.compile(r"<[^>]*>|&#?\w+;|.", re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)")


def parts_of(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` (the screens' HTML) in parts of at most `limit` characters: cut after the
    last line that fits, else after the last word (with «…» at the cut), else inside the
    word. Each part closes the tags open at its cut and the next opens them again, so
    every part is valid markup on its own (Telegram takes 4,096 characters, MAX fewer:
    a roster or an announcement that Telegram shows whole can be longer here)."""
    if len(text) <= limit:
        return [text]
    pieces = _PIECE.findall(text)
    after = [0] * (len(pieces) + 1)  # the characters from each piece to the end
    for index in range(len(pieces) - 1, -1, -1):
        after[index] = after[index + 1] + len(pieces[index])
    ending: list[tuple[str, str]] = []
    for piece in pieces:
        _track(ending, piece)
    parts: list[str] = []
    opened: list[tuple[str, str]] = []  # (name, opening tag) at the start of this part
    start = 0
    while start < len(pieces):
        if parts:
            while start < len(pieces) and pieces[start].isspace():
                start += 1  # the next part starts at its first word
        prefix = "".join(tag for _, tag in opened)
        if len(prefix) + after[start] + len(_closers(ending)) <= limit:
            parts.append(prefix + "".join(pieces[start:]) + _closers(ending))
            break
        length, stack = len(prefix), list(opened)
        cuts: dict[str, tuple[int, int, list[tuple[str, str]]]] = {}
        index = start
        while index < len(pieces):
            piece = pieces[index]
            _track(stack, piece)
            length += len(piece)
            if length + len(_closers(stack)) + len(ELLIPSIS) > limit:
                break
            index += 1
            kind = "line" if piece == "\n" else "word" if piece.isspace() else "any"
            cuts[kind] = (length, index, list(stack))
            if kind != "any":
                cuts["any"] = cuts[kind]
        best = _best_cut(cuts, limit)
        if best is None:  # one piece longer than the limit: it goes alone
            kind, end, at_cut = "any", start + 1, stack
        else:
            kind, (_, end, at_cut) = best
        body = "".join(pieces[start:end]).rstrip()
        parts.append(prefix + body + _closers(at_cut) + ("" if kind == "line" else ELLIPSIS))
        opened, start = at_cut, end
    return parts


def _best_cut(
    cuts: dict[str, tuple[int, int, list[tuple[str, str]]]], limit: int
) -> tuple[str, tuple[int, int, list[tuple[str, str]]]] | None:
    """A line's end if one is past half the part, else a word's, else the last piece."""
    for kind in ("line", "word"):
        if kind in cuts and cuts[kind][0] >= limit // 2:
            return kind, cuts[kind]
    for kind in ("line", "word", "any"):
        if kind in cuts:
            return kind, cuts[kind]
    return None


def shortened(text: str, limit: int = TEXT_LIMIT) -> str:
    """`text` in one message of at most `limit` characters: its first part, and «…»
    where the rest was left out (an edit replaces one message: there is no second)."""
    parts = parts_of(text, limit - len(ELLIPSIS))
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    return first if first.endswith(ELLIPSIS) else first + ELLIPSIS


def _track(stack: list[tuple[str, str]], piece: str) -> None:
    found = _TAG.match(piece) if piece.startswith("<") else None
    if found is None:
        return
    closing, name = found.group(1) == "/", found.group(2).lower()
    if not closing:
        stack.append((name, piece))
        return
    for position in range(len(stack) - 1, -1, -1):
        if stack[position][0] == name:
            del stack[position]
            return


def _closers(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))
