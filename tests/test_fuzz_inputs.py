"""Fuzzing the whole front door: whatever arrives, cnncalc answers with a result or with
``error:`` lines and exit status 2, never a traceback, another exception or another status.

Four sources, in process: random YAML trees (every scalar type YAML has, control characters,
huge numbers, NaN), random specs built from the layer registry with bad values, random
mutations of the shipped specs (architectures/*.yaml), and random command lines through click's
CliRunner. Each library-level example is loaded, analyzed and diagnosed (check-spec's path,
which computes fixes and so fails differently). ``CNNCALC_FUZZ_EXAMPLES`` sets the total
number of examples (default 2,100; the split between sources stays the same).
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc import CnnCalcError, analyze, load_spec
from cnncalc.cli import main
from cnncalc.diagnose import diagnose
from cnncalc.layers import REGISTRY

TOTAL = int(os.environ.get("CNNCALC_FUZZ_EXAMPLES", "2100"))
SHARE = {"trees": 0.25, "text": 0.15, "registry": 0.25, "mutations": 0.2, "cli": 0.15}
ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "architectures").rglob("*.yaml"))   # sub-folders too
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in SPECS}
KINDS = sorted(REGISTRY)


def examples(source: str) -> settings:
    return settings(max_examples=max(1, round(TOTAL * SHARE[source])), deadline=None,
                    suppress_health_check=list(HealthCheck), derandomize=False)


def answer(text: str) -> None:
    """The contract for one text: a report (and a diagnosis), or one-line user errors."""
    try:
        graph = load_spec(text, "fuzz.yaml", tolerant=True)
    except CnnCalcError as exc:
        assert str(exc) and "\n" not in str(exc) and "\x1b" not in str(exc)
        return
    try:
        found = diagnose(graph)
    except CnnCalcError as exc:  # e.g. nothing left to check: no layers
        assert str(exc) and "\n" not in str(exc)
    else:
        for problem in found.problems:
            assert "\n" not in str(problem.error)
    try:
        analyze(load_spec(text, "fuzz.yaml"), keep_going=True)
    except CnnCalcError as exc:
        assert str(exc) and "\n" not in str(exc)


# -- random YAML trees ---------------------------------------------------------------------

huge = st.integers(min_value=-(10**1200), max_value=10**1200)
scalars = st.one_of(
    st.integers(-5, 600), huge, st.booleans(), st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["same", "valid", "full", "causal", "$x", "$x * 2", "relu", "conv1",
                     "input", "", "nearest", "2001-02-30", "1e300", "0x1F", "0o17", "1_000",
                     ".nan", "-.inf", "~", "a\nerror: forged", "\x1b[31mred"] + KINDS),
)
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5),
    st.dictionaries(st.one_of(st.sampled_from(["input", "layers", "blocks", "repeat", "name",
                                               "concat", "add", "then", "when", "args",
                                               "kernel_size", "out_channels", "stride",
                                               *KINDS[:20]]), st.text(max_size=6)),
                    inner, max_size=5)), max_leaves=30)


@examples("trees")
@given(st.one_of(trees, st.fixed_dictionaries({"input": trees, "layers": trees})))
def test_random_yaml_trees(tree):
    answer(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False))


TOKENS = ["[", "]", "{", "}", ":", ",", "-", "&a", "*a", "!!float", "!!int", "!!bool",
          "!!timestamp", "!!binary", "!!str", "!!python/object", "|", ">", "'", '"', "#", "\n",
          "\n  ", " ", "abc", "1e999", "9" * 50, "2001-02-30", "input", "layers", "conv2d",
          "relu", "$x", "\x00", "\x1b", "\t", "\ufeff", "\u2028", "<<", "?", "%YAML 1.1\n---"]


@examples("text")
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_random_yaml_text(tokens):
    answer("input: [3, 16, 16]\nlayers:\n  - " + " ".join(tokens))


# -- random specs from the registry with bad values ----------------------------------------

bad = st.one_of(
    st.integers(-3, 70), st.sampled_from([0, -1, 10**400, 2**63, 10**999]),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.sampled_from(["same", "valid", "full", "causal", "abc", "", "nearest", "$x"]),
    st.lists(st.integers(-2, 9), max_size=4), st.dictionaries(st.text(max_size=3),
                                                               st.integers(0, 3), max_size=2),
)


@st.composite
def registry_layer(draw):
    kind = draw(st.sampled_from(KINDS))
    unit = REGISTRY[kind]
    names = [a.name for a in unit.arguments] + [alias for a in unit.arguments
                                                for alias in a.aliases]
    if not names or draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(st.just(kind), st.builds(lambda v: {kind: v}, bad)))
    args = draw(st.dictionaries(st.sampled_from(names + ["name", "from", "typo_arg"]),
                                st.one_of(bad, st.integers(1, 8)), max_size=5))
    return {kind: args}


@examples("registry")
@given(st.lists(st.integers(1, 40), min_size=1, max_size=4),
       st.lists(registry_layer(), min_size=1, max_size=6),
       st.sampled_from([None, "chw", "hwc", "xyz"]))
def test_registry_specs_with_bad_values(shape, layers, layout):
    spec = {"input": shape, "layers": layers}
    if layout:
        spec["input_layout"] = layout
    answer(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))


# -- random mutations of the shipped specs -------------------------------------------------

NUMBER = re.compile(r"\b\d+\b")
REPLACEMENTS = ["0", "-1", "1", "2", "3", "7", "1000000000", "1" + "0" * 400, ".nan", "abc",
                "[1, 2]", "{}", "same", "$x", "!!float abc", "2001-02-30", "", "'", "\x00",
                "\x1b[31m", "\n", "9" * 5000]


@examples("mutations")
@given(st.sampled_from(sorted(TEXTS)), st.lists(st.tuples(
    st.sampled_from(["number", "delete_line", "duplicate_line", "insert", "truncate",
                     "swap_lines"]),
    st.integers(0, 10**6), st.sampled_from(REPLACEMENTS)), min_size=1, max_size=3))
def test_mutated_shipped_specs(name, mutations):
    text = TEXTS[name]
    for what, where, value in mutations:
        lines = text.split("\n")
        if what == "number":
            spots = list(NUMBER.finditer(text))
            if spots:
                m = spots[where % len(spots)]
                text = text[:m.start()] + value + text[m.end():]
        elif what == "delete_line":
            del lines[where % len(lines)]
            text = "\n".join(lines)
        elif what == "duplicate_line":
            i = where % len(lines)
            text = "\n".join(lines[:i + 1] + lines[i:])
        elif what == "swap_lines":
            i = where % len(lines)
            j = (where // 7) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif what == "insert":
            i = where % (len(text) + 1)
            text = text[:i] + value + text[i:]
        else:
            text = text[:where % (len(text) + 1)]
    answer(text)


# -- random command lines ------------------------------------------------------------------

SPEC_ARGS = ["architectures/lenet5.yaml", "architectures/vgg11.yaml", "architectures/tcn.yaml",
             "architectures/unet.yaml", "architectures/resnet18.yaml", "no_such.yaml", "-",
             "architectures", ""]
FLAGS = {
    "analyze": ["-f", "--format", "--batch", "--input", "--layout", "--depth", "--dtype",
                "--until", "--trace", "--min-input", "--color", "--no-color"],
    "check-spec": ["-f"],
    "explain": ["--layout"],
    "layers": ["-f"],
    "conv": ["--input", "--filters", "--kernel", "--stride", "--padding", "--dilation",
             "--groups", "--explain", "--layout", "-f"],
    "pool": ["--input", "--kernel", "--stride", "--padding", "--ceil", "--explain", "-f"],
    "deconv": ["--input", "--filters", "--kernel", "--stride", "--padding", "--explain"],
    "dense": ["--input", "--units", "--explain"],
    "solve": ["--op", "--input", "--output", "--kernel", "--stride", "--padding",
              "--dilation", "--all", "-f"],
}
VALUES = ["0", "1", "2", "3", "-1", "?", "32", "224", "32x32x3", "3,224,224", "16x12x12",
          "4x28x28x3", "9" * 5000, "1e9", "same", "valid", "json", "csv", "table", "markdown",
          "text", "hwc", "chw", "float16", "conv1", "stage1", "pool", "deconv", "nan", "",
          "a\nb", "\x1b[31m", "1" + "0" * 30]


@st.composite
def command_line(draw):
    command = draw(st.sampled_from(sorted(FLAGS)))
    argv = [command]
    if command in ("analyze", "check-spec", "explain"):
        argv.append(draw(st.sampled_from(SPEC_ARGS)))
    if command == "explain":
        argv += draw(st.lists(st.sampled_from(["conv1", "pool1", "fc1", "nope", "stage1"]),
                              max_size=2))
    for _ in range(draw(st.integers(0, 4))):
        argv.append(draw(st.sampled_from(FLAGS[command])))
        if draw(st.booleans()):
            argv.append(draw(st.sampled_from(VALUES)))
    return argv


STDIN = TEXTS["lenet5.yaml"]


@examples("cli")
@given(command_line())
def test_random_command_lines(argv):
    result = CliRunner().invoke(main, argv, input=STDIN, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        argv, repr(result.exception))
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.output[-500:])
    assert "Traceback" not in result.output
    if argv[0] == "check-spec" and "json" in argv and result.stdout.startswith("{"):
        json.loads(result.stdout)  # the verdict, errors included, is the JSON itself
    elif result.exit_code == 2:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines and any(line.startswith("error: ") for line in lines), (argv, result.stderr)
        assert all(line.startswith(("error: ", "warning: ", "  fix: ", "  note: "))
                   for line in lines), (argv, result.stderr)


def test_the_default_run_has_at_least_2000_examples():
    total = sum(max(1, round(2100 * share)) for share in SHARE.values())
    assert total >= 2000 and math.isclose(sum(SHARE.values()), 1.0)
