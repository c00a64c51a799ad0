"""Write bench results: results.json, results.md (goals and ratios) and chart.png."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Every key results.json must hold (dotted paths), as issue 8 lists them.
REQUIRED_KEYS = [
    "srp_compute_ms.ours",
    "srp_compute_ms.js_sdk",
    "srp_compute_ms.js_bigint_floor",
    "signin_ms.ours",
    "signin_ms.js_sdk",
    "typeable_form_ms",
    "sdk_ready_cold_ms.ours",
    "sdk_ready_cold_ms.bare_pyodide",
    "sdk_ready_warm_ms.ours",
    "longest_main_thread_task_ms",
    "wheel_gz_bytes",
    "js_sdk_gz_bytes",
    "cold_load_bytes",
    "emulator.signins_per_s",
    "emulator.ceiling_per_s",
]


def lookup(results: dict[str, Any], dotted: str) -> Any:
    """``results['a']['b']`` for ``'a.b'``; None when a part is missing."""
    node: Any = results
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def central(entry: Any) -> float | None:
    """The figure a goal compares: the median of a sample, or a single value."""
    if not isinstance(entry, dict):
        return None
    value = entry.get("median", entry.get("value"))
    return float(value) if isinstance(value, int | float) else None


@dataclass
class Goal:
    """One row of the goals table."""

    measure: str
    goal: str
    compute: Callable[[dict[str, Any]], float | None]
    passes: Callable[[float], bool]
    unit: str


def _ratio(a: str, b: str) -> Callable[[dict[str, Any]], float | None]:
    def f(r: dict[str, Any]) -> float | None:
        x, y = central(lookup(r, a)), central(lookup(r, b))
        return None if x is None or not y else x / y

    return f


def _value(a: str, scale: float = 1.0) -> Callable[[dict[str, Any]], float | None]:
    def f(r: dict[str, Any]) -> float | None:
        x = central(lookup(r, a))
        return None if x is None else x * scale

    return f


def _emulator_ratio(r: dict[str, Any]) -> float | None:
    # The emulator against moto_server on the same SRP load, same core, one run (moto skips
    # the password check: an upper bound for a Python server); it replaced the ratio to the
    # modexp ceiling, which the machine's load swung more than any change of the code.
    return _ratio("emulator_vs_moto.emulator", "emulator_vs_moto.moto_server")(r)


GOALS = [
    Goal(
        "SRP compute, ours / JS SDK",
        "≤ 0.2",
        _ratio("srp_compute_ms.ours", "srp_compute_ms.js_sdk"),
        lambda v: v <= 0.2,
        "ratio",
    ),
    Goal(
        "SRP compute, ours / plain JS BigInt floor",
        "≤ 1.2",
        _ratio("srp_compute_ms.ours", "srp_compute_ms.js_bigint_floor"),
        lambda v: v <= 1.2,
        "ratio",
    ),
    Goal(
        "sign-in latency, ours / JS SDK",
        "≤ 0.5",
        _ratio("signin_ms.ours", "signin_ms.js_sdk"),
        lambda v: v <= 0.5,
        "ratio",
    ),
    Goal(
        "navigation to typeable form",
        "≤ 150 ms",
        _value("typeable_form_ms"),
        lambda v: v <= 150,
        "ms",
    ),
    Goal(
        "navigation to SDK ready, cold / bare Pyodide",
        "≤ 0.3",
        _ratio("sdk_ready_cold_ms.ours", "sdk_ready_cold_ms.bare_pyodide"),
        lambda v: v <= 0.3,
        "ratio",
    ),
    Goal(
        "navigation to SDK ready, warm reload",
        "≤ 500 ms",
        _value("sdk_ready_warm_ms.ours"),
        lambda v: v <= 500,
        "ms",
    ),
    Goal(
        "longest main-thread task, boot and sign-in",
        "< 50 ms",
        _value("longest_main_thread_task_ms"),
        lambda v: v < 50,
        "ms",
    ),
    Goal(
        "wheel, compressed",
        "≤ 40 KB",
        _value("wheel_gz_bytes", 1 / 1000),
        lambda v: v <= 40,
        "KB",
    ),
    Goal(
        "bytes transferred on a cold load, compressed",
        "≤ 8 MB",
        _value("cold_load_bytes", 1 / 1e6),
        lambda v: v <= 8,
        "MB",
    ),
    Goal(
        "emulator throughput / moto_server's (same SRP load)",
        "≥ 0.7",
        _emulator_ratio,
        lambda v: v >= 0.7,
        "ratio",
    ),
]


def goal_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal with the measured figure and whether it is met (None: not measured)."""
    rows = []
    for g in GOALS:
        v = g.compute(results)
        rows.append(
            {
                "measure": g.measure,
                "goal": g.goal,
                "measured": None if v is None else round(v, 3),
                "unit": g.unit,
                "met": None if v is None else bool(g.passes(v)),
            }
        )
    return rows


def _fmt(entry: Any) -> str:
    if not isinstance(entry, dict):
        return "—"
    unit = entry.get("unit", "")
    if "median" in entry:
        spread = f"min {entry['min']:g}, max {entry['max']:g}, n={entry['n']}"
        return f"{entry['median']:g} {unit} ({spread})"
    if entry.get("value") is not None:
        return f"{entry['value']:g} {unit}"
    return "not measured: " + str(entry.get("skipped", "?"))


def write_markdown(results: dict[str, Any], path: Path) -> None:
    """The goals table, then every figure."""
    lines = [
        "# Benchmark results",
        "",
        f"Run {results['date']} on {results['machine'].get('summary', '?')}, "
        f"{results['machine'].get('browser', '?')}, Pyodide "
        f"{results['machine'].get('pyodide', '?')}; load average at start "
        f"{results['machine'].get('load_average_at_start', '?')}, at end "
        f"{results['machine'].get('load_average_at_end', '?')}"
        + (" — `--quick` (tiny counts, not for comparison)" if results.get("quick") else ""),
        "",
        "| measure | goal | measured | met |",
        "| --- | --- | --- | --- |",
    ]
    for row in results["goals"]:
        measured = "—" if row["measured"] is None else f"{row['measured']:g} {row['unit']}"
        met = {True: "yes", False: "**no**", None: "not measured"}[row["met"]]
        lines.append(f"| {row['measure']} | {row['goal']} | {measured} | {met} |")
    lines += ["", "## Figures", "", "| key | value |", "| --- | --- |"]
    for key in REQUIRED_KEYS:
        lines.append(f"| `{key}` | {_fmt(lookup(results, key))} |")
    for name, entry in sorted(results.get("extra", {}).items()):
        lines.append(f"| `extra.{name}` | {_fmt(entry)} |")
    if results.get("notes"):
        lines += ["", "## Notes", ""]
        lines += [f"- {note}" for note in results["notes"]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_chart(results: dict[str, Any], path: Path) -> None:
    """Bars for the side-by-side timings (ours against the JS SDK and the baselines)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        (
            "SRP client maths (ms)",
            [
                ("ours", "srp_compute_ms.ours"),
                ("JS SDK", "srp_compute_ms.js_sdk"),
                ("JS BigInt floor", "srp_compute_ms.js_bigint_floor"),
            ],
        ),
        ("sign-in (ms)", [("ours", "signin_ms.ours"), ("JS SDK", "signin_ms.js_sdk")]),
        (
            "SDK ready (ms)",
            [
                ("ours cold", "sdk_ready_cold_ms.ours"),
                ("bare Pyodide cold", "sdk_ready_cold_ms.bare_pyodide"),
                ("ours warm", "sdk_ready_warm_ms.ours"),
            ],
        ),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(12, 3.6))
    for ax, (title, bars) in zip(axes, panels, strict=True):
        labels = [label for label, _ in bars]
        values = [central(lookup(results, key)) or 0.0 for _, key in bars]
        colors = ["#2b7bba" if label.startswith("ours") else "#999999" for label in labels]
        ax.bar(labels, values, color=colors)
        ax.set_title(title)
        for i, v in enumerate(values):
            ax.text(i, v, f"{v:.0f}" if v else "n/a", ha="center", va="bottom", fontsize=8)
        ax.tick_params(axis="x", labelrotation=15, labelsize=8)
    fig.suptitle(
        f"amazon-cognito-identity (Pyodide) vs amazon-cognito-identity-js — {results['date']}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_all(results: dict[str, Any], out_dir: Path) -> None:
    """results.json, results.md and chart.png into ``out_dir``."""
    results["goals"] = goal_rows(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    write_markdown(results, out_dir / "results.md")
    write_chart(results, out_dir / "chart.png")
