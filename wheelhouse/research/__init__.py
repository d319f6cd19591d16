"""Research at scale: parameter search on any executor, walk-forward validation, Monte Carlo, calibration.

Each trial is a pure function of (config parameters, data spec) -> statistics (:mod:`.trial`), so the same
search runs in local processes or on a Dask cluster (:mod:`.executors`).
"""
