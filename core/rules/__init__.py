"""Legal calculations of the collection section (SPEC §4).

Each module carries the statute it implements; they are pure functions over
``int`` yen and ``datetime.date`` and import nothing outside the standard
library and :mod:`core` (SPEC §2). ``Decimal`` appears only inside rate
arithmetic.

- :mod:`core.rules.rates` — the calendar-year rate table (地方税法附則3条の2,
  SPEC §4.3/§4.6): data, not code.
- :mod:`core.rules.entaikin` — 延滞金 (地方税法326条, 20条の4の2, 15条の9,
  民法143条).
"""

from __future__ import annotations

__all__: list[str] = []
