"""What every benchmark prints: the machine, the versions, and a table."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# The vector instructions that decide how fast TensorFlow's kernels run on a CPU, as Linux names them.
VECTOR_FLAGS = (
    "sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl",
    "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16",
)  # fmt: skip


def vector_extensions() -> str:
    """The CPU's vector extensions among VECTOR_FLAGS, e.g. "avx2 fma avx512f" ("unknown" off Linux)."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return " ".join(flag for flag in VECTOR_FLAGS if flag in flags) or "none of " + " ".join(VECTOR_FLAGS)
    except OSError:
        pass
    return "unknown"


def conditions() -> str:
    import importlib.metadata as metadata

    versions = []
    for package in ("tensorflow-cpu", "tensorflow", "keras", "numpy", "streamlit", "plotly"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    chromium = ""
    if os.path.exists("/usr/bin/chromium"):
        out = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True)
        chromium = out.stdout.strip()
    return (
        f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}\n"
        f"vector extensions: {vector_extensions()}\n"
        f"python {platform.python_version()}; " + ", ".join(versions) + (f"; {chromium}" if chromium else "")
    )


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process, in MB."""
    values = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median": statistics.median(ordered), "p95": p95, "max": ordered[-1], "n": len(ordered)}


def table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(row):
        return "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False))

    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, rows)])
