"""Peak resident memory of processes, from /proc (Linux): `VmHWM` is the kernel's
own high-water mark of RSS over the process's life, so no sampling can miss a peak."""

from __future__ import annotations

from pathlib import Path


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def peak_rss_mb(pid: int) -> float | None:
    value = _status(pid).get("VmHWM")
    return int(value.split()[0]) / 1024 if value else None


def rss_mb(pid: int) -> float | None:
    value = _status(pid).get("VmRSS")
    return int(value.split()[0]) / 1024 if value else None


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)
