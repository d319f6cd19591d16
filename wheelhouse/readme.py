"""Keep the README's settings table generated from the config model (``python -m wheelhouse.readme``)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from domain.config import settings_table

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def render(text: str) -> str:
    """README text with the block between the settings markers regenerated."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), flags=re.S)
    if not pattern.search(text):
        raise ValueError("README.md has no settings markers")
    return pattern.sub(lambda _: f"{START}\n{settings_table()}\n{END}", text)


def main() -> int:
    path = ROOT / "README.md"
    path.write_text(render(path.read_text()))
    print(f"updated the settings table in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
