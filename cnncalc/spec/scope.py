"""Naming: the scopes that give every layer its path (``layer1.0.conv1``).

A scope is one level of naming (the network, a named group, a block instance, a repeat copy)
with the variables visible there. Automatic names count per stem (``conv1``, ``conv2``) and
never take a name the user wrote further down; ``{#}`` in a written name counts the scope's
children as ``torch.nn.Sequential`` numbers them.
"""

from __future__ import annotations

from typing import Any

from ..record import field, record

SCOPED_KEYS = ("layers", "then", "else", "concat", "add", "multiply")
"""Keys whose items are named in the scope that holds them."""
SEQUENCE = "#"
"""The counter behind ``{#}`` in a name, kept beside the per-stem counters."""


@record
class Scope:
    """Naming and variables of one level: the network, a block instance, a repeat copy."""

    prefix: str
    env: dict[str, Any]
    parent: Scope | None = None
    counters: dict[str, int] = field(default_factory=dict)
    local: dict[str, int] = field(default_factory=dict)
    reserved: set[str] = field(default_factory=set)

    def path(self, short: str) -> str:
        return f"{self.prefix}.{short}" if self.prefix else short

    def auto_name(self, stem: str) -> str:
        """``conv1``, ``conv2``, ...: the next number whose name nobody wrote in this scope."""
        while True:
            self.counters[stem] = self.counters.get(stem, 0) + 1
            candidate = f"{stem}{self.counters[stem]}"
            if candidate not in self.reserved and candidate not in self.local:
                return candidate

    def next_index(self) -> int:
        """``{#}``: 0, 1, 2, ... for each name in this scope that asks for it."""
        index = self.counters.get(SEQUENCE, 0)
        self.counters[SEQUENCE] = index + 1
        return index

    def child(self, short: str, env: dict[str, Any] | None = None, body: Any = None) -> Scope:
        return Scope(self.path(short), self.env if env is None else env, self,
                     reserved=explicit_names(body))

    def with_env(self, env: dict[str, Any]) -> Scope:
        """The same level (names, counters) with other variables: a repeat copy's ``$i``, or
        an inline block's arguments."""
        return Scope(self.prefix, env, self.parent, self.counters, self.local, self.reserved)

    def chain(self):
        scope: Scope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent


class Bare(Scope):
    """The scope of one copy of a named repeat whose body is a single call: that call takes
    the copy's name (``layer1.0``) instead of adding a level of its own."""

    def __init__(self, scope: Scope):
        super().__init__(scope.prefix, scope.env, scope.parent, scope.counters, scope.local)


def explicit_names(body: Any) -> set[str]:
    """Names written with ``name:`` that will live directly in the scope holding ``body``, so
    that automatic names (``conv1``) never take a name the user wrote further down. Computed
    names (``{...}``) are known only once built, and are left out here."""
    found: set[str] = set()
    stack = [body]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            name = value.get("name")
            if isinstance(name, str):
                if "{" not in name:
                    found.add(name)
                continue  # a named group keeps its inner names to itself
            for key, inner in value.items():
                if key in SCOPED_KEYS:
                    stack.append(inner)
                elif isinstance(inner, dict) and isinstance(inner.get("name"), str) and \
                        "{" not in inner["name"]:
                    found.add(inner["name"])
    return found
