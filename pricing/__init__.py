"""Option analytics: Black-Scholes-Merton, American exercise, implied volatility, volatility estimators.

Submodules are imported on use (``from pricing.bsm import bsm``) so that ``import pricing`` stays cheap;
the compiled kernels load only with the modules that need them.
"""
