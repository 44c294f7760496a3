"""管理の入力と表示: the forms of the 管理 screen (user, role, terminal, policy, rates) and
the one-time credentials dialog (初期パスワード, OTP の秘密鍵 base32・otpauth URI・QR)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from core.domain.identity import OtpEnrolment
from core.errors import ValidationError
from core.rules.rates import YearRates
from tui.i18n import _
from tui.screens.form import Field, FormScreen
from tui.text import safe

__all__ = ["CredentialsScreen", "user_form", "role_form", "terminal_form", "policy_form", "rates_form",
           "qr_text", "parse_roles", "Form"]

Roles = dict[str, tuple[str, Any]]


def qr_text(uri: str) -> str:
    """The QR code of *uri* drawn with block characters (two modules a character row)."""
    try:
        import segno
    except ImportError:  # pragma: no cover - segno is a dependency
        return ""
    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True)
    return out.getvalue().rstrip("\n")


class CredentialsScreen(ModalScreen[None]):
    """Shown once after adding a user or a reset; nothing here is stored in the screen afterwards."""

    DEFAULT_CSS = """
    CredentialsScreen { align: center middle; }
    CredentialsScreen #cred-box { width: 90; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
                                  border: round $accent; background: $surface; }
    CredentialsScreen #cred-title { text-style: bold; }
    CredentialsScreen #cred-qr { width: auto; margin: 1 0; color: white; background: black; }
    CredentialsScreen #cred-keys { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "close", _("閉じる"), id="credentials.close"),
        Binding("enter", "close", _("閉じる"), id="credentials.close.enter", show=False),
    ]

    def __init__(self, login_id: str, one_time_password: str | None, enrolment: OtpEnrolment | None) -> None:
        super().__init__()
        self.login_id = login_id
        self.one_time_password = one_time_password
        self.enrolment = enrolment

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="cred-box"):
            yield Static(_("利用者 {id} の認証情報（この画面でだけ表示します）").format(id=safe(self.login_id)),
                         id="cred-title", markup=False)
            if self.one_time_password is not None:
                yield Static(_("初期パスワード: {pw}　（初回ログイン時に変更が必要です）").format(
                    pw=self.one_time_password), id="cred-password", markup=False)
            if self.enrolment is not None:
                yield Static(_("ワンタイムパスワードの秘密鍵（base32）: {secret}").format(
                    secret=self.enrolment.secret_base32), id="cred-secret", markup=False)
                yield Static(self.enrolment.uri, id="cred-uri", markup=False)
                yield Static(qr_text(self.enrolment.uri), id="cred-qr", markup=False)
            yield Static(_("Esc / Enter: 閉じる（この情報は再表示できません）"), id="cred-keys")

    def action_close(self) -> None:
        self.dismiss(None)


Form = FormScreen  # the administration forms are the shared modal form


def role_listing(roles: Roles) -> str:
    return "\n".join(f"{k:>2}  {code:<18} {label}" for k, (code, (label, _perms)) in enumerate(roles.items(), 1))


def parse_roles(text: str, roles: Roles) -> list[str]:
    """Role numbers (of the listing), codes or Japanese names, separated by spaces or commas."""
    codes = list(roles)
    by_label = {label: code for code, (label, _perms) in roles.items()}
    chosen: list[str] = []
    for part in text.replace("、", " ").replace(",", " ").split():
        if part.isdigit() and 1 <= int(part) <= len(codes):
            code = codes[int(part) - 1]
        elif part in roles:
            code = part
        elif part in by_label:
            code = by_label[part]
        else:
            raise ValueError(_("不明なロールです: {role}").format(role=part))
        if code not in chosen:
            chosen.append(code)
    return chosen


def user_form(roles: Roles) -> Form:
    def parse(v: dict[str, str]) -> tuple[str, str, list[str]]:
        if not v["login_id"]:
            raise ValueError(_("ログインIDを入力してください"))
        if not v["name"]:
            raise ValueError(_("氏名を入力してください"))
        return v["login_id"], v["name"], parse_roles(v["roles"], roles)

    return Form(_("利用者の追加"), [
        Field("login_id", _("ログインID"), hint=_("英数字 3〜64文字"), max_length=64),
        Field("name", _("氏名"), max_length=60),
        Field("roles", _("ロール"), hint=_("番号をスペース区切りで（例: 1 2）")),
    ], parse, notes=_("初期パスワードとワンタイムパスワードの登録情報は保存後に一度だけ表示されます"),
        listing=role_listing(roles))


def role_form(login_id: str, roles: Roles, *, grant: bool) -> Form:
    def parse(v: dict[str, str]) -> str:
        chosen = parse_roles(v["role"], roles)
        if len(chosen) != 1:
            raise ValueError(_("ロールを1つ指定してください"))
        return chosen[0]

    heading = (_("{id} にロールを付与") if grant else _("{id} のロールを取消")).format(id=safe(login_id))
    return Form(heading, [Field("role", _("ロール"), hint=_("番号またはロール名"))], parse,
                      listing=role_listing(roles))


def _yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in ("", "n", "no", "いいえ", "0"):
        return False
    if value in ("y", "yes", "はい", "1"):
        return True
    raise ValueError(_("y か n で入力してください"))


def terminal_form() -> Form:
    def parse(v: dict[str, str]) -> tuple[str, str, bool, bool]:
        if not v["terminal_id"]:
            raise ValueError(_("端末IDを入力してください"))
        return v["terminal_id"], v["name"], _yes_no(v["export"]), _yes_no(v["counter"])

    return Form(_("端末の登録"), [
        Field("terminal_id", _("端末ID"), max_length=64),
        Field("name", _("名称"), max_length=60),
        Field("export", _("ファイル出力"), hint=_("y / n（既定 n）"), max_length=3),
        Field("counter", _("窓口端末"), hint=_("y / n（既定 n）"), max_length=3),
    ], parse)


def policy_form(key: str, description: str, value: Any) -> Form:
    def parse(v: dict[str, str]) -> Any:
        try:
            return json.loads(v["value"])
        except ValueError as exc:
            raise ValueError(_("JSONとして読めません（{line}行 {col}文字目）").format(
                line=getattr(exc, "lineno", 1), col=getattr(exc, "colno", 1))) from None

    current = json.dumps(value, ensure_ascii=False) if value is not None else ""
    return Form(_("設定の変更: {key}").format(key=key), [Field("value", _("値（JSON）"), value=current)],
                      parse, notes=description)


def rates_form(default_year: int, template: YearRates | None) -> Form:
    def rate(text: str, label: str) -> Decimal:
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(_("{label}は数値（%）で入力してください").format(label=label)) from None

    def parse(v: dict[str, str]) -> YearRates:
        if not v["year"].isdigit():
            raise ValueError(_("年は西暦4桁で入力してください"))
        try:
            return YearRates(int(v["year"]), rate(v["within"], _("1月以内")), rate(v["after"], _("1月超")),
                             rate(v["refund"], _("還付加算金")))
        except ValidationError as exc:
            raise ValueError(str(exc)) from None

    t = template
    return Form(_("割合の変更案（別の管理者の承認で反映）"), [
        Field("year", _("年"), value=str(default_year), max_length=4),
        Field("within", _("1月以内（%）"), value=str(t.within_month) if t else ""),
        Field("after", _("1月超（%）"), value=str(t.after_month) if t else ""),
        Field("refund", _("還付加算金（%）"), value=str(t.refund_interest) if t else ""),
    ], parse)


def confirm_then(screen: Any, question: str, detail: str, then: Callable[[], None]) -> None:
    """y/n confirm, then *then()* on yes."""
    from tui.screens.confirm import ConfirmScreen

    screen.app.push_screen(ConfirmScreen(question, detail), lambda yes: then() if yes else None)
