"""Shared fixtures: real app servers on free ports, and headless Chromium."""
import os
import pathlib

import pytest

from bench.live import CHROMIUM, Server, free_port, launch_chromium

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHOTS = pathlib.Path(os.environ.get("SHOTS_DIR", ROOT / "test-artifacts" / "screenshots"))
_free_port = free_port  # the name older tests import
_shots_taken = []


@pytest.fixture(scope="session")
def app_server():
    """A freshly started ``streamlit run dashboard.py``, shared by the tests that need no fresh server."""
    with Server() as server:
        yield server


@pytest.fixture(scope="session")
def app_url(app_server):
    return app_server.url


@pytest.fixture
def fresh_servers():
    """``fresh_servers(n)`` starts n new app servers side by side and returns them once all are healthy;
    nothing but health checks has reached them, so each one's first page request is the test's."""
    started = []

    def start(n: int = 1) -> list[Server]:
        batch = [Server().launch() for _ in range(n)]
        started.extend(batch)
        return [s.wait() for s in batch]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots_dir():
    SHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SHOTS}")
    _shots_taken.append(SHOTS)
    return SHOTS


def pytest_terminal_summary(terminalreporter):
    if _shots_taken:
        terminalreporter.write_line(f"screenshots of every page in both languages: {_shots_taken[0]}")
