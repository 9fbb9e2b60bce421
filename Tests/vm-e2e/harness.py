"""What every vm-e2e check uses: a failure with its message, an expectation, a wait."""
import time


class Failed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failed(message)


def wait_for(what, timeout, probe, interval=0.5):
    """Polls `probe` (returning (done, what it saw)) until done; returns what it saw then."""
    deadline = time.monotonic() + timeout
    while True:
        done, seen = probe()
        if done:
            return seen
        if time.monotonic() > deadline:
            raise Failed(f"{what}: not within {timeout} s (last seen: {seen})")
        time.sleep(interval)
