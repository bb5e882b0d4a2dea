"""`make run` says "ready" only once the web server listens (issue 18 item 12): the
`ready` process of Procfile.embedded waits for 127.0.0.1:$WEB_PORT, then prints the banner
and stays until stopped."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_banner_waits_for_the_web_server(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = (tmp_path / "out").open("w+")
    env = {**os.environ, "WEB_PORT": str(port), "PORT": str(port + 200)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.ready"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
    )
    server = socket.socket()
    try:
        time.sleep(1.5)
        assert "ready" not in (tmp_path / "out").read_text()  # nothing listens yet
        assert process.poll() is None
        server.bind(("127.0.0.1", port))
        server.listen()
        deadline = time.monotonic() + 10
        while "is ready" not in (tmp_path / "out").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        text = (tmp_path / "out").read_text()
        assert "policyflow is ready" in text and f"http://127.0.0.1:{port}" in text
        assert process.poll() is None  # stays, or honcho would stop the others
    finally:
        server.close()
        process.send_signal(signal.SIGTERM)
        process.wait(10)
        out.close()
