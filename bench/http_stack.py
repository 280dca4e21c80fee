"""The same app under other HTTP stacks, to measure `atp serve`'s choice against them.

`atp serve` runs uvicorn with its own guarded h11 protocol (service/serving.py: request
deadline, connection cap, 16 KiB header limit) on uvloop. This serves the same app, settings
and options with another event loop or uvicorn's httptools protocol (which has none of those
guards: measured only, never served), so bench/runner.py can time a cache-warm /search on
each side by side.

    python -m bench.http_stack HOST PORT --http guarded|httptools --loop uvloop|asyncio
"""

from __future__ import annotations

import argparse
import sys

STACKS = {  # name -> (http, loop)
    "h11 guarded + asyncio": ("guarded", "asyncio"),
    "h11 guarded + uvloop (atp serve)": ("guarded", "uvloop"),
    "httptools (unguarded) + uvloop": ("httptools", "uvloop"),
}


def argv(http: str, loop: str):
    """The command line of this module for Server(argv=...)."""
    return lambda host, port: [
        *(sys.executable, "-m", "bench.http_stack", host, str(port)),
        *("--http", http, "--loop", loop),
    ]


def main() -> None:
    import uvicorn

    from service.launcher import APP_FACTORY, LOG_CONFIG, SERVE_OPTIONS, serve_limits
    from service.serving import GuardedH11Protocol, raise_open_file_limit
    from service.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--http", choices=("guarded", "httptools"), default="guarded")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    args = parser.parse_args()
    settings = Settings()
    connections, backlog = serve_limits(
        settings.max_connections, settings.backlog, raise_open_file_limit()
    )
    options = {**SERVE_OPTIONS, "loop": args.loop}
    if args.http == "guarded":
        http = GuardedH11Protocol.configured(settings.request_timeout_s, connections)
    else:
        http = "httptools"
        options.pop("h11_max_incomplete_event_size")
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        http=http,
        backlog=backlog,
        timeout_keep_alive=settings.keep_alive_s,
        limit_concurrency=2 * connections,
        log_config=LOG_CONFIG,
        **options,
    )


if __name__ == "__main__":
    main()
