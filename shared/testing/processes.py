"""Run services and workers as real processes in tests, with their logs kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ManagedProcess:
    """A child process whose stdout and stderr go to a log file the test can read."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None, name: str = "proc"):
        self.args = args
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.name = name
        self.log_path = Path(tempfile.mkstemp(prefix=f"relais-{name}-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    @classmethod
    def python(cls, *module_args: str, env=None, name="proc") -> ManagedProcess:
        return cls([sys.executable, "-m", *module_args], env=env, name=name)

    def start(self) -> ManagedProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.args, env=self.env, cwd=ROOT,
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no cleanup, no ack, like a crash or an OOM kill."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def terminate(self, timeout: float = 20) -> int | None:
        """SIGTERM and wait for a clean exit; returns the exit code."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def cleanup(self) -> None:
        self.kill()
        self.log_path.unlink(missing_ok=True)
