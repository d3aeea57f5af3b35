"""Properties of the inverse solver: every listed solution really gives the wanted size (checked
with the forward formula), and the values that produced a size are always among the solutions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.formulas import conv_out, conv_transpose_out, effective_kernel
from cnncalc.solve import solve

conv_cases = st.tuples(st.integers(1, 64), st.integers(1, 7), st.integers(1, 4),
                       st.integers(1, 3)).flatmap(
    lambda t: st.tuples(st.just(t[0]), st.just(t[1]), st.just(t[2]), st.just(t[3]),
                        st.integers(0, effective_kernel(t[1], t[3]) - 1)))


@settings(max_examples=150, deadline=None)
@given(conv_cases)
def test_conv_solutions_are_sound_and_complete(case):
    n, k, s, d, p = case
    try:
        out = conv_out(n, k, s, p, p, d).size
    except ValueError:
        return
    for unknown, value in (("padding", p), ("input", n), ("stride", s), ("kernel", k)):
        known = {"input": n, "kernel": k, "stride": s, "padding": p, "dilation": d}
        del known[unknown]
        answer = solve("conv", known, (unknown,), out)
        if unknown == "stride" and s > n + 2 * p:
            continue  # a single window: every stride beyond the padded size is the same answer
        assert value in [sol.values[unknown] for sol in answer.solutions], (unknown, case)
        for sol in answer.solutions:
            trial = {**known, **sol.values}
            assert conv_out(trial["input"], trial["kernel"], trial["stride"], trial["padding"],
                            trial["padding"], trial["dilation"]).size == out


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 32), st.integers(1, 6), st.integers(1, 4), st.integers(0, 3),
       st.integers(0, 3))
def test_deconv_output_padding_is_found(n, k, s, p, op):
    try:
        out = conv_transpose_out(n, k, s, p, op)
    except ValueError:
        return
    answer = solve("deconv", {"input": n, "kernel": k, "stride": s, "padding": p},
                   ("output_padding",), out)
    assert [sol.values["output_padding"] for sol in answer.solutions] == [op]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 24), st.integers(1, 24))
def test_several_unknowns_obey_the_single_unknown_limits(n, target):
    # kernel ?, stride ?, padding ? together give exactly the (kernel, stride) pairs' own
    # padding answers: padding below the kernel, stride up to the padded input
    together = solve("conv", {"input": n}, ("kernel", "stride", "padding"), target)
    found = {(s.values["kernel"], s.values["stride"], s.values["padding"])
             for s in together.solutions}
    expected = set()
    for k in range(1, n + 1):
        for s in range(1, n + 2 * (k - 1) + 1):
            for sol in solve("conv", {"input": n, "kernel": k, "stride": s}, ("padding",),
                             target).solutions:
                if s <= n + 2 * sol.values["padding"]:
                    expected.add((k, s, sol.values["padding"]))
    assert found == expected
    assert all(p <= k - 1 and k <= n and s <= n + 2 * p for k, s, p in found)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 64), st.integers(1, 7))
def test_reachable_outputs_are_exactly_what_the_search_gives(n, k):
    answer = solve("conv", {"input": n, "kernel": k}, ("stride",), 10_000)
    assert answer.solutions == ()
    if k > n:
        return
    outputs = {conv_out(n, k, s).size for s in range(1, n + 1)}
    assert set(answer.reachable) == outputs
