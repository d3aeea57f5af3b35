#!/usr/bin/env python3
"""Whole-process time of ``cnncalc analyze`` next to the bare imports of its dependencies.

The analytic path must feel instant, so what counts is the time a user waits: process start,
imports, YAML parsing, the walk and the rendering. The baseline is
``python -c "import yaml, click, rich"``, the floor any tool built on these libraries pays.

    python scripts/benchmark.py                       # vgg16, 20 runs each
    python scripts/benchmark.py architectures/*.yaml --runs 10 --format json

This is a measurement, never a test assertion: machines differ.

Bytecode: a pip install compiles every module to ``.pyc``, so a user never pays for compiling
cnncalc's source. A checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (set on some CI and sandbox
machines) would recompile all of it in every process and report ~50 ms that no user sees, so
the timed processes may write bytecode, into a temporary ``PYTHONPYCACHEPREFIX`` (never into the
tree); the untimed warm-up run fills it. ``--no-bytecode`` measures the recompiling case instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmds: list[list[str]], runs: int, env: dict[str, str]) -> list[list[float]]:
    """Wall-clock seconds of ``runs`` executions of each command (after one untimed warm-up
    each), taken in turn so that a machine that slows down or speeds up part-way (a shared VM)
    weighs on every command alike instead of on whichever ran then."""
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True, "env": env}
    for cmd in cmds:
        subprocess.run(cmd, **quiet)
    times: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for cmd, own in zip(cmds, times):
            start = time.perf_counter()
            subprocess.run(cmd, **quiet)
            own.append(time.perf_counter() - start)
    return times


def cnncalc_command() -> list[str]:
    script = Path(sys.executable).parent / "cnncalc"
    found = str(script) if script.exists() else shutil.which("cnncalc")
    return [found] if found else [sys.executable, "-m", "cnncalc"]


def summary(times: list[float]) -> dict[str, float]:
    q1, _, q3 = statistics.quantiles(times, n=4)
    return {"median_ms": round(statistics.median(times) * 1000, 1),
            "iqr_ms": round((q3 - q1) * 1000, 1), "min_ms": round(min(times) * 1000, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", default=[str(ROOT / "architectures/vgg16.yaml")])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="recompile every module in every run (PYTHONDONTWRITEBYTECODE=1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnncalc-bench-") as pycache:
        return report(args, process_env(pycache, args.no_bytecode))


def process_env(pycache: str, no_bytecode: bool) -> dict[str, str]:
    """The timed processes' environment: bytecode as an installed package has it, or none."""
    env = dict(os.environ)
    if no_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def report(args: argparse.Namespace, env: dict[str, str]) -> int:
    cmds = [[sys.executable, "-c", "import yaml, click, rich"],
            *([*cnncalc_command(), "analyze", spec] for spec in args.specs)]
    base_times, *spec_times = timed(cmds, args.runs, env)
    baseline = summary(base_times)
    results = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "runs": args.runs,
               "bytecode": not args.no_bytecode,
               "baseline_import_yaml_click_rich": baseline, "analyze": {}}
    for spec, times in zip(args.specs, spec_times):
        stats = summary(times)
        stats["x_baseline"] = round(stats["median_ms"] / baseline["median_ms"], 2)
        results["analyze"][Path(spec).name] = stats
    if args.format == "json":
        print(json.dumps(results, indent=2))
        return 0
    bytecode = "compiled bytecode" if results["bytecode"] else "no bytecode (recompiled each run)"
    print(f"python {results['python']}, {results['cpus']} cpus, {args.runs} runs each "
          f"(median, IQR), {bytecode}")
    print(f"{'import yaml, click, rich':<32} {baseline['median_ms']:7.1f} ms  "
          f"± {baseline['iqr_ms']:.1f}")
    for name, stats in results["analyze"].items():
        print(f"{'analyze ' + name:<32} {stats['median_ms']:7.1f} ms  ± {stats['iqr_ms']:.1f}"
              f"   {stats['x_baseline']:.2f}x baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
