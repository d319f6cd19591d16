"""Backtest reports: statistics, PNG charts, a self-contained HTML page, and the CSV/JSON file contracts.

``wheelhouse.report.stats`` computes the statistics; the writer turns an offline run (or a LEAN backtest
result folder) into ``report.html``, ``*.png``, ``stats.json``, ``trades.csv`` and ``equity.csv``.
"""
