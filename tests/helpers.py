"""Helpers for tests: analyze inline specs, look up rows."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cnncalc import analyze, load_file, load_spec
from cnncalc.graph import Graph
from cnncalc.report import Report
from cnncalc.zoo import resolve

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURES = ROOT / "architectures"
# every spec of the zoo, sub-folders included (architectures/video/s3d.yaml)
ZOO_SPECS = sorted(ARCHITECTURES.rglob("*.yaml"))


def zoo_id(path: Path) -> str:
    """A zoo spec's path below architectures/ without '.yaml' ('vgg16', 'video/s3d')."""
    return path.relative_to(ARCHITECTURES).with_suffix("").as_posix()


def run(text: str, **kwargs) -> Report:
    """Analyze a spec written inline (dedented) in a test."""
    return analyze(load_spec(textwrap.dedent(text), "spec.yaml"), **kwargs)


def zoo_file(name: str) -> Path:
    """The spec file of a zoo network (a family file for a variant such as efficientnet_b3)."""
    return Path(resolve(name)[0])


def zoo_graph(name: str) -> Graph:
    """A zoo network by its name, a family's variant with its args set."""
    path, settings = resolve(name)
    return load_file(path, settings=settings)


def zoo_report(name: str, **kwargs) -> Report:
    return analyze(zoo_graph(name), **kwargs)


def shapes(report: Report) -> dict[str, tuple[int, ...] | None]:
    return {row.name: row.output_shape for row in report.rows}


def row(report: Report, name: str):
    for r in report.rows:
        if r.name == name:
            return r
    raise KeyError(f"no row {name!r}; rows: {[r.name for r in report.rows]}")
