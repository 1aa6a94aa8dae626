"""The pinned Tutor packages of data/releases.toml, for data/generate.sh and examples/render.sh.

    pins.py versions               the `pin` of every row that has one, in table order
    pins.py requirements VERSION   pip requirements for Tutor VERSION: tutor==VERSION, then
                                   the row's plugins (package==version, sorted by package)
    pins.py plugins VERSION        the row's plugins, one "name version" line each
    pins.py installed REQ...       exit 0 when this interpreter has exactly these
                                   package==version requirements installed, else 1

The row for VERSION is the one whose `pin` is VERSION; failing that, the row of the same
Tutor major that has plugins (so another point release of a pinned major takes that
major's plugin pins). Exit status 2 when no row fits. `installed` needs no tomllib, so it
runs under any venv's interpreter.
"""

from __future__ import annotations

import os
import sys

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "releases.toml")

# PyPI package of a Tutor plugin, where it is not "tutor-<name>".
PACKAGES = {"pod-autoscaling": "tutor-contrib-pod-autoscaling"}


def package(plugin: str) -> str:
    return PACKAGES.get(plugin, f"tutor-{plugin}")


def rows() -> list[dict]:
    import tomllib

    with open(TABLE, "rb") as f:
        return tomllib.load(f)["release"]


def row_for(version: str) -> dict:
    table = rows()
    for row in table:
        if row.get("pin") == version:
            return row
    major = version.split(".", 1)[0]
    for row in table:
        if str(row["tutor"]) == major and row.get("plugins"):
            return row
    print(f"pins.py: no row of {TABLE} pins Tutor {version} or its major {major}", file=sys.stderr)
    sys.exit(2)


def main(argv: list[str]) -> None:
    if len(argv) >= 1 and argv[0] == "installed":
        from importlib.metadata import PackageNotFoundError, version

        for req in argv[1:]:
            name, _, want = req.partition("==")
            name = name.split("[", 1)[0]
            try:
                if version(name) != want:
                    sys.exit(1)
            except PackageNotFoundError:
                sys.exit(1)
        return
    if argv == ["versions"]:
        for row in rows():
            if row.get("pin"):
                print(row["pin"])
        return
    if len(argv) == 2 and argv[0] in ("requirements", "plugins"):
        row = row_for(argv[1])
        plugins = row.get("plugins", {})
        if argv[0] == "plugins":
            for name in sorted(plugins):
                print(name, plugins[name])
        else:
            print(f"tutor=={argv[1]}")
            for req in sorted(f"{package(n)}=={v}" for n, v in plugins.items()):
                print(req)
        return
    print(__doc__.strip(), file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
