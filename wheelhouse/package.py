"""``make cloud-package``: copy the LEAN project's Python files into ``build/<Name>/`` for ``lean cloud push``.

The repository root cannot be pushed (lean-cli would name the cloud project "."), so the project's
``main.py``, ``config.json`` and strategy packages are copied into a folder that can.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("algorithms", "alpha", "llm", "portfolio", "risk", "execution", "pricing", "domain")
SUFFIXES = {".py", ".md", ".txt", ".json"}


def build(name: str, out: Path, root: Path = ROOT) -> Path:
    """Write ``out/name`` with main.py, config.json and the strategy packages; return the folder."""
    if not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"project name '{name}' may hold only letters, digits, '-' and '_'")
    target = out / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for file in ("main.py", "config.json"):
        shutil.copy2(root / file, target / file)
    for package in PACKAGES:
        for src in sorted((root / package).rglob("*")):
            if src.is_file() and src.suffix in SUFFIXES and "__pycache__" not in src.parts:
                dst = target / src.relative_to(root)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wheelhouse.package", description=__doc__)
    parser.add_argument("--name", default="Wheelhouse", help="cloud project name (default: %(default)s)")
    parser.add_argument("--out", default="build", type=Path, help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        target = build(args.name, args.out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {target}; push it with: lean cloud push --project {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
