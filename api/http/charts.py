"""The customs dashboard's charts, drawn on the server with matplotlib (its object API and
the Agg backend: no pyplot state, safe in threads) as SVG, each with the table it draws,
downloadable as CSV. Inputs are the time-release report and the mirror statistics."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

SEGMENT_LABELS = {
    "lodged_to_arrival": "lodged → arrival",
    "arrival_to_lane": "arrival → lane",
    "lane_to_release": "lane → release",
    "arrival_to_release": "arrival → release",
    "release_to_exit": "release → exit",
}
INK, ACCENT, GREEN, RED = "#1f2328", "#0b3d6b", "#0a7d32", "#b3261e"


@dataclass(frozen=True)
class Chart:
    """A chart's title, its table (header row first) and its drawing."""

    name: str
    title: str
    table: list[list[Any]]
    svg: bytes

    def csv(self) -> str:
        """The table as CSV."""
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(self.table)
        return out.getvalue()


def _svg(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def _figure(title: str) -> tuple[Figure, Any]:
    figure = Figure(figsize=(6.4, 3.6), dpi=100)
    axes = figure.subplots()
    axes.set_title(title, fontsize=11, color=INK, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _empty(axes: Any, why: str) -> None:
    axes.text(0.5, 0.5, why, ha="center", va="center", transform=axes.transAxes, color="#5f6368")
    axes.set_xticks([])
    axes.set_yticks([])


def release_by_group(report: dict[str, Any]) -> Chart:
    """Release time (arrival → release) distributions by lane and by AEO status, as box plots
    drawn from the report's quartiles, whiskers at min and max."""
    rows: list[list[Any]] = [
        ["group", "value", "count", "mean_h", "median_h", "q1_h", "q3_h", "p90_h", "min_h", "max_h"]
    ]
    boxes, labels = [], []
    for dimension, title in (("lane", "lane"), ("aeo", "AEO")):
        for value, s in report["release_time_by"].get(dimension, {}).items():
            if not s.get("count"):
                continue
            rows.append(
                [dimension, value, s["count"], s["mean"], s["median"], s["q1"], s["q3"], s["p90"], s["min"], s["max"]]
            )
            boxes.append(
                {
                    "med": s["median"],
                    "q1": s["q1"],
                    "q3": s["q3"],
                    "whislo": s["min"],
                    "whishi": s["max"],
                    "mean": s["mean"],
                    "fliers": [],
                }
            )
            labels.append(f"{title}: {value}\n(n={s['count']})")
    figure, axes = _figure("Release time by lane and AEO status (hours)")
    if boxes:
        axes.bxp(
            boxes,
            showmeans=True,
            patch_artist=True,
            boxprops={"facecolor": "#dbe7f3", "edgecolor": ACCENT},
            medianprops={"color": RED},
        )
        axes.set_xticks(range(1, len(labels) + 1), labels, fontsize=8)
        axes.set_ylabel("hours")
    else:
        _empty(axes, "no released consignment in this period")
    return Chart("release-by-group", "Release time by lane and AEO status", rows, _svg(figure))


def time_per_segment(report: dict[str, Any]) -> Chart:
    """Median and mean time of each segment."""
    rows: list[list[Any]] = [["segment", "count", "mean_h", "median_h", "p90_h"]]
    names, medians, means = [], [], []
    for key, label in SEGMENT_LABELS.items():
        s = report["segments_hours"].get(key, {})
        if s.get("count"):
            rows.append([label, s["count"], s["mean"], s["median"], s["p90"]])
            names.append(label)
            medians.append(s["median"])
            means.append(s["mean"])
    figure, axes = _figure("Time per segment (hours)")
    if names:
        positions = range(len(names))
        axes.barh([p + 0.2 for p in positions], medians, height=0.4, color=ACCENT, label="median")
        axes.barh([p - 0.2 for p in positions], means, height=0.4, color="#8fb3d9", label="mean")
        axes.set_yticks(list(positions), names, fontsize=8)
        axes.legend(frameon=False, fontsize=8)
    else:
        _empty(axes, "no segment could be timed")
    return Chart("time-per-segment", "Time per segment", rows, _svg(figure))


def pre_arrival_share(report: dict[str, Any]) -> Chart:
    """The share of declarations lodged before arrival, by month of arrival."""
    by_month = report.get("lodged_before_arrival_by_month", {})
    rows: list[list[Any]] = [["month", "share_lodged_before_arrival"], *[[m, v] for m, v in by_month.items()]]
    figure, axes = _figure("Declarations lodged before arrival (share)")
    if by_month:
        months = list(by_month)
        axes.plot(months, [v or 0 for v in by_month.values()], marker="o", color=GREEN)
        axes.set_ylim(0, 1.05)
        axes.tick_params(axis="x", labelsize=8)
    else:
        _empty(axes, "no lodged declaration with an arrival")
    return Chart("pre-arrival-share", "Pre-arrival share over time", rows, _svg(figure))


def mirror_by_chapter(statistics: dict[str, Any]) -> Chart:
    """Import value over export value by HS chapter, with the critical discrepancies."""
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for row in statistics["rows"]:
        t = totals[row["chapter"]]
        t[0] += Decimal(row["export_value"])
        t[1] += Decimal(row["import_value"])
        t[2] += row["critical"]
    rows: list[list[Any]] = [
        ["hs_chapter", "export_value", "import_value", "asymmetry_ratio", "critical_discrepancies"]
    ]
    chapters, ratios, colours, criticals = [], [], [], []
    for chapter, (exported, imported, critical) in sorted(totals.items()):
        ratio = float(imported / exported) if exported else 0.0
        rows.append([chapter, str(exported), str(imported), round(ratio, 4), int(critical)])
        chapters.append(f"HS {chapter}")
        ratios.append(ratio)
        colours.append(RED if ratio < 0.98 else ACCENT)
        criticals.append(int(critical))
    figure, axes = _figure(f"Mirror asymmetry by HS chapter (import / export, {statistics['currency']})")
    if chapters:
        bars = axes.bar(chapters, ratios, color=colours)
        for bar, count in zip(bars, criticals, strict=True):
            if count:
                axes.annotate(
                    f"{count} critical",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=RED,
                )
        axes.axhline(1.06, color=GREEN, linestyle="--", linewidth=1, label="expected CIF/FOB 1.06")
        axes.axhline(0.98, color=RED, linestyle=":", linewidth=1, label="undervaluation below 0.98")
        axes.set_ylim(0, max([1.3, *ratios]) * 1.1)
        axes.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
        axes.tick_params(axis="x", labelsize=8)
    else:
        _empty(axes, "no consignment with both declarations")
    return Chart("mirror-by-chapter", "Mirror asymmetries by HS chapter", rows, _svg(figure))


CHARTS: dict[str, tuple[str, Callable[[dict[str, Any]], Chart]]] = {
    "release-by-group": ("report", release_by_group),
    "time-per-segment": ("report", time_per_segment),
    "pre-arrival-share": ("report", pre_arrival_share),
    "mirror-by-chapter": ("statistics", mirror_by_chapter),
}
