"""File interfaces (SPEC §7): reading and validating the files other systems send.

Storage owns file formats. Each reader validates a whole file before anything is
applied and reports every bad line in one :class:`~storage.files.csvread.FileFormatError`
(line number, column, reason — never a personal value).

- :mod:`storage.files.csvread` — encoding detection (UTF-8 with or without BOM,
  CP932), header checks and rows with physical line numbers.
- :mod:`storage.files.payments_csv` — the canonical 収納データ CSV and the
  mapping for other column layouts.
"""

__all__: list[str] = []
