"""The verification processes die with their parent — the forkserver with the service, a
worker with the forkserver: when it dies (even by SIGKILL), and when it died while they were
still starting, before the parent-death signal was armed (orphaned workers were left behind
by a service killed as it started them, before this)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from api.verify_pool import SERVICE_PID

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")

# What the forkserver (api.verify_worker: ``exit_with_service``) or a worker (the pool's
# initializer: ``exit_with_parent``) does first, after ``delay`` seconds of starting up.
CHILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    time.sleep({delay})
    from api.verify_pool import {arm}
    {arm}()
    print("armed", flush=True)
    time.sleep(120)
    """
)
# A service that starts the child, naming itself, and dies: at once, or once the child is armed.
PARENT = textwrap.dedent(
    """
    import os, subprocess, sys
    env = {{**os.environ, {name!r}: str(os.getpid())}}
    # No pipe of this parent's for the child to write to, or to hold open, once the parent is gone.
    out = subprocess.PIPE if {wait_until_armed} else subprocess.DEVNULL
    child = subprocess.Popen(
        [sys.executable, "-c", {child!r}], env=env, stdout=out, stderr=subprocess.DEVNULL, text=True
    )
    print(child.pid, flush=True)
    if {wait_until_armed}:
        assert child.stdout.readline().strip() == "armed"
    os._exit(0)
    """
)


def _running(pid: int) -> bool:
    """Whether ``pid`` runs (an exited process its new parent has not reaped yet does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _orphaned_child(delay: float, wait_until_armed: bool, arm: str = "exit_with_service") -> int:
    child = CHILD.format(root=str(ROOT), delay=delay, arm=arm)
    parent = PARENT.format(name=SERVICE_PID, child=child, wait_until_armed=wait_until_armed)
    done = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, timeout=60, check=True)
    return int(done.stdout.strip())


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _running(pid):
            return True
        time.sleep(0.05)
    os.kill(pid, 9)  # not left behind by a failing test
    return False


def test_it_dies_when_the_service_dies() -> None:
    assert _gone_within(_orphaned_child(delay=0.0, wait_until_armed=True), 10)


def test_it_exits_when_the_service_died_before_it_was_armed() -> None:
    assert _gone_within(_orphaned_child(delay=1.0, wait_until_armed=False), 15)


def test_a_worker_exits_when_its_forkserver_died_before_it_was_armed() -> None:
    assert _gone_within(_orphaned_child(delay=1.0, wait_until_armed=False, arm="exit_with_parent"), 15)


def test_it_stays_while_the_service_lives() -> None:
    env = {**os.environ, SERVICE_PID: str(os.getpid())}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), delay=0.0, arm="exit_with_service")],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "armed"
        time.sleep(0.5)
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()
