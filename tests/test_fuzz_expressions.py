"""The expression grammar, fuzzed (issue 10): random expressions over numbers, strings,
booleans, lists, known and unknown names, huge values, every function and operator, placed in
every position a spec evaluates. The only outcomes are a value (the spec loads, or fails for a
reason that is not the expression's) or one located, single-line error; never another
exception.

``CNNCALC_FUZZ_EXPR_EXAMPLES`` raises the number of examples (default 2,000) for a long run.
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.expr import BUILTINS

EXAMPLES = int(os.environ.get("CNNCALC_FUZZ_EXPR_EXAMPLES", "2000"))

ATOMS = st.one_of(
    st.integers(-20, 300).map(str),
    st.sampled_from(["10**400", "9" * 400, "1e308", "1e999", "-1e999", "0", "0.5", "2.09",
                     "'abc'", "'relu'", "''", "true", "false", "null", "None", "[]", "[1, 2]",
                     "$a", "$s", "$l", "$b", "$zz", "abc", "$in", "$in.channels", "$in.size",
                     "$in.shape", "$in.width", "$in.depth", "$in.nothing", "$l[0]", "$l[9]",
                     "$s[0]", "$a.x", "f", "#", "(", ")", "$", "__import__('os')",
                     "lambda: 1", "x.__class__", "{1: 2}", "{1}", "[x for x in []]", "...",
                     "1 if", "$in.shape[-1]"]),
)
BINARY = ["+", "-", "*", "/", "//", "%", "**", "<", "<=", ">", ">=", "==", "!=", " and ",
          " or ", " in ", " is ", " not in ", " is not ", "@", "&", "<<"]
FUNCTIONS = [*BUILTINS, "f", "g", "unknown", "exec"]


def _expressions(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(BINARY), children).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        st.tuples(st.sampled_from(["-", "+", "not ", "~"]), children).map("".join),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(children, max_size=4)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(children, children, children).map(lambda t: f"{t[0]} if {t[1]} else {t[2]}"),
        children.map(lambda c: f"({c})"),
        st.lists(children, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
        st.tuples(children, children).map(lambda t: f"{t[0]}[{t[1]}]"),
    )


EXPRESSIONS = st.recursive(ATOMS, _expressions, max_leaves=12)
HUGE = st.sampled_from(["-" * 5000 + "1", "1" + " + 1" * 5000, "(" * 300 + "1" + ")" * 300,
                        "round($a, -10**9)", "2 ** 2 ** 2 ** 2 ** 2", "f(f(f(f(f(1)))))"])

POSITIONS = {
    "layer argument": "layers: [conv2d: {{out_channels: {q}, kernel_size: 1}}]",
    "block call, list": "layers: [b: [{q}]]",
    "block call, mapping": "layers: [b: {{c: {q}}}]",
    "repeat": "layers: [{{repeat: {q}, layers: [relu]}}]",
    "when": "layers: [{{when: {q}, then: [relu]}}]",
    "computed name": "layers: [{{name: {qname}, relu: {{}}}}]",
    "from": "layers: [relu, {{from: {q}, relu: {{}}}}]",
    "layer item": "layers: [{q}]",
    "spec vars": "vars: {{v: {q}}}\nlayers: [conv2d: {{out_channels: $v, kernel_size: 1}}]",
    "function value": "layers: [conv2d: {{out_channels: 'g(2)', kernel_size: 1}}]",
    "input": "layers: [relu]",
}

HEADER = """\
args: {{a: 8, s: relu, l: [1, 2, 3], b: true}}
input: {input}
functions:
  f: {{args: [x], value: "$x * 2"}}
  g: {{args: [x], value: {fq}}}
blocks:
  b:
    args: {{c: 4}}
    layers: [conv2d: {{out_channels: $c, kernel_size: 1}}]
"""


def _quoted(text: str) -> str:
    return json.dumps(text)  # a YAML double-quoted scalar: the expression is its text


def check_one(expression: str, position: str) -> None:
    q = _quoted(expression)
    body = POSITIONS[position].format(q=q, qname=_quoted("n{" + expression + "}"))
    fq = q if position == "function value" else '"$x"'
    shape = f"[3, {q}, 8]" if position == "input" else "[3, 8, 8]"
    text = HEADER.format(input=shape, fq=fq) + body + "\n"
    try:
        analyze(load_spec(text, "net.yaml"), keep_going=True)
    except CnnCalcError as exc:
        message = str(exc)
        assert message.startswith("net.yaml:"), message
        assert "\n" not in message, message
    # any other exception propagates and fails the test, with its input


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(expression=EXPRESSIONS, position=st.sampled_from(sorted(POSITIONS)))
def test_random_expressions_anywhere_give_a_value_or_one_located_line(expression, position):
    check_one(expression, position)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(expression=HUGE, position=st.sampled_from(sorted(POSITIONS)))
def test_huge_and_deep_expressions_are_refused_cleanly(expression, position):
    check_one(expression, position)
