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
    # issue 18: the second peer
    "signin_ms.amplify",
    "signin_ms.ours_form",
    "amplify_gz_bytes",
    "longest_task_amplify_signin_ms",
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
    """One row of the goals table; ``spread`` gives (min, max, n) over the runs."""

    measure: str
    goal: str
    compute: Callable[[dict[str, Any]], float | None]
    passes: Callable[[float], bool]
    unit: str
    spread: Callable[[dict[str, Any]], tuple[float, float, int] | None] | None = None


def ratio_runs(results: dict[str, Any], a: str, b: str) -> list[float]:
    """Run-by-run ratios of two measures sampled in turns (same count, same order)."""
    x, y = lookup(results, a), lookup(results, b)
    xs = x.get("samples") if isinstance(x, dict) else None
    ys = y.get("samples") if isinstance(y, dict) else None
    if not xs or not ys or len(xs) != len(ys):
        return []
    return [p / q for p, q in zip(xs, ys, strict=True) if q]


def _ratio_spread(a: str, b: str) -> Callable[[dict[str, Any]], tuple[float, float, int] | None]:
    def f(r: dict[str, Any]) -> tuple[float, float, int] | None:
        runs = ratio_runs(r, a, b)
        return (min(runs), max(runs), len(runs)) if runs else None

    return f


def _value_spread(
    a: str, scale: float = 1.0
) -> Callable[[dict[str, Any]], tuple[float, float, int] | None]:
    def f(r: dict[str, Any]) -> tuple[float, float, int] | None:
        entry = lookup(r, a)
        if not isinstance(entry, dict) or "min" not in entry:
            return None
        return (entry["min"] * scale, entry["max"] * scale, int(entry.get("n", 0)))

    return f


def _ratio_goal(measure: str, goal: str, a: str, b: str, limit: float) -> Goal:
    """A ratio goal ``a / b <= limit``: the median ratio, and its spread over paired runs."""
    return Goal(measure, goal, _ratio_median(a, b), lambda v: v <= limit, "ratio",
                _ratio_spread(a, b))  # fmt: skip


def _ratio_median(a: str, b: str) -> Callable[[dict[str, Any]], float | None]:
    def f(r: dict[str, Any]) -> float | None:
        runs = ratio_runs(r, a, b)
        if runs:
            runs.sort()
            mid = len(runs) // 2
            return runs[mid] if len(runs) % 2 else (runs[mid - 1] + runs[mid]) / 2
        return _ratio(a, b)(r)

    return f


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
    _ratio_goal(
        "SRP compute, ours / JS SDK",
        "≤ 0.2",
        "srp_compute_ms.ours",
        "srp_compute_ms.js_sdk",
        0.2,
    ),
    _ratio_goal(
        "SRP compute, ours / plain JS BigInt floor",
        "≤ 1.2",
        "srp_compute_ms.ours",
        "srp_compute_ms.js_bigint_floor",
        1.2,
    ),
    _ratio_goal(
        "sign-in latency, ours / JS SDK",
        "≤ 0.5",
        "signin_ms.ours",
        "signin_ms.js_sdk",
        0.5,
    ),
    _ratio_goal(
        "sign-in as the form runs it (prewarm while typing), ours / JS SDK",
        "≤ 0.2",
        "signin_ms.ours_form",
        "signin_ms.js_sdk",
        0.2,
    ),
    _ratio_goal(
        "sign-in as the form runs it, ours / Amplify v6",
        "≤ 0.2",
        "signin_ms.ours_form",
        "signin_ms.amplify",
        0.2,
    ),
    Goal(
        "navigation to typeable form",
        "≤ 150 ms",
        _value("typeable_form_ms"),
        lambda v: v <= 150,
        "ms",
        _value_spread("typeable_form_ms"),
    ),
    _ratio_goal(
        "navigation to SDK ready, cold / bare Pyodide",
        "≤ 0.3",
        "sdk_ready_cold_ms.ours",
        "sdk_ready_cold_ms.bare_pyodide",
        0.3,
    ),
    Goal(
        "navigation to SDK ready, warm reload",
        "≤ 500 ms",
        _value("sdk_ready_warm_ms.ours"),
        lambda v: v <= 500,
        "ms",
        _value_spread("sdk_ready_warm_ms.ours"),
    ),
    Goal(
        "longest main-thread task, boot and sign-in",
        "< 50 ms",
        _value("longest_main_thread_task_ms"),
        lambda v: v < 50,
        "ms",
        _value_spread("longest_main_thread_task_ms"),
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
        spread = g.spread(results) if g.spread is not None and v is not None else None
        rows.append(
            {
                "measure": g.measure,
                "goal": g.goal,
                "measured": None if v is None else round(v, 3),
                "unit": g.unit,
                "met": None if v is None else bool(g.passes(v)),
                "min": None if spread is None else round(spread[0], 3),
                "max": None if spread is None else round(spread[1], 3),
                "runs": None if spread is None else spread[2],
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
        if row.get("runs"):
            measured += f" (min {row['min']:g}, max {row['max']:g}, n={row['runs']})"
        met = {True: "yes", False: "**no**", None: "not measured"}[row["met"]]
        lines.append(f"| {row['measure']} | {row['goal']} | {measured} | {met} |")
    lines += ["", "## Figures", "", "| key | value |", "| --- | --- |"]
    for key in REQUIRED_KEYS:
        lines.append(f"| `{key}` | {_fmt(lookup(results, key))} |")
    for name, entry in sorted(results.get("extra", {}).items()):
        lines.append(f"| `extra.{name}` | {_fmt(entry)} |")
    phases = results.get("boot_phases_ms") or {}
    if phases:
        lines += [
            "",
            "## Portal boot, phase by phase (ms; median, min-max)",
            "",
            "From the worker's ready message (`web/portal/fastboot.js`): worker start after "
            "navigation, then each phase's own duration; `after_worker_ready_ms` is the page "
            "showing it. The restore overlaps the file checks, so `restore_phase_ms` counts "
            "from the end of `files_phase_ms`.",
            "",
            "| phase | " + " | ".join(phases) + " |",
            "| --- | " + " | ".join("---" for _ in phases) + " |",
        ]
        names = sorted({n for per in phases.values() for n in per})
        for name in names:
            cells = []
            for kind in phases:
                e = phases[kind].get(name)
                cells.append("—" if e is None else f"{e['median']:g} ({e['min']:g}-{e['max']:g})")
            lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
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
        (
            "sign-in (ms)",
            [
                ("ours", "signin_ms.ours"),
                ("ours, form", "signin_ms.ours_form"),
                ("JS SDK", "signin_ms.js_sdk"),
                ("Amplify v6", "signin_ms.amplify"),
            ],
        ),
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


README_START = "<!-- bench:start (written by build.py bench) -->"
README_END = "<!-- bench:end -->"


def readme_table(results: dict[str, Any]) -> str:
    """The goals table of one run, with its date and the machine's load, for README.md."""
    machine = results["machine"]
    lines = [
        README_START,
        f"Latest full run: {results['date']} on {machine.get('summary', '?')}, "
        f"{machine.get('browser', '?')}, Pyodide {machine.get('pyodide', '?')}; load average "
        f"(1, 5, 15 min) {machine.get('load_average_at_start', '?')} at start, "
        f"{machine.get('load_average_at_end', '?')} at end (a shared machine: absolute times "
        "move with the load, ratios far less).",
        "",
        "| measure | goal | measured (median; min, max over runs) | met |",
        "| --- | --- | --- | --- |",
    ]
    for row in results["goals"]:
        measured = "—" if row["measured"] is None else f"{row['measured']:g} {row['unit']}"
        if row.get("runs"):
            measured += f" ({row['min']:g}-{row['max']:g}, n={row['runs']})"
        met = {True: "yes", False: "**no**", None: "not measured"}[row["met"]]
        lines.append(f"| {row['measure']} | {row['goal']} | {measured} | {met} |")
    lines += ["", "![ours vs the JS SDK and Amplify v6](bench/chart.png)", README_END]
    return "\n".join(lines)


def update_readme(results: dict[str, Any], readme: Path) -> bool:
    """Replace the table between the bench markers in ``readme``; False when it has none."""
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    tail = rest.split(README_END, 1)[1]
    readme.write_text(head + readme_table(results) + tail, encoding="utf-8")
    return True


def write_all(results: dict[str, Any], out_dir: Path, readme: Path | None = None) -> None:
    """results.json, results.md and chart.png into ``out_dir``; the README's table too when
    ``readme`` is given (full runs into bench/ only)."""
    results["goals"] = goal_rows(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    write_markdown(results, out_dir / "results.md")
    write_chart(results, out_dir / "chart.png")
    if readme is not None:
        update_readme(results, readme)
