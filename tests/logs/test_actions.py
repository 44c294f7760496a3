"""Every audit action the application records has a Japanese label for the review screens."""

from __future__ import annotations

import re
from pathlib import Path

from logs.actions import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
_LITERAL = re.compile(r'AuditEvent\(\s*action="([a-z_.]+)"')


def _recorded_actions() -> set[str]:
    found: set[str] = set()
    for folder in ("core", "storage", "logs", "tui"):
        for path in (ROOT / folder).rglob("*.py"):
            found.update(_LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


class TestActionLabels:
    def test_the_scan_finds_the_actions_services_record(self) -> None:
        assert {"payments.import", "dunning.run", "taxpayer.view"} <= _recorded_actions()

    def test_every_recorded_action_has_a_label(self) -> None:
        assert sorted(_recorded_actions() - set(ACTIONS)) == []

    def test_the_imports_name_their_kind_in_the_action(self) -> None:
        # core.services.imports records f"{kind}.import" for these kinds.
        assert {"atena.import", "assessments.import"} <= set(ACTIONS)
