"""The offline engine: simulate the strategy (or a benchmark) on a LEAN data folder or the default data.

* ``market``: the data-source protocol; ``sources``: the default data and LEAN-folder implementations;
* ``step``: what a policy sees and the orders it returns; ``simulator``: the loop;
* ``ledger``: cash, reservation, positions, trade log; ``fees``, ``fills``: commissions and the fill model;
* ``expiry``: expiry, LEAN-style early assignment, dividend-driven exercise; ``invariants``: checks that stop
  a run; ``marks``, ``recorder``, ``context``: marks and Greeks, daily rows and attribution, market context.

See ``docs/engine.md``.
"""
