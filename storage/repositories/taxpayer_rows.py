"""Mapping between :class:`core.domain.taxpayer.Taxpayer` and encrypted ``taxpayers`` rows."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from core.domain.taxpayer import ResidentStatus, Sex, Taxpayer, TaxpayerFlags, TaxpayerKind
from core.text.kana import kana_search_key, split_kana_name
from storage.crypto.context import Crypto

__all__ = [
    "TABLE",
    "CT_FIELDS",
    "encrypted_values",
    "blind_values",
    "plain_values",
    "row_to_taxpayer",
    "surname_key",
    "snapshot_json",
    "taxpayer_from_snapshot",
]

TABLE = "taxpayers"
#: domain field → ciphertext column
CT_FIELDS: dict[str, str] = {
    "my_number": "my_number_ct",
    "name": "name_ct",
    "name_kana": "name_kana_ct",
    "birth_date": "birth_date_ct",
    "postal_code": "postal_code_ct",
    "address": "address_ct",
    "phone": "phone_ct",
    "household_head_name": "household_head_name_ct",
    "mailing_address": "mailing_address_ct",
}


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def surname_key(name_kana: str) -> str:
    return kana_search_key(split_kana_name(name_kana)[0])


def encrypted_values(t: Taxpayer, record_id: int, crypto: Crypto) -> dict[str, bytes | None]:
    enc = crypto.cipher.encrypt_opt
    return {
        column: enc(_text(getattr(t, name)), table=TABLE, column=column, record_id=record_id)
        for name, column in CT_FIELDS.items()
    } | {"enc_version": crypto.cipher.version}


def blind_values(t: Taxpayer, crypto: Crypto) -> dict[str, int | None]:
    idx = crypto.indexer.compute
    surname = surname_key(t.name_kana)
    birth = t.birth_date.isoformat() if t.birth_date else None
    return {
        "bi_my_number": idx("my_number", t.my_number) if t.my_number else None,
        "bi_kana_name": idx("kana_name", kana_search_key(t.name_kana)),
        "bi_kana_surname": idx("kana_surname", surname),
        "bi_kana_surname_birth": idx("kana_surname_birth", f"{surname}|{birth}") if birth else None,
        "bi_birth_date": idx("birth_date", birth) if birth else None,
        "bi_phone": idx("phone", t.phone) if t.phone else None,
    }


def plain_values(t: Taxpayer) -> dict[str, Any]:
    return {
        "atena_no": t.atena_no,
        "kind": t.kind.value,
        "corporate_number": t.corporate_number,
        "sex": t.sex.value if t.sex else None,
        "household_no": t.household_no,
        "relationship": t.relationship,
        "resident_status": t.resident_status.value,
        "deceased_date": t.deceased_date,
        "flag_koji_sotatsu": t.flags.koji_sotatsu,
        "flag_tokusoku_teishi": t.flags.tokusoku_teishi,
        "flag_saikoku_teishi": t.flags.saikoku_teishi,
        "flag_hakko_yokushi": t.flags.hakko_yokushi,
    }


def decrypt_field(row: Any, name: str, crypto: Crypto) -> str | None:
    column = CT_FIELDS[name]
    return crypto.cipher.decrypt_opt(
        getattr(row, column), table=TABLE, column=column, record_id=row.id
    )


def row_to_taxpayer(row: Any, crypto: Crypto) -> Taxpayer:
    values = {name: decrypt_field(row, name, crypto) for name in CT_FIELDS}
    birth = values.pop("birth_date")
    return Taxpayer(
        id=int(row.id),
        atena_no=row.atena_no,
        kind=TaxpayerKind(row.kind),
        name=values.pop("name") or "",
        name_kana=values.pop("name_kana") or "",
        birth_date=date.fromisoformat(birth) if birth else None,
        corporate_number=row.corporate_number,
        sex=Sex(row.sex) if row.sex else None,
        household_no=row.household_no,
        relationship=row.relationship,
        resident_status=ResidentStatus(row.resident_status),
        deceased_date=row.deceased_date,
        flags=TaxpayerFlags(
            koji_sotatsu=bool(row.flag_koji_sotatsu),
            tokusoku_teishi=bool(row.flag_tokusoku_teishi),
            saikoku_teishi=bool(row.flag_saikoku_teishi),
            hakko_yokushi=bool(row.flag_hakko_yokushi),
        ),
        **values,
    )


def snapshot_json(t: Taxpayer) -> str:
    """The whole record as JSON, for the (encrypted) history table."""

    def default(value: object) -> str:
        if isinstance(value, date | datetime):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(asdict(t), default=default, ensure_ascii=False, sort_keys=True)


def taxpayer_from_snapshot(text: str) -> Taxpayer:
    data = json.loads(text)
    for key in ("birth_date", "deceased_date"):
        if data.get(key):
            data[key] = date.fromisoformat(data[key])
    data["kind"] = TaxpayerKind(data["kind"])
    data["sex"] = Sex(data["sex"]) if data.get("sex") else None
    data["resident_status"] = ResidentStatus(data["resident_status"])
    data["flags"] = TaxpayerFlags(**data["flags"])
    return Taxpayer(**data)
