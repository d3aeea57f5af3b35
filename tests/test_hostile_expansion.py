"""Specs that ask for unbounded work without building anything (issue 11, the loader's part):
the expansion counts its steps, not only the layers it creates, and stops with one located
line. The inputs are the ones that ran for minutes or grew past 1.4 GB before."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cnncalc import CnnCalcError, load_spec
from cnncalc.cli import main

CASES = {
    "nested repeats of an empty body (10**12 iterations)": """
input: [3, 8, 8]
layers:
  - repeat: 10000
    layers: [{repeat: 10000, layers: [{repeat: 10000, layers: []}]}]
""",
    "a false condition inside 10**8 repeats": """
input: [3, 8, 8]
layers:
  - repeat: 10000
    layers: [{repeat: 10000, layers: [{when: false, then: [relu]}]}]
""",
    "block fan-out over empty blocks": """
input: [3, 8, 8]
blocks:
  e: {layers: []}
  d: {layers: [e, e, e, e, e, e, e, e, e, e]}
  c: {layers: [d, d, d, d, d, d, d, d, d, d]}
  b: {layers: [c, c, c, c, c, c, c, c, c, c]}
  a: {layers: [b, b, b, b, b, b, b, b, b, b]}
layers:
  - repeat: 10000
    layers: [a]
""",
    "a named nested repeat of 10**8 copies": """
input: [3, 8, 8]
layers:
  - name: outer
    repeat: 10000
    layers: [{name: inner, repeat: 10000, layers: [relu]}]
""",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_unbounded_expansion_is_refused_at_its_line(case):
    with pytest.raises(CnnCalcError) as info:
        load_spec(CASES[case], "net.yaml")
    message = str(info.value)
    assert message.startswith("net.yaml:") and "\n" not in message
    assert "refusing to build it" in message


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_spec_stops_the_same_way(case):
    result = CliRunner().invoke(main, ["check-spec", "-"], input=CASES[case])
    assert result.exit_code == 2
    assert "refusing to build it" in result.output
    assert "Traceback" not in result.output


def test_thousands_of_misspelt_arguments_are_reported_once_each_quickly():
    """check-spec used to compare every new problem with every earlier one (O(n**2))."""
    args = ", ".join(f"kernal_size{i}: 3" for i in range(8000))
    text = f"input: [3, 8, 8]\nlayers:\n  - conv2d: {{out_channels: 4, kernel_size: 1, {args}}}\n"
    graph = load_spec(text, "net.yaml", tolerant=True)
    assert len(graph.load_problems) == 8000
    assert len({(p.error.pos, p.error.message) for p in graph.load_problems}) == 8000
