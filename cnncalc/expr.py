"""Arithmetic on block arguments (``$planes * 4``), evaluated without ``eval``.

The expression is parsed with Python's ``ast`` and only literals, names, arithmetic (``**``
too, for dilation schedules), comparisons, boolean logic and a few functions are walked;
anything else is refused. Integer results stay exact: ``/`` must divide evenly, ``//``
floors.
"""

from __future__ import annotations

import math
import operator
import re
from typing import Any

_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_PLAIN = re.compile(r"\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*")
_BINARY = {"Add": operator.add, "Sub": operator.sub, "Mult": operator.mul,
           "FloorDiv": operator.floordiv, "Mod": operator.mod}
_COMPARE = {"Eq": operator.eq, "NotEq": operator.ne, "Lt": operator.lt, "LtE": operator.le,
            "Gt": operator.gt, "GtE": operator.ge}
_FUNCS = {"min": min, "max": max, "int": int, "round": round}
MAX_MAGNITUDE = 10**15


class ExprError(ValueError):
    """An expression that cannot be evaluated; the message names what was wrong."""


def has_vars(text: Any) -> bool:
    return isinstance(text, str) and "$" in text


def evaluate(text: str, env: dict[str, Any]) -> Any:
    """Evaluate ``text`` with ``$name`` bound from ``env``.

    >>> evaluate("$planes * 4", {"planes": 64})
    256
    >>> evaluate("$stride != 1 or $cin != $cout", {"stride": 1, "cin": 64, "cout": 64})
    False
    >>> evaluate("$c", {"c": [1, 2]})
    [1, 2]
    >>> evaluate("$c / 3", {"c": 64})
    Traceback (most recent call last):
    ...
    cnncalc.expr.ExprError: 64 / 3 is not a whole number; use // to round down
    """
    plain = _PLAIN.fullmatch(text)
    if plain and plain.group(1) in env:
        return env[plain.group(1)]
    missing = [m for m in _VAR.findall(text) if m not in env]
    if missing:
        known = ", ".join(f"${k}" for k in env) or "none"
        raise ExprError(f"unknown variable ${missing[0]} in '{text}' (known: {known})")
    import ast  # only for real arithmetic; a plain $name never gets here

    source = _VAR.sub(lambda m: f"__v_{m.group(1)}", text.strip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        raise ExprError(f"cannot read the expression '{text}'") from None
    names = {f"__v_{k}": v for k, v in env.items()}
    return _walk(tree.body, names, text)


def _power(base: Any, exponent: Any, text: str) -> Any:
    """``**`` for dilation schedules (``2 ** $i``): a whole exponent from 0 up, and a result
    small enough to check before computing it (so ``9 ** 9 ** 9`` cannot hang the loader).

    >>> evaluate("2 ** $i", {"i": 7})
    128
    """
    if isinstance(exponent, bool) or not isinstance(exponent, int) or exponent < 0:
        raise ExprError(f"'{text}': the exponent must be a whole number >= 0, got {exponent!r}")
    if abs(base) > 1 and exponent * math.log2(abs(base)) > math.log2(MAX_MAGNITUDE):
        raise ExprError(f"'{text}' is too large")
    return base ** exponent


def _walk(node: Any, names: dict[str, Any], text: str) -> Any:
    import ast
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        if node.id in ("true", "True"):
            return True
        if node.id in ("false", "False"):
            return False
        raise ExprError(f"'{node.id}' in '{text}' is not a variable; write ${node.id}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
        value = _walk(node.operand, names, text)
        return {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}[
            type(node.op)](value)
    op_name = type(getattr(node, "op", None)).__name__
    if isinstance(node, ast.BinOp) and (op_name in _BINARY or op_name in ("Div", "Pow")):
        left, right = _walk(node.left, names, text), _walk(node.right, names, text)
        if not all(isinstance(v, (int, float)) for v in (left, right)):
            raise ExprError(f"arithmetic on a non-number in '{text}'")
        if isinstance(node.op, ast.Pow):
            return _power(left, right, text)
        if isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)) and right == 0:
            raise ExprError(f"division by zero in '{text}'")
        if isinstance(node.op, ast.Div):
            if isinstance(left, int) and isinstance(right, int):
                if left % right:
                    raise ExprError(f"{left} / {right} is not a whole number; use // to round "
                                    "down")
                return left // right
            return left / right
        result = _BINARY[type(node.op).__name__](left, right)
        if abs(result) > MAX_MAGNITUDE:
            raise ExprError(f"'{text}' gives {result}, which is too large")
        return result
    if isinstance(node, ast.BoolOp):
        values = [_walk(v, names, text) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _walk(node.left, names, text)
        for op, comparator in zip(node.ops, node.comparators):
            if type(op).__name__ not in _COMPARE:
                break
            right = _walk(comparator, names, text)
            if not _COMPARE[type(op).__name__](left, right):
                return False
            left = right
        else:
            return True
    if isinstance(node, ast.IfExp):
        branch = node.body if _walk(node.test, names, text) else node.orelse
        return _walk(branch, names, text)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCS and not node.keywords):
        return _FUNCS[node.func.id](*(_walk(a, names, text) for a in node.args))
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_walk(e, names, text) for e in node.elts]
    raise ExprError(f"'{text}' uses something other than numbers, variables, + - * / // % **, "
                    "comparisons, and/or/not, min, max")
