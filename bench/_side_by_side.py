"""The tables of ``flow.py --peer``: per server, one row per round and the rounds' median, for
the whole story and the four writes the issue names; then Frontdesk against the seed's design,
round by round (each Frontdesk run is set against the peer's run of the same round, minutes
apart, so the machine's load moves both alike).
"""

from __future__ import annotations

import statistics
from typing import Any

# The columns: (heading, endpoint row of flow.py's phase 2; None is the whole phase).
COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("all", None),
    ("post a message", "POST /ticket/<id> message"),
    ("open a ticket", "POST /ticket/new"),
    ("!claim", "POST /ticket/<id> !claim"),
    ("!close", "POST /ticket/<id> !close"),
)
EMPTY = {"count": 0, "errors": 0, "races": 0, "rps": 0.0, "p50_ms": 0.0, "p95_ms": 0.0}


def endpoint(result: dict[str, Any], name: str | None) -> dict[str, Any]:
    rows = result["flow"]
    if name is None:
        return dict(rows[-1])
    return next((dict(r) for r in rows if r["endpoint"] == name), {**EMPTY, "p99_ms": 0.0})


def _median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        key: statistics.median(run[key] for run in runs)
        for key in ("count", "errors", "races", "rps", "p50_ms", "p95_ms", "p99_ms")
    }


def _cell(row: dict[str, Any]) -> str:
    if not row["count"]:
        return "-"
    return f"{row['p50_ms']:.1f} / {row['p95_ms']:.0f} / {row['p99_ms']:.0f}"


def server_table(label: str, results: list[dict[str, Any]]) -> str:
    """One row per round and a median row: req/s, p50 / p95 / p99 in ms per column, errors
    and races of the whole phase, the server's CPU and the load average."""
    heads = " | ".join(f"{head} p50 / p95 / p99 ms" for head, _ in COLUMNS)
    lines = [
        f"#### {label}\n",
        f"| round | req/s | {heads} | errors | races | server CPU | client CPU | load avg |",
        "|---|---:|" + "---:|" * len(COLUMNS) + "---:|---:|---:|---:|---:|",
    ]
    for number, result in enumerate(results, 1):
        whole = endpoint(result, None)
        cells = " | ".join(_cell(endpoint(result, name)) for _, name in COLUMNS)
        cpu = result["server_cpu_pct"]
        lines.append(
            f"| {number} | {whole['rps']:.0f} | {cells} | {whole['errors']} | {whole['races']} | "
            f"{'-' if cpu is None else f'{cpu:.0f}%'} | {result['client_cpu_pct']:.0f}% | "
            f"{result['load_average']:.1f} |"
        )
    if len(results) > 1:
        medians = [_median_row([endpoint(r, name) for r in results]) for _, name in COLUMNS]
        cells = " | ".join(_cell(m) for m in medians)
        lines.append(
            f"| **median** | **{medians[0]['rps']:.0f}** | {cells} | "
            f"{medians[0]['errors']:.0f} | {medians[0]['races']:.0f} | | | |"
        )
    return "\n".join(lines)


def ratios(peer: list[dict[str, Any]], frontdesk: list[dict[str, Any]]) -> dict[str, Any]:
    """Frontdesk / peer, round by round and the median of the rounds: req/s (above 1 is
    Frontdesk faster) and p95 of the whole phase and of posting a message (below 1 is
    Frontdesk's tail shorter)."""

    def per_round(key: str, name: str | None) -> list[float]:
        out = []
        for theirs, ours in zip(peer, frontdesk, strict=False):
            base = endpoint(theirs, name)[key]
            out.append(endpoint(ours, name)[key] / base if base else float("nan"))
        return out

    measures = {
        "rps": per_round("rps", None),
        "p95": per_round("p95_ms", None),
        "message_p95": per_round("p95_ms", "POST /ticket/<id> message"),
    }
    return {
        key: {"rounds": values, "median": statistics.median(values)}
        for key, values in measures.items()
    }


def ratio_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        "| Frontdesk / seed design | req/s (per round) | req/s, median | p95 (per round) | "
        "p95, median | message p95, median |",
        "|---|---|---:|---|---:|---:|",
    ]
    for label, ratio in rows:
        lines.append(
            f"| {label} | {', '.join(f'{x:.2f}' for x in ratio['rps']['rounds'])} | "
            f"**{ratio['rps']['median']:.2f}** | "
            f"{', '.join(f'{x:.2f}' for x in ratio['p95']['rounds'])} | "
            f"**{ratio['p95']['median']:.2f}** | {ratio['message_p95']['median']:.2f} |"
        )
    return "\n".join(lines)
