"""`python -m bench [--quick] [--only intake,e2e,events,scale] [--runs N]`: measure,
print the table, write bench/results.json (the reference figures of this machine)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import stats

SECTIONS = ("intake", "e2e", "events", "scale")
RESULTS = Path(__file__).parent / "results.json"


def plan(quick: bool, runs: int) -> dict:
    if quick:
        return {"runs": runs, "intake_s": 2.0, "e2e_rates": (200.0, 20.0), "e2e_s": (3.0, 3.0),
                "events": 300, "scale_sizes": (10_000, 100_000), "scale_requests": 30}
    return {"runs": runs, "intake_s": 10.0, "e2e_rates": (200.0, 20.0), "e2e_s": (30.0, 10.0),
            "events": 2000, "scale_sizes": (10_000, 100_000, 1_000_000),
            "scale_requests": 100}


def estimate(p: dict, sections) -> float:
    """Seconds, roughly, on a quiet 2-core machine (a busy one takes longer)."""
    seconds = 40.0  # stack and references up and down
    if "intake" in sections:
        seconds += 3 * 6 + p["runs"] * 3 * (p["intake_s"] + 1.5)
    if "e2e" in sections:
        seconds += p["runs"] * sum(2 * d + 10 for d in p["e2e_s"]) + 30
    if "events" in sections:
        seconds += p["runs"] * (4 * 4 + p["events"] * (1 / 100 + 1 / 250 + 2 / 1000))
    if "scale" in sections:
        seconds += 10 + max(p["scale_sizes"]) / 8_000 \
            + (len(p["scale_sizes"]) + 1) * p["runs"] * p["scale_requests"] * 0.15
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="short runs (about 3 minutes); results.json is not overwritten")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections among {', '.join(SECTIONS)}")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (>= 3)")
    parser.add_argument("--output", default=None,
                        help="where to write the JSON (default bench/results.json for a full "
                             "run, nothing for --quick)")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown or args.runs < 3:
        parser.error(f"unknown sections {sorted(unknown)}" if unknown else "--runs must be >= 3")
    p = plan(args.quick, args.runs)
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", flush=True)

    log(f"bench: {', '.join(sections)}; {p['runs']} runs per figure; "
        f"estimated {estimate(p, sections) / 60:.1f} min on a 2-core machine")

    from bench import e2e, events, intake, scale
    from bench.references import References
    from bench.stack import BenchStack

    stack = BenchStack()
    refs = References(stack)
    rows: list[stats.Row] = []
    extra: dict = {}
    errors: dict = {}
    loads: dict = {"start": _load()}
    try:
        log(f"starting the stack (databases relais_bench_{stack.run_id}_*, "
            f"Redis prefix {stack.prefix})")
        stack.start()
        refs.start()
        referrer = stack.token("referrer", stack.demo["referrer"], stack.demo["referrer_org"])
        handler = stack.token("handler", stack.demo["handler"], stack.demo["handler_org"])
        log("stack up")
        steps = {
            "intake": lambda: intake.run(stack, refs, referrer, runs=p["runs"],
                                         duration=p["intake_s"], log=log),
            "e2e": lambda: e2e.run(stack, refs, referrer, handler, runs=p["runs"],
                                   rates=p["e2e_rates"], durations=p["e2e_s"], log=log),
            "events": lambda: events.run(stack, runs=p["runs"], count=p["events"], log=log),
            "scale": lambda: scale.run(stack, runs=p["runs"], sizes=p["scale_sizes"],
                                       requests=p["scale_requests"], log=log),
        }
        for name in sections:
            log(f"{name}: measuring (load average {_load()})")
            loads[name] = _load()
            try:
                found, details = steps[name]()
                rows.extend(found)
                extra[name] = details
            except Exception as exc:  # one section failing still reports the others
                errors[name] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
                log(f"{name}: FAILED ({errors[name]})")
    finally:
        log("stopping and cleaning up (databases dropped, Redis keys deleted)")
        refs.stop()
        stack.cleanup()
    print()
    print(stats.table(rows))
    notes = [f"  {row.section} / {row.figure.name}: {row.note}" for row in rows if row.note]
    if notes:
        print("\nnotes:\n" + "\n".join(notes))
    if errors:
        print("\nsections that failed: " + json.dumps(errors, indent=2))
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": sys.version.split()[0],
                    "memory_gb": _memory_gb()},
        "plan": {k: list(v) if isinstance(v, tuple) else v for k, v in p.items()},
        "duration_s": round(time.monotonic() - started, 1),
        "load_average_1_5_15": {**loads, "end": _load()},
        "rows": [row.as_dict() for row in rows],
        "details": extra,
        "errors": errors,
        "table": stats.table(rows),
    }
    output = args.output or (None if args.quick or errors or set(sections) != set(SECTIONS)
                             else str(RESULTS))
    if output:
        Path(output).write_text(json.dumps(document, indent=2, default=str) + "\n")
        log(f"written {output}")
    log(f"done in {(time.monotonic() - started) / 60:.1f} min")
    return 1 if errors else 0


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return None
    return None


if __name__ == "__main__":
    sys.exit(main())
