"""LEAN ``QCAlgorithm`` subclasses and the LEAN-to-domain converters."""
