"""照会: the search form and paged results; Enter opens the taxpayer."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from core.domain.search import SearchPage
from core.security.permissions import Permission
from core.services.taxpayer_search import SearchForm, search_taxpayers
from tui.i18n import _
from tui.screens.base import BusinessScreen
from tui.text import safe, wareki
from tui.widgets import FieldInput, focus_next

__all__ = ["SearchScreen", "PAGE"]

PAGE = 50
_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("atena_no", "宛名番号", ""),
    ("notice_no", "通知書番号", ""),
    ("kana_name", "カナ氏名", "ヤマダ タロウ"),
    ("kana_surname", "カナ姓", "ヤマダ"),
    ("birth_date", "生年月日", "S55.4.1 / 1980-04-01"),
    ("phone", "電話番号", ""),
)


class SearchScreen(BusinessScreen):
    BINDINGS = [
        Binding("f5", "search", _("検索"), id="search.run"),
        Binding("ctrl+s", "search", _("検索"), id="search.run.alt", show=False),
        Binding("f8", "page(1)", _("次頁"), id="search.next"),
        Binding("f7", "page(-1)", _("前頁"), id="search.prev"),
        Binding("ctrl+r", "clear", _("条件クリア"), id="search.clear"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.start = 0
        self.page: SearchPage | None = None
        self.form = SearchForm()

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        with Vertical(id="search-form"):
            fields = list(_FIELDS)
            actor = getattr(self.app, "actor", None)
            if actor is not None and actor.can(Permission.MYNUMBER_SEARCH):
                fields.append(("my_number", "個人番号", ""))
            for key, label, hint in fields:
                with Horizontal(classes="field-row"):
                    yield Label(_(label), classes="field-label")
                    yield FieldInput(placeholder=hint, id=f"f-{key}", classes="field-input")
        yield Static(_("条件を入力して Enter（最後の欄）または F5 で検索"), id="search-status")
        table: DataTable[str] = DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        table.add_columns(_("宛名番号"), _("区分"), _("氏名"), _("カナ"), _("生年月日"), _("住所"), _("状態"))
        self.query_one("#f-atena_no", Input).focus()

    def advance_from(self, field: Input) -> None:
        if not focus_next(self, field):
            self.action_search()

    def _form(self) -> SearchForm:
        values: dict[str, Any] = {}
        for key in SearchForm.__dataclass_fields__:
            found = self.query(f"#f-{key}")
            values[key] = found.first(Input).value if found else ""
        return SearchForm(**values)

    def action_search(self) -> None:
        self.form = self._form()
        self.start = 0
        self._run()

    def action_page(self, step: int) -> None:
        if self.page is None:
            return
        if step > 0 and not self.page.has_more:
            return
        self.start = max(0, self.start + step * PAGE)
        self._run()

    def action_clear(self) -> None:
        for field in self.query(FieldInput):
            field.value = ""
        self.query_one("#f-atena_no", Input).focus()

    def _run(self) -> None:
        self.query_one("#search-status", Static).update(_("検索中…"))
        self.call(search_taxpayers, self.form, offset=self.start, limit=PAGE, then=self._show,
                  failed=self._failed)

    def _failed(self, message: str) -> None:
        self.query_one("#search-status", Static).update(message)
        self.show_error(message)

    def _show(self, page: SearchPage) -> None:
        self.page = page
        table = self.query_one("#results", DataTable)
        table.clear()
        for row in page.rows:
            kind = _("法人") if row.kind == "corporation" else _("個人")
            state = _("死亡") if row.deceased else (_("住登外") if row.resident_status == "non_resident" else "")
            table.add_row(row.atena_no, kind, safe(row.name), safe(row.name_kana), wareki(row.birth_date),
                          safe(row.address), state, key=str(row.id))
        if not page.rows:
            status = _("該当する納税者はいません")
        else:
            more = _("（続きあり: F8）") if page.has_more else ""
            status = _("{a}〜{b}件目{more}　Enter: 開く").format(a=self.start + 1, b=self.start + len(page.rows),
                                                              more=more)
        self.query_one("#search-status", Static).update(status)
        if page.rows:
            table.focus()

    @on(DataTable.RowSelected, "#results")
    def _open(self, event: DataTable.RowSelected) -> None:
        from tui.screens.taxpayer import TaxpayerScreen

        if event.row_key.value is not None:
            self.app.push_screen(TaxpayerScreen(int(event.row_key.value)))
