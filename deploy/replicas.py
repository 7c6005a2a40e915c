"""Serve DL Numerics Lab from several Streamlit replicas behind nginx, each browser pinned to one replica.

    python deploy/replicas.py                                  # 2 replicas (8601, 8602), nginx on 127.0.0.1:8080
    python deploy/replicas.py --listen 0.0.0.0:8080 --replica-ports 8601 8602 8603
    python deploy/replicas.py --upstream 127.0.0.1:8601 --upstream 127.0.0.1:8602  # replicas already running
                                                                                    # (containers): nginx only

It starts each replica (``streamlit run dashboard.py`` on 127.0.0.1, headless, no file watcher), waits until all
answer /_stcore/health, renders deploy/nginx.conf into ``--dir`` and runs nginx (Debian's package, or
``--nginx``) in the foreground with everything it writes in that directory, so it needs no root. It prints
``ready: http://...`` when nginx answers, and stops everything on Ctrl-C or SIGTERM, or when any process dies.
Arguments after ``--`` go to every ``streamlit run``. Needs only the standard library (the replicas need the
app's requirements).
"""
from __future__ import annotations

import argparse
import grp
import os
import pathlib
import pwd
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
TEMPLATE = pathlib.Path(__file__).with_name("nginx.conf")
_PLACEHOLDER = re.compile(r"\$\{(DLNL_[A-Z]+)\}")


def render(listen: str, upstreams: list[str], directory: pathlib.Path, template: str | None = None) -> str:
    """deploy/nginx.conf with its ``${DLNL_...}`` placeholders filled in (comment lines are left as they are)."""
    user = ""
    if os.geteuid() == 0:  # nginx's workers drop root: they only proxy (no temp files) and never open a file
        try:
            user = f"user nobody {grp.getgrgid(pwd.getpwnam('nobody').pw_gid).gr_name};"
        except KeyError:  # no such user: nginx's default would fail the same way
            user = "user root;"
    values = {"DLNL_LISTEN": listen, "DLNL_DIR": str(directory), "DLNL_USER": user,
              "DLNL_SERVERS": "\n        ".join(f"server {u} max_fails=2 fail_timeout=10s;" for u in upstreams)}
    text = TEMPLATE.read_text() if template is None else template
    lines = [line if line.lstrip().startswith("#") else _PLACEHOLDER.sub(lambda m: values[m.group(1)], line)
             for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def _healthy(url: str) -> bool:
    try:
        return urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


def _dead(procs: dict[str, subprocess.Popen]) -> list[str]:
    return [name for name, p in procs.items() if p.poll() is not None]


def _wait(urls: list[str], procs: dict[str, subprocess.Popen], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    waiting = list(urls)
    while waiting:
        waiting = [u for u in waiting if not _healthy(u)]
        if _dead(procs):
            raise RuntimeError(f"exited while starting: {', '.join(_dead(procs))}")
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"not healthy after {timeout_s:g} s: {waiting}")
        if waiting:
            time.sleep(0.2)


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen", default="127.0.0.1:8080", help="nginx's listen address (default %(default)s)")
    ap.add_argument("--replica-ports", type=int, nargs="+", default=[8601, 8602],
                    help="start one replica on 127.0.0.1 at each port (default %(default)s)")
    ap.add_argument("--upstream", action="append", default=[],
                    help="HOST:PORT of a replica that is already running; repeat it; nothing is started but nginx")
    ap.add_argument("--dir", type=pathlib.Path, help="nginx's config, pid, logs, temp files and the replicas' logs "
                                                     "(default: a new temporary directory)")
    ap.add_argument("--nginx", default="/usr/sbin/nginx", help="the nginx binary (default %(default)s)")
    ap.add_argument("--python", default=sys.executable, help="the Python that has Streamlit (default: this one)")
    args = ap.parse_args(argv)

    directory = (args.dir or pathlib.Path(tempfile.mkdtemp(prefix="dlnl-nginx-"))).resolve()
    (directory / "tmp").mkdir(parents=True, exist_ok=True)
    procs: dict[str, subprocess.Popen] = {}  # by name, in start order
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        upstreams = list(args.upstream)
        if not upstreams:
            for port in args.replica_ports:
                with open(directory / f"replica-{port}.log", "ab") as log:
                    procs[f"replica {port}"] = subprocess.Popen(
                        [args.python, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
                         "--server.address", "127.0.0.1", "--server.headless", "true",
                         "--server.fileWatcherType", "none", "--server.runOnSave", "false", *extra],
                        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                upstreams.append(f"127.0.0.1:{port}")
        _wait([f"http://{u}" for u in upstreams], procs, timeout_s=90)

        conf = directory / "nginx.conf"
        conf.write_text(render(args.listen, upstreams, directory))
        nginx = [args.nginx, "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(conf)]
        check = subprocess.run([*nginx, "-t", "-q"], capture_output=True, text=True)
        if check.returncode:
            raise RuntimeError(f"nginx -t rejected {conf}:\n{check.stderr}")
        procs["nginx"] = subprocess.Popen([*nginx, "-g", "daemon off;"], start_new_session=True)
        host, _, port = args.listen.rpartition(":")
        url = f"http://{'127.0.0.1' if host in ('', '0.0.0.0', '*', '[::]') else host}:{port}"
        _wait([url], procs, timeout_s=30)
        print(f"ready: {url} -> {' '.join(upstreams)} (config, logs: {directory})", flush=True)
        while not stopping:
            if _dead(procs):
                print(f"stopped unexpectedly: {', '.join(_dead(procs))}", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        return 1
    finally:
        _stop(list(procs.values())[::-1])  # nginx first, then the replicas


if __name__ == "__main__":
    sys.exit(main())
