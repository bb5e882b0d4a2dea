"""`make run`'s banner, printed only once the web server answers (issue 18 item 12): a
Procfile.embedded process that waits until 127.0.0.1:$WEB_PORT accepts a connection, prints
where to go and who to log in as, then stays (honcho stops everything when one process
ends). `python -m cli.ready`."""

import os
import signal
import socket
import sys
import time

WAIT_S = 120


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def banner(port: int) -> str:
    database = os.environ.get("DATABASE_URL") or "policyflow.db"
    password = os.environ.get("DEMO_PASSWORD") or "demo"
    example = '{"year": 2024, "outline_ref": "150/KH-UBND"}'
    return "\n".join(
        [
            "",
            f"policyflow is ready (database: {database}).",
            f"Web UI:     http://127.0.0.1:{port}   (API: http://127.0.0.1:{port}/api/v1/openapi.json)",
            "Demo users: cv_vhtt tp_vhtt vp_ubnd pct_ubnd ct_ubnd van_thu cong_an tu_phap",
            "            tt_vhtttt xa_xuanbac xa_xuanninh kiem_toan chu_quy_trinh admin",
            f"Password:   {password}",
            "Try:        .venv/bin/policyflow processes --as cv_vhtt",
            f"            .venv/bin/policyflow start annual_report --as cv_vhtt --data '{example}'",
            "            .venv/bin/policyflow tasks --as xa_xuanbac",
            "Background: one in-process scheduler (timers, reminders, e-mails to var/mail, portal",
            "            pages to var/portal); with Redis and PostgreSQL use 'make stack' instead.",
            "",
        ]
    )


def main() -> None:
    # honcho gives each process its own PORT (base + 100 × its place): the web's is WEB_PORT
    port = int(os.environ.get("WEB_PORT") or os.environ.get("PORT") or 5000)
    deadline = time.monotonic() + WAIT_S
    while not listening(port):
        if time.monotonic() > deadline:
            print(f"the web server did not start listening on port {port}", file=sys.stderr)
            sys.exit(1)
        time.sleep(0.3)
    print(banner(port), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
