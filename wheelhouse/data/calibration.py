"""How well the model's implied vol, built without the VIX, tracks the real VIX (2014-2018 in ``arch``).

``python -m wheelhouse.data.calibration [--ratio 1.2] [--model garch] [--lean-data DIR]`` prints the
figures quoted in docs/data.md:

* VIX-equivalent: the model's 30-day variance-swap vol (``implied_realised_ratio`` x GARCH forecast) x 100;
* ATM 30-day IV: the model's at-the-money 30-day implied vol x 100 (below the VIX by the smile's
  variance-swap ratio, as on real S&P 500 option markets);
* mean error (model - VIX), RMSE and correlation in VIX points, per year and overall, and the ratio that
  would have zeroed the mean error;
* with ``--lean-data``: the smile against the vendor implied vols in LEAN's sample SPX option universes;
* with ``--putwrite``: a bare put-write on the default data 2006-2015 beside the CBOE PUT index figures.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from wheelhouse.data.chain_model import ChainModel
from wheelhouse.data.default import DefaultData, load_sp500, load_vix


@dataclass(frozen=True)
class Errors:
    """Model minus VIX, in VIX points."""

    mean_error: float
    rmse: float
    correlation: float
    days: int


def errors(model: pd.Series, vix: pd.Series) -> Errors:
    both = pd.concat([model, vix], axis=1, join="inner").dropna()
    diff = both.iloc[:, 0] - both.iloc[:, 1]
    return Errors(float(diff.mean()), float(np.sqrt((diff**2).mean())), float(both.corr().iloc[0, 1]), len(both))


def model_vs_vix(ratio: float = 1.2, vol_model: str = "garch") -> pd.DataFrame:
    """Daily ``vix``, model ``vix_equivalent`` and ``atm30`` (points) on the days the VIX exists."""
    data = DefaultData(implied_realised_ratio=ratio, vol_model=vol_model, use_vix=False)
    atm30 = data.model.atm_vol(np.array(30 / 365), data.vs30, data.theta, data.kappa)
    idx = pd.DatetimeIndex(load_sp500().index).normalize()
    frame = pd.DataFrame({"vix_equivalent": 100 * data.vs30, "atm30": 100 * atm30,
                          "forecast": 100 * data.forecast["vol_h"].to_numpy()}, index=idx)
    return frame.join(load_vix().rename("vix"), how="inner")


def report(ratio: float = 1.2, vol_model: str = "garch") -> str:
    """The comparison as a markdown table."""
    f = model_vs_vix(ratio, vol_model)
    lines = [f"Model without the VIX ({vol_model.upper()} forecast x {ratio:g}) against the VIX, "
             f"{f.index[0].date()}..{f.index[-1].date()} ({len(f)} days), in VIX points:", "",
             "| period | measure | mean error | RMSE | correlation |", "|---|---|---:|---:|---:|"]
    periods = [("all", f)] + [(str(y), g) for y, g in f.groupby(f.index.year)]
    for name, g in periods:
        for label, col in (("VIX-equivalent", "vix_equivalent"), ("ATM 30-day IV", "atm30")):
            if name != "all" and col == "atm30":
                continue
            e = errors(g[col], g["vix"])
            lines.append(f"| {name} | {label} | {e.mean_error:+.2f} | {e.rmse:.2f} | {e.correlation:.3f} |")
    best = float(f["vix"].mean() / f["forecast"].mean())
    lines += ["", f"Mean VIX {f['vix'].mean():.2f}, mean model VIX-equivalent {f['vix_equivalent'].mean():.2f}, "
              f"mean ATM 30-day IV {f['atm30'].mean():.2f}; the implied/realised ratio with zero mean error over "
              f"the period is {best:.3f}."]
    return "\n".join(lines)


def smile_report(folder: Path, model: ChainModel | None = None) -> str:
    """Model smile m(z) against vendor IVs of LEAN's sample SPX universes (2015-12-22/23), 20-100 DTE OTM."""
    from wheelhouse.data.options import option_universe

    model = model or ChainModel()
    closes = load_sp500()["Close"]
    rows = []
    for day in (date(2015, 12, 22), date(2015, 12, 23)):
        u = option_universe(folder, "SPX", day, "indexoption")
        spot = float(closes.loc[pd.Timestamp(day)])
        c = u.contracts
        dte = (c["expiry"] - pd.Timestamp(day)).dt.days
        otm = ((c["right"] == "P") & (c["strike"] <= spot)) | ((c["right"] == "C") & (c["strike"] > spot))
        c = c[otm & dte.between(20, 100) & (c["implied_volatility"] > 0)].assign(dte=dte)
        for d, g in c.groupby("dte"):
            g = g.sort_values("strike")
            k = np.log(g["strike"].to_numpy() / spot)
            iv = g["implied_volatility"].to_numpy()
            atm = float(np.interp(0.0, k, iv))
            z = k / (atm * np.sqrt(d / 365))
            keep = np.abs(z) <= 2.5
            rows.append(pd.DataFrame({"z": z[keep], "vendor": iv[keep] / atm,
                                      "model": model.vol_multiplier(z[keep])}))
    allrows = pd.concat(rows)
    err = allrows["model"] - allrows["vendor"]
    bins = pd.cut(allrows["z"], [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    table = allrows.assign(err=err).groupby(bins, observed=True)[["vendor", "model", "err"]].mean()
    lines = [f"Smile m(z) = IV / ATM IV against {len(allrows)} vendor IVs (SPX, 2015-12-22/23, 20-100 DTE, OTM):",
             "", "| z bin | vendor | model | model - vendor |", "|---|---:|---:|---:|"]
    lines += [f"| {b} | {r.vendor:.3f} | {r.model:.3f} | {r.err:+.3f} |" for b, r in table.iterrows()]
    lines += ["", f"RMSE of the multiplier: {float(np.sqrt((err**2).mean())):.3f}"]
    return "\n".join(lines)


def putwrite_check(ratio: float = 1.2, start: date = date(2006, 1, 1), end: date = date(2015, 12, 31)
                   ) -> dict[str, float]:
    """A bare CBOE-PUT-style put-write on the default data, to judge the model's premium level.

    On each monthly expiry sell the put struck at the rounded spot for the next monthly expiry at the model
    mid (the PUT index sells at a mid-day VWAP), hold it to expiry, keep the strike in T-bills; no fees.
    Returns CAGR, annualised volatility of monthly returns and maximum drawdown of the monthly values, the
    same measures as Bondarenko (2016) quotes for PUT 2006-2015: 6.6 %, 11.5 %, -32.7 % (daily marks).
    """
    from domain.types import Right

    data = DefaultData(implied_realised_ratio=ratio)
    exp = data._expiries
    rolls = [e.date() for e in exp.loc[exp["monthly"], "expiry"] if start <= e.date() <= end]
    values = [1.0]
    for t0, t1 in zip(rolls[:-1], rolls[1:], strict=True):
        a0, a1 = data.session_close(t0), data.session_close(t1)
        spot = data.underlying_price(data.underlying, a0)
        strike = float(round(spot))
        premium = data.quote(data.underlying, Right.PUT, strike, t1, a0).mid
        settle = max(strike - data.underlying_price(data.underlying, a1), 0.0)
        interest = strike * np.expm1(data.risk_free_rate(t0) * (t1 - t0).days / 365)
        values.append(values[-1] * (1 + (premium - settle + interest) / strike))
    v = np.asarray(values)
    years = (rolls[-1] - rolls[0]).days / 365.25
    monthly = v[1:] / v[:-1] - 1
    return {"cagr": float(v[-1] ** (1 / years) - 1), "volatility": float(monthly.std() * np.sqrt(12)),
            "max_drawdown": float((v / np.maximum.accumulate(v) - 1).min())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wheelhouse.data.calibration", description=__doc__.split("\n")[0])
    parser.add_argument("--ratio", type=float, default=1.2, help="implied/realised ratio (default 1.2)")
    parser.add_argument("--model", choices=("garch", "gjr"), default="garch", help="volatility forecast model")
    parser.add_argument("--lean-data", type=Path, default=None, help="LEAN data folder for the smile check")
    parser.add_argument("--putwrite", action="store_true", help="also run the put-write premium check 2006-2015")
    args = parser.parse_args(argv)
    print(report(args.ratio, args.model))
    if args.putwrite:
        print("\nPut-write check 2006-2015 (monthly ATM puts at the model mid, T-bill collateral, no fees; "
              "CBOE PUT: CAGR 6.6 %, vol 11.5 %, max drawdown -32.7 %):\n")
        print("| implied/realised ratio | CAGR | volatility | max drawdown (monthly) |\n|---:|---:|---:|---:|")
        for ratio in sorted({1.0, 1.1, 1.2, args.ratio}):
            r = putwrite_check(ratio)
            print(f"| {ratio:g} | {r['cagr']:.1%} | {r['volatility']:.1%} | {r['max_drawdown']:.1%} |")
    if args.lean_data is not None:
        print()
        print(smile_report(args.lean_data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
