"""The requirement lines of pyproject.toml: the runtime dependencies, or the named extras.

Why: the image installs its dependencies in a layer of their own, before the source is
copied, so a code change does not reinstall them; pip reads pyproject.toml only together
with the whole project. Standard library only: it runs on the image's bare Python.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def requirements(pyproject: dict, extras: list[str]) -> list[str]:
    """The runtime dependencies when no extra is named, else those of the named extras."""
    project = pyproject["project"]
    if not extras:
        return list(project["dependencies"])
    optional = project["optional-dependencies"]
    unknown = sorted(set(extras) - set(optional))
    if unknown:
        raise SystemExit(f"no such extra in pyproject.toml: {', '.join(unknown)}")
    return [line for extra in extras for line in optional[extra]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extras", nargs="*", help="extras to list instead of the runtime set")
    parser.add_argument("--pyproject", type=Path, default=PYPROJECT)
    args = parser.parse_args(argv)
    lines = requirements(tomllib.loads(args.pyproject.read_text()), args.extras)
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
