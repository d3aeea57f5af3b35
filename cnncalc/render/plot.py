"""Charts of a report with matplotlib (the ``plot`` extra): per-layer bars with the cumulative
curve, the receptive field against depth, and several networks on one figure.

Imported only by ``cnncalc plot``; the analytic path never loads matplotlib.
"""

from __future__ import annotations

from ..report import DTYPE_BYTES, Report, Row
from .columns import collapse
from .mpl import need_matplotlib

WHAT = {
    "params": ("Parameters", lambda r, b: r.params),
    "macs": ("MACs", lambda r, b: r.macs),
    "activations": ("Activations (elements)", lambda r, b: r.activations),
    "memory": ("Memory (bytes: parameters, buffers and output)",
               lambda r, b: (r.params + r.buffers + r.activations) * b),
    "rf": ("Receptive field (pixels, largest axis)",
           lambda r, b: max(r.receptive_field) if r.receptive_field else None),
}

LOG_RANGE = 1000
"""Bars go on a log axis when the largest non-zero value is this many times the smallest."""


def series(report: Report, what: str, depth: int | None) -> tuple[list[Row], list[float | None]]:
    rows = list(collapse(report.rows, depth))
    per = DTYPE_BYTES[report.dtype]
    get = WHAT[what][1]
    return rows, [get(r, per) for r in rows]


def wants_log(values: list[float | None]) -> bool:
    positive = [v for v in values if v]
    return bool(positive) and max(positive) / min(positive) >= LOG_RANGE


def figure(reports: list[Report], what: str, depth: int | None = None,
           log: bool | None = None):  # noqa: ANN201 - a matplotlib Figure
    """One report: a bar per layer (or block) and, on a second axis, the running total (for
    the receptive field, the curve itself). Several: one curve per network, cumulative for
    counts, so totals and where they accrue compare at a glance."""
    plt = need_matplotlib("cnncalc plot")
    title, _ = WHAT[what]
    if len(reports) == 1:
        report = reports[0]
        rows, values = series(report, what, depth)
        xs = list(range(len(rows)))
        fig, ax = plt.subplots(figsize=(max(8.0, min(0.18 * len(rows) + 3, 30.0)), 4.8),
                               layout="constrained")
        if what == "rf":
            ax.plot(xs, [v if v is not None else float("nan") for v in values],
                    marker="o", ms=3, color="#2f6fab")
            ax.set_ylabel(title)
        else:
            ax.bar(xs, [v or 0 for v in values], color="#6a9fcf", width=0.8)
            use_log = wants_log(values) if log is None else log
            if use_log:
                ax.set_yscale("log")
            ax.set_ylabel(title + (" (log scale)" if use_log else ""))
            running, acc = [], 0
            for v in values:
                acc += v or 0
                running.append(acc)
            twin = ax.twinx()
            twin.plot(xs, running, color="#d62728", lw=1.5, label="cumulative")
            twin.set_ylabel("Cumulative", color="#d62728")
            twin.set_ylim(bottom=0)
            twin.tick_params(axis="y", colors="#d62728")
        if len(rows) <= 60:
            ax.set_xticks(xs, [r.name for r in rows], rotation=90, fontsize=7)
        else:
            ax.set_xlabel("Layer (execution order)")
        ax.set_title(f"{report.name}: {title.split(' (')[0].lower()} per layer")
    else:
        fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
        use_log = False
        for report in reports:
            rows, values = series(report, what, depth)
            if what == "rf":
                ys = [v if v is not None else float("nan") for v in values]
                label = report.name
            else:
                ys, acc = [], 0
                for v in values:
                    acc += v or 0
                    ys.append(acc)
                label = f"{report.name} (total {acc:,})"
                use_log = use_log or wants_log([ys[-1], max(min(y for y in ys if y) if any(ys)
                                                            else 1, 1)])
            ax.plot(range(len(ys)), ys, lw=1.6, label=label)
        if log or (log is None and use_log and what != "rf"):
            ax.set_yscale("log")
        ax.set_xlabel("Layer (execution order)")
        low = title if title[1:2].isupper() else title[0].lower() + title[1:]
        ax.set_ylabel(title if what == "rf" else f"Cumulative {low}")
        ax.set_title(f"{title.split(' (')[0]}: " + " vs ".join(r.name for r in reports))
        ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def save_plot(reports: list[Report], what: str, path: str, depth: int | None = None,
              log: bool | None = None) -> None:
    plt = need_matplotlib("cnncalc plot")
    fig = figure(reports, what, depth, log)
    fig.savefig(path, dpi=150)
    plt.close(fig)
