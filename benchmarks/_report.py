"""Markdown for the results: the issue #5 comparison table, the hashing line and the server table.

```python
text = render(machine, rows, hashing, server_report)
```
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from benchmarks._proc import Measurement
from benchmarks._server_bench import ServerReport
from benchmarks._suite import Hashing, Row

MEMORY_GROWTH = 1.2
MEMORY_CAP_MB = 200.0
HASH_SHARE = 0.85


@dataclass(frozen=True)
class Machine:
    """What the figures were measured on."""

    cores: int
    sha256_mb_s: float
    size: str
    runs: int
    versions: str

    def line(self) -> str:
        return (
            f"Machine: {self.cores} cores, sha256 on one core {self.sha256_mb_s:,.0f} MB/s (measured in this run); "
            f"size `{self.size}`, median of {self.runs} run(s); {self.versions}."
        )


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _na(ms: list[Measurement], client: str) -> str | None:
    error = next((m.error for m in ms if m.error), None)
    if not ms:
        return "n/a (not run)"
    if error is None:
        return None
    short = _cell_text(error[:90])
    return f"n/a (not implemented: {short})" if client == "hubflow" else f"error: {short}"


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _secs(ms: list[Measurement]) -> float:
    return _median([m.seconds for m in ms if m.seconds is not None])


def _peak(ms: list[Measurement]) -> float:
    return _median([m.peak_mb for m in ms])


def _time_row(row: Row) -> list[str]:
    hf, hfl = row.runs["huggingface_hub"], row.runs["hubflow"]
    cells = [row.label]
    for client, ms in (("huggingface_hub", hf), ("hubflow", hfl)):
        na = _na(ms, client)
        cells += [na, "—"] if na else [f"{_secs(ms):.3f} s", f"{_peak(ms):.0f} MB"]
    target = f"≤ {row.target}"
    if _na(hf, "huggingface_hub") or _na(hfl, "hubflow"):
        return [*cells, "—", target, "n/a"]
    ratio = _secs(hfl) / _secs(hf)
    # Three decimals: two could print "0.50" for a 0.502 that misses a 0.5 target.
    return [*cells, f"{ratio:.3f}", target, "pass" if ratio <= (row.target or 0) else "miss"]


def _memory_row(row: Row) -> list[str]:
    cells = [row.label]
    growth: dict[str, float] = {}
    for client in ("huggingface_hub", "hubflow"):
        large, small = row.runs[client], row.extra[client]
        na = _na(large, client) or _na(small, client)
        if na:
            cells += [na, "—"]
            continue
        growth[client] = _peak(large) / _peak(small)
        cells += [f"{_secs(large):.3f} s", f"{_peak(small):.0f} → {_peak(large):.0f} MB"]
    target = f"flat: ≤ {MEMORY_GROWTH:.1f}x the small peak, < {MEMORY_CAP_MB:.0f} MB"
    if "hubflow" not in growth:
        return [*cells, "—", target, "n/a"]
    ok = growth["hubflow"] <= MEMORY_GROWTH and _peak(row.runs["hubflow"]) < MEMORY_CAP_MB
    return [*cells, f"{growth['hubflow']:.2f}x (growth)", target, "pass" if ok else "miss"]


def _hash_target(machine: Machine) -> str:
    return f"≥ {HASH_SHARE:.0%} of {machine.cores} x {machine.sha256_mb_s:,.0f} MB/s"


def _hash_cells(label: str, mb_s: list[float], machine: Machine) -> list[str]:
    """A hashing row: the median rate, its share of cores x one-core sha256 speed, the verdict."""
    rate = _median(mb_s)
    share = rate / (machine.cores * machine.sha256_mb_s)
    return [label, "—", "—", f"{rate:,.0f} MB/s", "—", f"{share:.1%} of ideal", _hash_target(machine),
            "pass" if share >= HASH_SHARE else "miss"]


def _hash_row(hashing: Hashing, machine: Machine) -> list[str]:
    label = f"sha256 hashing during the LFS upload ({hashing.source}; transfers overlap it)"
    if hashing.error or not hashing.mb_s:
        return [label, "—", "—", f"n/a (not implemented: {_cell_text((hashing.error or 'no figure')[:90])})", "—",
                "—", _hash_target(machine), "n/a"]
    return _hash_cells(label, hashing.mb_s, machine)


def _hash_alone_row(hashing: Hashing, machine: Machine) -> list[str]:
    return _hash_cells("sha256 hashing stage alone, same files (`HashFile` nodes, no transfers)",
                       hashing.alone_mb_s, machine)


HEADER = ["workload", "huggingface_hub", "hf peak RSS", "hubflow", "hubflow peak RSS", "ratio hubflow / hf",
          "target", "result"]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def render(machine: Machine, rows: list[Row], hashing: Hashing | None, server: ServerReport | None) -> str:
    """The whole results document (markdown)."""
    out = ["# hubflow benchmarks", "", machine.line(), ""]
    if rows:
        body: list[list[str]] = []
        for row in rows:
            body.append(_memory_row(row) if row.name == "memory" else _time_row(row))
            if row.name == "upload_lfs" and hashing is not None:
                body.append(_hash_row(hashing, machine))
                if hashing.alone_mb_s:
                    body.append(_hash_alone_row(hashing, machine))
        out += ["## hubflow vs huggingface_hub (issue #5)", ""]
        out += _table(HEADER, body)
        out += ["", "Times are the median wall time of the measured call only; peak RSS is the median over runs of "
                "each client process's `VmHWM` (kernel RSS high-water mark). Every run uses a fresh process, a fresh `HF_HOME` and a fresh "
                "repo (uploads) or an empty cache (downloads). What bounds each missed target, measured: "
                "[docs/benchmarks.md](../../docs/benchmarks.md#uploads-and-downloads-what-was-done-what-bounds-the-rest).",
                ""]
    if server is not None:
        out += ["## Local Hub server (issue #2)", "", f"Server idle RSS after start: {server.idle_mb:.0f} MB. "
                + ("Server peak is per phase (VmHWM reset before each)." if server.per_phase
                   else "Server peak is cumulative since start (VmHWM could not be reset)."), ""]
        body = []
        for p in server.phases:
            if p.error or p.median_seconds is None:
                body.append([p.label, f"error: {_cell_text((p.error or 'no result')[:90])}", "—", "—", "—"])
                continue
            rate = f"{p.size_bytes / p.median_seconds / 1e6:,.0f} MB/s" if p.size_bytes else "—"
            body.append([p.label, f"{p.median_seconds:.3f} s", rate, f"{max(p.server_peaks):.0f} MB",
                         f"{_peak(p.runs):.0f} MB"])
        out += _table(["phase (official client)", "time", "throughput", "server peak RSS", "client peak RSS"], body)
        out.append("")
    return "\n".join(out)
