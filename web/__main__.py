"""`python -m web`: serve the UI on 127.0.0.1:$PORT (default 5000) for development."""

import os

from web import create_app


def main() -> None:
    port = int(os.environ.get("PORT", "5000"))
    create_app().run(host="127.0.0.1", port=port, debug=False)


if __name__ == "__main__":
    main()
