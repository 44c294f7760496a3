"""全銀協 fixed-length files (SPEC §7): one import point for the formats.

- 預金口座振替 (種別コード 91): :func:`write_transfer_request` writes the 請求
  file, :func:`read_transfer_result` reads the bank's 結果 file
  (layout and offsets in :mod:`storage.files.zengin_transfer`).
- 総合振込 (種別コード 21) for refunds: :func:`write_furikomi` and
  :func:`read_furikomi` (layout in :mod:`storage.files.zengin_furikomi`).
- Shared rules — 120-byte records of JIS X 0201 in Shift_JIS, CR LF, padding,
  what is an error and what is cut — in :mod:`storage.files.zengin_fields`.

All of it is pure: bytes in, bytes or frozen dataclasses out, no database.
Writers raise :class:`~core.errors.ValidationError`; readers check the whole
file and raise one :class:`~storage.files.csvread.FileFormatError` listing
every bad record (record number, field name, reason; no personal values).
"""

from __future__ import annotations

from storage.files.csvread import FileFormatError, LineError
from storage.files.zengin_fields import ACCOUNT_TYPES, NEW_CODES, RECORD_LENGTH
from storage.files.zengin_furikomi import (
    DESIGNATIONS,
    FurikomiFile,
    FurikomiFileHeader,
    FurikomiHeader,
    FurikomiItem,
    read_furikomi,
    write_furikomi,
)
from storage.files.zengin_transfer import (
    RESULT_CODES,
    bank_result,
    TransferHeader,
    TransferItem,
    TransferResult,
    TransferResultHeader,
    TransferResultItem,
    TransferTotals,
    read_transfer_result,
    write_transfer_request,
)

__all__ = [
    "bank_result",
    "ACCOUNT_TYPES",
    "DESIGNATIONS",
    "NEW_CODES",
    "RECORD_LENGTH",
    "RESULT_CODES",
    "FileFormatError",
    "FurikomiFile",
    "FurikomiFileHeader",
    "FurikomiHeader",
    "FurikomiItem",
    "LineError",
    "TransferHeader",
    "TransferItem",
    "TransferResult",
    "TransferResultHeader",
    "TransferResultItem",
    "TransferTotals",
    "read_furikomi",
    "read_transfer_result",
    "write_furikomi",
    "write_transfer_request",
]
