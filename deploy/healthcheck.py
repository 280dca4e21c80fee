"""The image's HEALTHCHECK: exit 0 when the app on ATP_PORT answers /readyz with 200, else 1.

Why a script: an exec-form HEALTHCHECK has no shell to expand $ATP_PORT, and the image has no
curl. Standard library only; any proxy settings in the environment are ignored.
"""

from __future__ import annotations

import os
import urllib.request


def ready(port: str, timeout: float = 4.0) -> bool:
    """True when http://127.0.0.1:{port}/readyz answers 200 within ``timeout`` seconds."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}/readyz", timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):  # refused, timed out, 503 (HTTPError), a bad port
        return False


if __name__ == "__main__":
    raise SystemExit(0 if ready(os.environ.get("ATP_PORT", "8000")) else 1)
