"""``greeks``: implied volatility, price and Greeks for every row of a CSV file (see :mod:`pricing.table`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

import pandas as pd

from wheelhouse.errors import CommandError

CHUNK_ROWS = 100_000
"""Rows read, priced and written at a time, so memory stays flat for files of any length."""
PROGRESS_MIN_ROWS = 100_000
"""Files with at least this many rows show a progress bar on stderr."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "greeks",
        help="implied volatility, price and Greeks for each row of a CSV file",
        description=(
            "Reads IN.csv with columns underlying_price, strike, expiry (YYYY-MM-DD), right (C|P), "
            "style (american|european), rate, dividend_yield, as_of (YYYY-MM-DD) and iv or price (mid); "
            "writes the input columns plus iv, price, delta, gamma, theta (per day), vega and rho (per point), "
            "prob_otm and error (empty when fine). Bad rows get an error; they never stop the file."
        ),
    )
    p.add_argument("input", metavar="IN.csv", help="input CSV file")
    p.add_argument("-o", "--output", metavar="OUT.csv", help="output CSV file (default: standard output)")
    p.add_argument("--no-progress", action="store_true", help="never show the progress bar")
    p.set_defaults(func=run)


def _count_rows(path: Path) -> int:
    """Data rows in ``path`` (lines after the header), counted in binary blocks."""
    lines = 0
    last = b"\n"
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def run(args: argparse.Namespace) -> int:
    from pricing.table import greeks_table, missing_columns

    path = Path(args.input)
    if not path.is_file():
        raise CommandError(f"input file not found: {path}")
    try:
        header = pd.read_csv(path, nrows=0)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path} as CSV: {exc}") from exc
    missing = missing_columns(header.columns)
    if missing:
        raise CommandError(f"{path}: missing column(s): {', '.join(missing)}")
    rows = _count_rows(path)
    from tqdm import tqdm

    bar = tqdm(
        total=rows, unit="rows", file=sys.stderr, disable=args.no_progress or rows < PROGRESS_MIN_ROWS,
        desc="greeks",
    )  # fmt: skip
    out: TextIO = sys.stdout
    close = False
    if args.output:
        try:
            out = open(args.output, "w", newline="")
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {exc}") from exc
        close = True
    bad = 0
    try:
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=CHUNK_ROWS)
        first = True
        for chunk in reader:
            result = greeks_table(chunk)
            bad += int((result["error"] != "").sum())
            result.to_csv(out, index=False, header=first)
            first = False
            bar.update(len(chunk))
        if first:  # header only: still write the output header
            greeks_table(header.astype(str)).to_csv(out, index=False)
    except pd.errors.ParserError as exc:
        raise CommandError(f"cannot parse {path}: {exc}") from exc
    finally:
        bar.close()
        if close:
            out.close()
    if args.output:
        print(f"wrote {rows} rows to {args.output} ({bad} with an error)", file=sys.stderr)
    return 0
