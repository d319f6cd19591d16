"""Market data for the offline engine: a LEAN data-folder reader and the bundled default data.

Everything returns exchange-time (America/New_York), tz-naive timestamps and raises :class:`DataError`
(a ``ValueError`` naming the path and what was expected) when required data is missing.
"""

from wheelhouse.data.errors import DataError

__all__ = ["DataError"]
