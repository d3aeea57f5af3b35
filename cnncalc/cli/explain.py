"""``cnncalc explain SPEC --layer NAME``: the worked formulas of one layer inside a network.

A name may be a block scope (``layer2`` of a ResNet): every layer inside it is explained, as
``analyze --until`` accepts the same scopes. A layer after a broken one is still explained when
its inputs are known; when they are not, the error names the earlier layer that failed.
"""

from __future__ import annotations

import sys

import click

from ..engine import Step, propagate
from ..errors import CnnCalcError, did_you_mean
from ..graph import NETWORK_INPUT, Graph
from ..worked import with_flops
from .common import USER_ERROR, load, report_errors


def scopes(names: list[str]) -> list[str]:
    """Every block scope of the layer names: ``layer2.0.conv1`` gives layer2 and layer2.0."""
    found: dict[str, None] = {}
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts)):
            found[".".join(parts[:i])] = None
    return list(found)


def resolve(name: str, names: list[str], spec: str) -> list[str]:
    """The layers ``name`` asks for: itself, or every layer of the scope it names. Unknown
    names get a did-you-mean that prefers names and scopes starting with what was typed."""
    if name in names:
        return [name]
    inside = [n for n in names if n.startswith(name + ".")]
    if inside:
        return inside
    known = [*scopes(names), *names]
    prefixed = sorted((n for n in known if n.startswith(name)), key=lambda n: (len(n), n))
    if prefixed:
        shown = ", ".join(f"'{n}'" for n in prefixed[:4])
        hint = f" (did you mean {shown}{', ...' if len(prefixed) > 4 else ''}?)"
    else:
        hint = did_you_mean(name, known)
    raise CnnCalcError(f"no layer or block named '{name}' in {spec}{hint}")


def failed_upstream(graph: Graph, steps: dict[int, Step], node_id: int) -> Step | None:
    """The first failed layer that ``node_id`` depends on (a walk up its inputs)."""
    stack, seen = list(graph.nodes[node_id].inputs), set()
    failed = []
    while stack:
        i = stack.pop()
        if i == NETWORK_INPUT or i in seen:
            continue
        seen.add(i)
        if steps[i].error is not None:
            failed.append(steps[i])
        stack.extend(graph.nodes[i].inputs)
    return min(failed, key=lambda s: s.node.id) if failed else None


def explain_step(step: Step, layout: str) -> list[str]:
    """The header, the worked lines and the warnings of one computed layer."""
    call = step.call
    assert call is not None
    warnings = list(dict.fromkeys(w.message for w in call.warnings))  # before explain re-warns
    where = f" ({step.node.pos})" if step.node.pos else ""
    lines = [f"{step.node.name} ({step.node.kind}){where}"]
    unit = step.node.unit
    lines += [f"  {line.text}" for line in with_flops(unit.explain(call, layout),
                                                        unit.macs(call))]
    lines += [f"  warning: {w}" for w in warnings]
    return lines


@click.command("explain")
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--layer", "layers", multiple=True, required=True, metavar="NAME",
              help="Layer name as analyze prints it, or a block scope such as layer2 "
              "(every layer inside it); repeatable.")
@click.option("--layout", type=click.Choice(["chw", "hwc"]), help="Write shapes channels "
              "first or last (default: the spec's input_layout).")
@report_errors
def command(spec: str, layers: tuple[str, ...], layout: str | None) -> None:
    """Every formula of one layer of SPEC with the numbers substituted, step by step.

    A layer whose inputs cannot be computed (an earlier layer is broken) is refused with an
    error naming that earlier layer; the layers that can be computed are still explained.

    \b
    Examples:
      cnncalc explain architectures/alexnet.yaml --layer conv1
      cnncalc explain architectures/lenet5.yaml --layer c3 --layer c5 --layout hwc
      cnncalc explain architectures/resnet18.yaml --layer layer2.0    # a whole block
    """
    graph = load(spec, layout)
    names = [n.name for n in graph.nodes]
    wanted: list[str] = []
    for name in layers:
        found = resolve(name, names, spec)
        if found != [name]:
            click.echo(f"{name} (block): {len(found)} layer{'s' if len(found) != 1 else ''}, "
                       f"{found[0]} to {found[-1]}\n" if len(found) > 1 else
                       f"{name} (block): 1 layer, {found[0]}\n")
        wanted += [n for n in found if n not in wanted]
    steps = {step.node.id: step for step in propagate(graph, keep_going=True)}
    by_name = {step.node.name: step for step in steps.values()}
    blocks, errors = [], []
    for name in sorted(wanted, key=names.index):
        step = by_name[name]
        if step.call is not None:
            blocks.append(explain_step(step, graph.layout))
        elif step.error is not None:
            errors.append(str(step.error))
        else:
            cause = failed_upstream(graph, steps, step.node.id)
            why = f"an earlier layer '{cause.node.name}' failed: {cause.error}" if cause else \
                "an earlier layer failed"
            errors.append(f"cannot explain '{name}', its input is unknown because {why}")
    if blocks:
        click.echo("\n\n".join("\n".join(block) for block in blocks))
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if errors:
        sys.exit(USER_ERROR)
