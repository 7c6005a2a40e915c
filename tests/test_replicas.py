"""Beyond one server: two replicas behind nginx, started by deploy/replicas.py as a reader would start them.

Browsers - real Chromium tabs, and websocket clients that first fetch their page as a browser does and then
send the cookies they got - open their share links through nginx, each on its own page with its own settings,
and change a widget. Every one must see its own numbers (a session that lost its replica would not), the
sessions must be spread over both replicas, and every request of one browser - page, scripts, websocket - must
have gone to the same replica (nginx's access log names the replica of each request and the browser's cookie).
"""
import collections
import os
import re
import subprocess
import sys
import threading
import time

import pytest

from tests import sessions

pytestmark = pytest.mark.browser

NGINX = "/usr/sbin/nginx"
TABS = 2  # real Chromium tabs
CLIENTS = 12  # websocket clients that fetch their page first
LOG_LINE = re.compile(r"sticky=(\S+) upstream=(\S+) status=(\d+) \"(\S+) (\S+)")


@pytest.fixture
def replicas(tmp_path):
    """``python deploy/replicas.py``: two replicas and nginx on free loopback ports; stopped as Ctrl-C would."""
    if not os.path.exists(NGINX):
        pytest.skip("Debian's nginx is not installed (.ci/run installs it)")
    if not os.path.exists(sessions.CHROMIUM):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    ports = set()
    while len(ports) < 3:
        ports.add(sessions.free_port())
    listen, *ports = ports
    with open(tmp_path / "launcher.log", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "deploy/replicas.py", "--listen", f"127.0.0.1:{listen}", "--dir", str(tmp_path),
             "--replica-ports", *map(str, ports)], cwd=sessions.ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{listen}"
    try:
        sessions.wait_healthy(url, proc, timeout_s=90)
        yield url, [f"http://127.0.0.1:{p}" for p in ports], tmp_path
    finally:
        sessions.stop(proc, timeout_s=30)
    assert proc.returncode == 0, (tmp_path / "launcher.log").read_text()
    assert not os.path.exists(tmp_path / "nginx.pid"), "nginx did not stop with the launcher"


def _access_log(directory) -> tuple[dict, dict]:
    """From nginx's access log, per browser (its sticky id): the replicas that served it, and its websockets."""
    served, streams = collections.defaultdict(set), collections.defaultdict(list)
    for line in (directory / "access.log").read_text().splitlines():
        if m := LOG_LINE.search(line):
            sticky, upstream, status, _method, path = m.groups()
            served[sticky].add(upstream)
            if path.startswith("/_stcore/stream"):
                streams[sticky].append((upstream, status))
    return served, streams


def test_sessions_spread_over_both_replicas_and_stay_on_theirs(replicas):
    url, upstreams, directory = replicas
    plans = [sessions.plan(i, 1) for i in range(TABS + CLIENTS)]
    tabs: list = []
    thread = threading.Thread(target=lambda: tabs.extend(sessions.run_tabs(url, plans[:TABS], timeout_s=90)))
    thread.start()
    clients = sessions.run_clients(url, plans[TABS:], timeout_s=90, via_page=True)
    thread.join()
    # A fair hash puts all of them on one replica once in 2^(n-1) runs: then more come, one at a time.
    while len({u for o in clients for u in _access_log(directory)[0][o.sticky]}) < 2 and len(clients) < 2 * CLIENTS:
        clients += sessions.run_clients(url, [sessions.plan(TABS + len(clients), 1)], via_page=True)
    everyone = tabs + clients
    problems = sessions.failures(everyone)
    assert not problems, "\n".join(problems)

    # Each replica's own count of the sessions it served: both served some, and nobody was served twice.
    connects = {u: int(sessions.server_metrics(u)['session_events_total{type="connect"}']) for u in upstreams}
    print(f"\nsessions per replica: {connects}")
    assert all(connects.values()), f"all sessions went to one replica: {connects}"
    assert sum(connects.values()) == len(everyone), connects

    # Per browser (its cookie), the replicas that served its requests: exactly one, also for its websocket
    # (nginx logs a websocket when it closes).
    deadline = time.monotonic() + 10
    while True:
        served, streams = _access_log(directory)
        if all(streams.get(o.sticky) for o in everyone) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for o in everyone:
        assert o.sticky, f"session {o.plan.index} got no dlnl_sticky cookie"
        assert len(served[o.sticky]) == 1, f"session {o.plan.index}'s requests went to {served[o.sticky]}"
        assert [status for _, status in streams[o.sticky]] == ["101"], streams[o.sticky]
    requests = collections.Counter(m.group(1) for m in map(LOG_LINE.search, (directory / "access.log").read_text()
                                                           .splitlines()) if m)
    print(f"requests of each real tab, all to its one replica: {[requests[o.sticky] for o in tabs]}")

    errors = [line for line in (directory / "error.log").read_text().splitlines()
              if re.search(r"\[(error|crit|alert|emerg)\]", line)]
    for port_log in directory.glob("replica-*.log"):
        errors += [line for line in port_log.read_text(errors="replace").splitlines()
                   if sessions.SERVER_ERRORS.search(line)]
    assert not errors, "\n".join(errors[:40])
