#!/usr/bin/env python3
"""Whole-process time of ``cnncalc analyze`` next to the bare imports of its dependencies.

The analytic path must feel instant, so what counts is the time a user waits: process start,
imports, YAML parsing, the walk and the rendering. The baseline is
``python -c "import yaml, click, rich"``, the floor any tool built on these libraries pays.

    python scripts/benchmark.py                       # vgg16, 20 runs each
    python scripts/benchmark.py architectures/*.yaml --runs 10 --format json
    python scripts/benchmark.py --pictures            # resnet152: diagram and HTML report

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
    parser.add_argument("--pictures", action="store_true",
                        help="time `cnncalc diagram` (every layer, each layout engine) and "
                        "`analyze --format html`, then opening the report in headless Chromium; "
                        "default spec: resnet152")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnncalc-bench-") as pycache:
        env = process_env(pycache, args.no_bytecode)
        if args.pictures:
            specs = args.specs if args.specs != parser.get_default("specs") else [
                str(ROOT / "architectures/resnet152.yaml")]
            return pictures(specs, min(args.runs, 5), env)
        return report(args, env)


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


def timed_cpu(cmds: list[list[str]], runs: int,
              env: dict[str, str]) -> tuple[list[list[float]], list[list[float]]]:
    """As ``timed``, with each run's CPU seconds (user + system of the process and whatever it
    started, such as Graphviz's dot) beside its wall-clock seconds: on a shared, loaded machine
    the wall clock counts the waiting for a core, the CPU time does not."""
    import resource

    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True, "env": env}
    for cmd in cmds:
        subprocess.run(cmd, **quiet)
    wall: list[list[float]] = [[] for _ in cmds]
    cpu: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for cmd, own, spent in zip(cmds, wall, cpu):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, **quiet)
            own.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            spent.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return wall, cpu


def pictures(specs: list[str], runs: int, env: dict[str, str]) -> int:
    """Whole-process time of each picture command, then the page's opening time.

    The issue's bar: ResNet-152 (~500 layers) draws in under 3 s and its HTML report opens in
    under 2 s. Opening is Chromium's navigation to the load event (best of ``runs``), measured
    when a Chromium is installed (the HTML tests use the same one)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import Browser, find_chromium

    dot = shutil.which("dot") is not None
    engines = ["python", *(["graphviz"] if dot else [])]
    chromium = find_chromium()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, {runs} runs each"
          f"{'' if dot else '; no Graphviz dot: its engine is not measured'}")
    with tempfile.TemporaryDirectory(prefix="cnncalc-pictures-") as folder:
        for spec in specs:
            svg = {e: str(Path(folder) / f"diagram-{e}.svg") for e in engines}
            page = str(Path(folder) / "report.html")
            cmds = [[*cnncalc_command(), "diagram", spec, "--engine", e, "-o", svg[e]]
                    for e in engines]
            cmds.append([*cnncalc_command(), "analyze", spec, "--format", "html", "-o", page])
            times, cpu = timed_cpu(cmds, runs, env)
            print(f"{Path(spec).name}: wall-clock median, and CPU time (user + system, the "
                  "process and its children: what an idle machine would take)")
            labels = [f"diagram, every layer, {e}" for e in engines] + ["analyze --format html"]
            files = [*svg.values(), page]
            for label, own, spent, path in zip(labels, times, cpu, files):
                print(f"  {label:<34} {statistics.median(own) * 1000:8.1f} ms  cpu "
                      f"{statistics.median(spent) * 1000:7.1f} ms  "
                      f"({Path(path).stat().st_size / 1e3:.0f} kB)")
            if not chromium:
                print("  (no chromium: opening times are not measured)")
                continue
            for label, path in (("open the HTML report", page),
                                *((f"open the SVG ({e})", svg[e]) for e in engines)):
                browser = Browser(chromium)
                try:
                    browser.open_page()
                    loads = [browser.navigate(Path(path).as_uri()) for _ in range(runs)]
                    problems = browser.problems()
                finally:
                    browser.close()
                note = f"  {problems}" if problems else ""
                print(f"  {label + ' in Chromium':<34} {min(loads) * 1000:8.1f} ms  (best of "
                      f"{runs}; first {loads[0] * 1000:.0f} ms){note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
