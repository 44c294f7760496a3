"""取込: choose the kind (1 収納データ, 2 宛名, 3 調定, 4 口座振替の結果), pick a file in the inbox folder,
confirm, watch the progress bar; Esc cancels and nothing is applied."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DirectoryTree, Footer, Header, ProgressBar, Static

from core.errors import NozeiError
from core.services.auth import SessionEnded, SessionLocked
from tui.i18n import N_, _
from tui.screens.base import BusinessScreen
from tui.screens.confirm import ConfirmScreen
from tui.text import yen

__all__ = ["ImportScreen", "KINDS", "ImportCancelled"]

KINDS: dict[str, tuple[str, str]] = {"1": ("payments", N_("収納データ")), "2": ("atena", N_("宛名")),
                                     "3": ("assessments", N_("調定")), "4": ("transfer_result", N_("口座振替の結果"))}


class ImportCancelled(Exception):
    """Raised from the progress callback when the clerk cancels: the transaction rolls back."""


class ImportScreen(BusinessScreen):
    BINDINGS = [
        Binding("1", "kind('1')", _("収納データ"), id="import.payments"),
        Binding("2", "kind('2')", _("宛名"), id="import.atena"),
        Binding("3", "kind('3')", _("調定"), id="import.assessments"),
        Binding("4", "kind('4')", _("口座振替の結果"), id="import.transfer_result"),
        Binding("escape", "cancel_or_back", _("中止／戻る"), id="import.cancel", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind = "1"
        self.running = False
        self.cancel = threading.Event()

    def compose(self) -> ComposeResult:
        inbox: Path = self.app.services.inbox  # type: ignore[attr-defined]
        inbox.mkdir(parents=True, exist_ok=True)
        yield Header(show_clock=True)
        yield Static("", id="import-kind")
        yield Static(_("取込フォルダ: {path}").format(path=inbox), id="import-folder")
        yield DirectoryTree(str(inbox), id="import-tree")
        yield ProgressBar(id="import-progress", show_eta=False)
        yield Static(_("1〜4: 種類　Enter: ファイルを選んで取込　Esc: 中止／戻る"), id="import-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.action_kind(self.kind)
        self.query_one("#import-tree", DirectoryTree).focus()

    def action_kind(self, key: str) -> None:
        if not self.running:
            self.kind = key
            self.query_one("#import-kind", Static).update(_("取り込む種類: {k}").format(k=_(KINDS[key][1])))

    def action_cancel_or_back(self) -> None:
        if self.running:
            self.cancel.set()
            self.query_one("#import-status", Static).update(_("中止しています…"))
        else:
            self.action_back()

    @on(DirectoryTree.FileSelected, "#import-tree")
    def _chosen(self, event: DirectoryTree.FileSelected) -> None:
        if self.running:
            return
        path = Path(event.path)
        label = _(KINDS[self.kind][1])

        def answer(yes: bool | None) -> None:
            if yes:
                self.running = True
                self.cancel.clear()
                self.query_one("#import-status", Static).update(_("取込中… Esc で中止（何も反映しません）"))
                self._run(KINDS[self.kind][0], path)

        self.app.push_screen(ConfirmScreen(_("{name} を{kind}として取り込みますか？").format(name=path.name, kind=label)),
                             callback=answer)

    @work(thread=True, exclusive=True, group="import")
    def _run(self, kind: str, path: Path) -> None:
        app: Any = self.app
        bar = self.query_one("#import-progress", ProgressBar)

        def progress(done: int, total: int) -> None:
            if self.cancel.is_set():
                raise ImportCancelled
            app.call_from_thread(bar.update, total=max(total, 1), progress=done)

        try:
            summary = app.services.import_file(app.session_id, kind, path, progress=progress)
        except ImportCancelled:
            app.call_from_thread(self._finished, _("中止しました。何も反映していません"))
        except SessionLocked as exc:
            app.call_from_thread(self._finished, str(exc))
            app.call_from_thread(app._lock, str(exc))
        except SessionEnded as exc:
            app.call_from_thread(app.session_over, str(exc))
        except NozeiError as exc:
            report = getattr(exc, "report", None)
            text = report() if callable(report) else str(exc)
            app.call_from_thread(self._finished, _("取り込めません（何も反映していません）") + "\n" + text)
        except OSError:
            app.call_from_thread(self._finished, _("ファイルを読めません"))
        else:
            app.call_from_thread(bar.update, total=1, progress=1)
            app.call_from_thread(self._finished, self._describe(summary))

    def _describe(self, s: Any) -> str:
        if s.already_imported:
            return _("このファイルは取込済みです。何も反映していません")
        if hasattr(s, "paid_total"):
            return _("振替結果を取り込みました: 振替済 {p}件 {pt}円　振替不能 {f}件 {ft}円").format(
                p=s.paid, pt=yen(s.paid_total), f=s.failed, ft=yen(s.failed_total))
        if hasattr(s, "posted"):
            return _("取り込みました: {n}件（登録 {p}・重複 {d}）合計 {t}円　消込 {a}円　過誤納 {o}件 {ot}円　"
                     "未消込 {u}件 {ut}円").format(
                n=s.records, p=s.posted, d=s.duplicates, t=yen(s.total), a=yen(s.allocated_total), o=s.overpayments,
                ot=yen(s.overpayment_total), u=s.suspense, ut=yen(s.suspense_total))
        return _("取り込みました: {n}件（新規 {a}・更新 {u}・更正 {m}・変更なし {s}）").format(
            n=s.records, a=s.added, u=s.updated, m=s.amended, s=s.unchanged)

    def _finished(self, message: str) -> None:
        self.running = False
        self.query_one("#import-status", Static).update(message)
