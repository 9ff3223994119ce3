"""Child processes of the bench that explain a crash (issue 10): the whole stderr kept in a file,
faulthandler's traceback of every thread on a fatal signal, and the core of a failure saved.

The window's timings ran twice into a segfault at start under heavy load, and only the last
4,000 characters of stderr survived: the cause was lost. Now each child runs with
PYTHONFAULTHANDLER=1, in a crash directory of its own (where the kernel writes `core` when
core_pattern is a plain file name) with core dumps allowed, and its stderr goes whole to a file.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from bench.generate import BENCH_DIR

ROOT = Path(__file__).resolve().parent.parent
LOGS = BENCH_DIR / "children"


def _allow_cores() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def run_module(
    module: str, args: list[str], env: dict[str, str], timeout: float, name: str
) -> subprocess.CompletedProcess[str]:
    """`python -m module args…` with stdout captured; a failure raises naming signal, log and core."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    where = LOGS / f"{name}-{stamp}"
    where.mkdir(parents=True, exist_ok=True)
    log = where / "stderr.txt"
    env = dict(env, PYTHONFAULTHANDLER="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    with log.open("w") as err:
        proc = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=where,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            timeout=timeout,
            preexec_fn=_allow_cores,
        )
    text = log.read_text(errors="replace")
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(explain(module, proc.returncode, text, log, where))
    if not text.strip():
        log.unlink()
        where.rmdir()
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout, text)


def explain(module: str, code: int, stderr: str, log: Path, where: Path) -> str:
    how = f"exit {code}"
    if code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    cores = sorted(p.name for p in where.iterdir() if p.name.startswith("core"))
    core_note = f"core: {where / cores[0]}" if cores else f"no core in {where} ({_core_pattern()})"
    # faulthandler's dump starts with "Fatal Python error"; show it whole when it is there.
    start = stderr.find("Fatal Python error")
    shown = stderr[start:] if start >= 0 else stderr[-4000:]
    return f"{module} failed ({how}); whole stderr: {log}; {core_note}\n{shown}"


def _core_pattern() -> str:
    try:
        return "core_pattern " + Path("/proc/sys/kernel/core_pattern").read_text().strip()
    except OSError:
        return "core_pattern unknown"
