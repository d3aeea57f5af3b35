"""Breaking a generated Python statement inside its brackets, so that an exported file has no
line longer than a linter allows (a LeNet-5 connection table is ~300 characters on one line).

Only what ``export`` writes needs handling: a call whose arguments are reprs (numbers,
tuples, strings, keywords). Lines break after a comma inside a bracket, which Python joins
implicitly, and continuation lines start under the first character after the bracket
(PEP 8's visual indent). Text inside quotes is never split.
"""

from __future__ import annotations

from collections.abc import Iterator

OPEN, CLOSE = "([{", ")]}"


def _outside_quotes(text: str) -> Iterator[tuple[int, str]]:
    """``(index, character)`` of every character of ``text`` that is not inside a quoted
    string (the quotes themselves left out), so that brackets and commas in strings are text."""
    quote, i = "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        else:
            yield i, ch
        i += 1


def _top_level_group(text: str) -> tuple[int, int] | None:
    """Where the first outermost bracket opens and where it closes (indices); None without
    one."""
    depth, start = 0, -1
    for i, ch in _outside_quotes(text):
        if ch in OPEN:
            if depth == 0:
                start = i
            depth += 1
        elif ch in CLOSE:
            depth -= 1
            if depth == 0:
                return start, i
    return None


def _split_items(inner: str) -> list[str]:
    """The comma-separated items at the top level of a bracket's contents, stripped."""
    items, depth, begin = [], 0, 0
    for i, ch in _outside_quotes(inner):
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(inner[begin:i].strip())
            begin = i + 1
    last = inner[begin:].strip()
    return items + [last] if last else items


def _render(expr: str, column: int, width: int) -> list[str]:
    """``expr`` written from ``column`` on: as it is if it fits, else its first bracket's
    items filled onto lines aligned after the bracket, an item too long for a line of its
    own broken the same way. Lines after the first carry no indentation of their own: the
    caller's ``column`` applies to them."""
    group = _top_level_group(expr)
    if column + len(expr) <= width or group is None:
        return [expr]
    start, end = group
    head, items, tail = expr[:start + 1], _split_items(expr[start + 1:end]), expr[end:]
    indent = column + len(head)
    pad = " " * len(head)
    lines, current = [], head
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else tail)
        fresh = current.strip() == "" or current == head
        if (0 if fresh else 1) + len(current) + len(piece) + column <= width:
            current += ("" if fresh else " ") + piece
            continue
        if not fresh:
            lines.append(current.rstrip())
            current = pad
        if indent + len(piece) <= width:
            current += piece
            continue
        broken = _render(item, indent, width)
        broken[-1] += "," if i < len(items) - 1 else tail
        current += broken[0]
        for more in broken[1:]:
            lines.append(current)
            current = pad + more
    lines.append(current)
    return lines


def _hanging(body: str, column: int, width: int) -> list[str] | None:
    """``body`` broken after the opening bracket of one of its top-level groups, the rest on
    a line indented 4 more than the statement (PEP 8's hanging indent): the last group first
    (its arguments broken further if needed), then earlier ones; None if nothing fits."""
    groups, offset = [], 0
    while (found := _top_level_group(body[offset:])) is not None:
        groups.append((offset + found[0], offset + found[1]))
        offset = groups[-1][1] + 1
    for start, end in reversed(groups):
        if column + start + 1 > width:
            continue
        if end == len(body) - 1:
            rest = _render(body[start + 1:end].strip() + body[end], column + 4, width)
        else:
            rest = [body[start + 1:]]
        lines = [body[:start + 1]] + ["    " + text for text in rest]
        if all(column + len(text) <= width for text in lines):
            return lines
    return None


def wrap(line: str, width: int = 100) -> str:
    """``line`` (one statement, with its indentation) broken inside its brackets so that no
    line is longer than ``width`` where that is possible: aligned after the first bracket,
    or else with what follows a bracket on an indented line of its own.

    >>> print(wrap("    f(alpha, beta, (1, 2, 3), gamma='x, y')", width=24))
        f(alpha, beta,
          (1, 2, 3),
          gamma='x, y')
    >>> print(wrap("x = g(((0, 1, 2), (1, 2, 3), (2, 3, 4)), k=5)", width=26))
    x = g(((0, 1, 2),
           (1, 2, 3),
           (2, 3, 4)), k=5)
    >>> print(wrap("    y = self.get_submodule('a.0.b')(x_from_a_long_way_up)", width=44))
        y = self.get_submodule('a.0.b')(
            x_from_a_long_way_up)
    >>> print(wrap("    y = self.get_submodule('a.0.b.long')(x)", width=40))
        y = self.get_submodule(
            'a.0.b.long')(x)
    >>> wrap("short(1, 2)")
    'short(1, 2)'
    """
    body = line.lstrip(" ")
    column = len(line) - len(body)
    lines = _render(body, column, width)
    if any(column + len(text) > width for text in lines):
        lines = _hanging(body, column, width) or lines
    return "\n".join(" " * column + text for text in lines)
