"""Login rules (SPEC §5.2), through the real repositories on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.errors import ValidationError
from core.services import admin
from core.services.auth import (
    GENERIC_FAILURE, AuthFailed, AuthTools, SessionEnded, SessionLocked, authenticate, change_password,
    check_session, logout, unlock_session,
)
from storage.crypto.passwords import FAST_TEST_PARAMETERS, Argon2Hasher
from storage.crypto.totp import TotpEngine
from storage.schema import audit_events, users
from storage.store import Store

START = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # 09:30 JST
PASSWORD = "kaigan-dori 7-chome"
NEW_PASSWORD = "umibe no kissaten 42"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TERMINAL = "T01"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def tools(clock: FixedClock) -> AuthTools:
    return AuthTools(hasher=Argon2Hasher(**FAST_TEST_PARAMETERS), otp=TotpEngine(), clock=clock)


@pytest.fixture
def ready(store: Store, tools: AuthTools) -> Iterator[Store]:
    """An administrator (admin01) and a clerk (clerk01), both past their first-login change."""
    admin.bootstrap(store.uow(), tools, login_id="admin01", display_name="管理　一郎", terminal_id=TERMINAL,
                    password=PASSWORD, otp_secret=SECRET, must_change=False)
    with store.uow() as uow:
        uow.identity.add_user("clerk01", "収納　花子", tools.hasher.hash(PASSWORD), SECRET, must_change=False,
                              now=START)
        clerk = uow.identity.user_by_login("clerk01")
        assert clerk is not None
        uow.identity.grant(clerk.id, "collection", by="test", now=START)
        uow.commit()
    yield store


def code(tools: AuthTools, offset: int = 0) -> str:
    return tools.otp.code(SECRET, tools.otp.step_at(tools.clock.now()) + offset)


def login(store: Store, tools: AuthTools, *, login_id: str = "clerk01", password: str = PASSWORD,
          otp: str | None = None, terminal: str = TERMINAL):
    return authenticate(store.uow(), tools, login_id=login_id, password=password,
                        otp_code=otp if otp is not None else code(tools), terminal_id=terminal,
                        client_address="10.0.0.5")


def actions(store: Store) -> list[tuple[str, str]]:
    with store.reading() as conn:
        return [(r.action, r.outcome) for r in conn.execute(select(audit_events).order_by(audit_events.c.seq))]


class TestPasswordAndOtp:
    def test_the_right_password_and_code_open_a_session_with_the_users_permissions(self, ready, tools) -> None:
        result = login(ready, tools)
        assert not result.must_change_password
        assert "payment.post" in result.actor.permissions and "mynumber.view" not in result.actor.permissions
        assert actions(ready)[-1] == ("login.success", "ok")

    @pytest.mark.parametrize("case", ["wrong_password", "wrong_code", "unknown_user", "garbage_code"])
    def test_every_failure_says_the_same_thing(self, ready, tools, case) -> None:
        kwargs = {"wrong_password": {"password": "not the password"}, "wrong_code": {"otp": "000000"},
                  "unknown_user": {"login_id": "nobody"}, "garbage_code": {"otp": "12ab"}}[case]
        if case == "wrong_code" and code(tools) == "000000":
            kwargs = {"otp": "000001"}
        with pytest.raises(AuthFailed) as info:
            login(ready, tools, **kwargs)
        assert str(info.value) == GENERIC_FAILURE
        assert actions(ready)[-1] == ("login.failure", "denied")

    @pytest.mark.parametrize("offset", [-1, 1])
    def test_a_code_one_step_early_or_late_is_accepted(self, ready, tools, offset) -> None:
        login(ready, tools, otp=code(tools, offset))

    @pytest.mark.parametrize("offset", [-2, 2])
    def test_a_code_two_steps_away_is_refused(self, ready, tools, offset) -> None:
        with pytest.raises(AuthFailed):
            login(ready, tools, otp=code(tools, offset))

    def test_a_replayed_code_is_refused_and_logged(self, ready, tools) -> None:
        used = code(tools)
        login(ready, tools, otp=used)
        with pytest.raises(AuthFailed):
            login(ready, tools, otp=used)
        assert actions(ready)[-1] == ("login.otp_replay", "denied")

    def test_an_older_code_after_a_newer_one_was_used_is_refused(self, ready, tools) -> None:
        login(ready, tools, otp=code(tools, 1))
        with pytest.raises(AuthFailed):
            login(ready, tools, otp=code(tools, 0))

    def test_full_width_input_is_the_same_password(self, ready, tools) -> None:
        full_width = PASSWORD.translate(str.maketrans("abcdefghijklmnopqrstuvwxyz0123456789-", "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ０１２３４５６７８９－"))
        login(ready, tools, password=full_width)


class TestLockout:
    def test_five_failures_lock_the_account_for_fifteen_minutes(self, ready, tools, clock) -> None:
        for _ in range(5):
            with pytest.raises(AuthFailed):
                login(ready, tools, password="wrong password!!")
        assert ("login.lockout", "denied") in actions(ready)
        clock.advance(seconds=31)
        with pytest.raises(AuthFailed):
            login(ready, tools)  # right credentials, still locked
        clock.advance(minutes=15)
        login(ready, tools)

    def test_four_failures_then_success_resets_the_count(self, ready, tools, clock) -> None:
        for _ in range(4):
            with pytest.raises(AuthFailed):
                login(ready, tools, password="wrong password!!")
        login(ready, tools)
        clock.advance(seconds=31)
        for _ in range(4):
            with pytest.raises(AuthFailed):
                login(ready, tools, password="wrong password!!")
        clock.advance(seconds=31)
        login(ready, tools)

    def test_an_administrator_can_unlock(self, ready, tools, clock) -> None:
        for _ in range(5):
            with pytest.raises(AuthFailed):
                login(ready, tools, otp="999999" if code(tools) != "999999" else "999998")
        admin_actor = login(ready, tools, login_id="admin01").actor
        admin.unlock_user(ready.uow(), admin_actor, "clerk01")
        clock.advance(seconds=31)
        login(ready, tools)
        assert ("user.unlock", "ok") in actions(ready)


class TestTerminals:
    def test_an_unregistered_terminal_is_refused(self, ready, tools) -> None:
        with pytest.raises(AuthFailed):
            login(ready, tools, terminal="LAPTOP-42")

    def test_a_disabled_terminal_is_refused(self, ready, tools, clock) -> None:
        admin_actor = login(ready, tools, login_id="admin01").actor
        admin.add_terminal(ready.uow(), admin_actor, tools, "T02", "窓口2")
        admin.disable_terminal(ready.uow(), admin_actor, "T02")
        clock.advance(seconds=31)
        with pytest.raises(AuthFailed):
            login(ready, tools, terminal="T02")

    def test_disabling_a_terminal_ends_the_sessions_open_on_it(self, ready, tools, clock) -> None:
        admin_actor = login(ready, tools, login_id="admin01").actor
        admin.add_terminal(ready.uow(), admin_actor, tools, "T02", "窓口2")
        clock.advance(seconds=31)
        session_id = login(ready, tools, terminal="T02").session_id
        assert check_session(ready.uow(), tools, session_id).terminal_id == "T02"
        admin.disable_terminal(ready.uow(), admin_actor, "T02")
        with pytest.raises(SessionEnded, match="端末の利用が停止"):
            check_session(ready.uow(), tools, session_id)
        with pytest.raises(SessionEnded, match="端末の利用が停止"):
            check_session(ready.uow(), tools, session_id)


class TestPasswordChange:
    def _session(self, ready, tools):
        return login(ready, tools).session_id

    @pytest.mark.parametrize(("new", "message"), [
        ("short-pw", "12文字以上"),
        ("Password123!", "よく使われる"),
        ("clerk01-secret-phrase", "ログインID"),
        ("x" * 129, "128文字以下"),
        ("abababababab", "繰り返し"),
    ])
    def test_the_rules_refuse_weak_passwords_with_a_reason(self, ready, tools, new, message) -> None:
        with pytest.raises(ValidationError, match=message):
            change_password(ready.uow(), tools, self._session(ready, tools), current=PASSWORD, new=new)

    def test_the_last_five_passwords_are_refused_and_the_sixth_is_allowed(self, ready, tools, clock) -> None:
        sid = self._session(ready, tools)
        history = [PASSWORD] + [f"seaside walk number {i}" for i in range(1, 6)]
        for previous, new in zip(history, history[1:], strict=False):
            change_password(ready.uow(), tools, sid, current=previous, new=new)
        current = history[-1]
        for old in history[-5:]:
            with pytest.raises(ValidationError, match="直近5回"):
                change_password(ready.uow(), tools, sid, current=current, new=old)
        change_password(ready.uow(), tools, sid, current=current, new=history[0])

    def test_a_wrong_current_password_changes_nothing(self, ready, tools) -> None:
        with pytest.raises(ValidationError, match="現在のパスワード"):
            change_password(ready.uow(), tools, self._session(ready, tools), current="nope", new=NEW_PASSWORD)


class TestForcedChange:
    def test_a_first_login_must_change_the_password_and_has_no_permissions_until_then(self, ready, tools, clock) -> None:
        admin_actor = login(ready, tools, login_id="admin01").actor
        creds = admin.add_user(ready.uow(), admin_actor, tools, "new01", "新人　太郎", ["inquiry"])
        assert creds.enrolment is not None and creds.one_time_password is not None
        clock.advance(seconds=31)
        first = authenticate(ready.uow(), tools, login_id="new01", password=creds.one_time_password,
                             otp_code=tools.otp.code(creds.enrolment.secret_base32, tools.otp.step_at(clock.now())),
                             terminal_id=TERMINAL)
        assert first.must_change_password and first.change_reason == "initial_or_reset"
        assert first.actor.permissions == frozenset()
        assert check_session(ready.uow(), tools, first.session_id).permissions == frozenset()
        change_password(ready.uow(), tools, first.session_id, current=creds.one_time_password, new=NEW_PASSWORD)
        assert "taxpayer.search" in check_session(ready.uow(), tools, first.session_id).permissions

    def test_an_administrator_reset_forces_a_change(self, ready, tools, clock) -> None:
        admin_actor = login(ready, tools, login_id="admin01").actor
        creds = admin.reset_password(ready.uow(), admin_actor, tools, "clerk01")
        clock.advance(seconds=31)
        result = login(ready, tools, password=creds.one_time_password or "")
        assert result.must_change_password

    def test_a_password_older_than_the_policy_age_must_change(self, ready, tools, clock) -> None:
        clock.advance(days=180)
        result = login(ready, tools)
        assert result.must_change_password and result.change_reason == "expired"


def _last_seen(store: Store, session_id: str) -> datetime:
    with store.uow(readonly=True) as uow:
        session = uow.identity.session(session_id)
        assert session is not None
        return session.last_seen_at


class TestSessionTouch:
    """The last action is written at most every 15 seconds (TOUCH_EVERY); an action sooner only reads."""

    def test_actions_within_fifteen_seconds_read_and_write_nothing(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        events = len(actions(ready))
        clock.advance(seconds=5)
        assert "payment.post" in check_session(ready.uow(), tools, sid).permissions
        clock.advance(seconds=9)
        check_session(ready.uow(), tools, sid)
        assert _last_seen(ready, sid) == START and len(actions(ready)) == events

    def test_the_first_action_fifteen_seconds_on_is_written(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        clock.advance(seconds=15)
        check_session(ready.uow(), tools, sid)
        assert _last_seen(ready, sid) == START + timedelta(seconds=15)

    def test_idle_time_counts_from_the_last_written_action(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        clock.advance(seconds=10)
        check_session(ready.uow(), tools, sid)  # not written: within 15 s
        clock.advance(minutes=9, seconds=55)  # ten minutes after the login, 9:55 after the last action
        with pytest.raises(SessionLocked):
            check_session(ready.uow(), tools, sid)

    def test_a_role_revoked_seconds_ago_is_gone_from_the_next_action(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        clock.advance(seconds=31)
        admin_actor = login(ready, tools, login_id="admin01").actor
        clock.advance(seconds=1)
        check_session(ready.uow(), tools, sid)  # written now
        admin.revoke_role(ready.uow(), admin_actor, tools, "clerk01", "collection")
        clock.advance(seconds=2)
        assert "payment.post" not in check_session(ready.uow(), tools, sid).permissions

    def test_a_lockout_set_seconds_ago_ends_the_session_at_the_next_action(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        with ready.uow() as uow:
            clerk = uow.identity.user_by_login("clerk01")
            assert clerk is not None
            uow.identity.update_user(clerk.id, locked_until=START + timedelta(minutes=30))
            uow.commit()
        clock.advance(seconds=3)
        with pytest.raises(SessionEnded, match="ロックアウト"):
            check_session(ready.uow(), tools, sid)

    def test_a_terminal_disabled_seconds_ago_ends_the_session_at_the_next_action(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        with ready.uow() as uow:
            uow.identity.set_terminal_disabled(TERMINAL, True)
            uow.commit()
        clock.advance(seconds=3)
        with pytest.raises(SessionEnded):
            check_session(ready.uow(), tools, sid)


class TestSessionStanding:
    """The fast check's one read: the session, its user's and terminal's standing, every role's permissions."""

    def test_it_holds_the_permissions_of_every_role_of_the_user(self, ready, tools) -> None:
        sid = login(ready, tools).session_id
        with ready.uow() as uow:
            clerk = uow.identity.user_by_login("clerk01")
            assert clerk is not None
            uow.identity.grant(clerk.id, "refund", by="test", now=START)  # shares the 照会 permissions
            uow.commit()
        with ready.uow() as uow:
            standing = uow.identity.session_standing(sid)
            assert standing is not None and clerk is not None
            assert standing.permissions == uow.identity.permissions(clerk.id)
            assert {"payment.post", "refund.draft", "taxpayer.view"} <= standing.permissions
            assert standing.login_id == "clerk01" and standing.terminal_disabled is False
            assert standing.session == uow.identity.session(sid)

    def test_a_user_without_roles_stands_with_no_permissions(self, ready, tools) -> None:
        sid = login(ready, tools).session_id
        with ready.uow() as uow:
            clerk = uow.identity.user_by_login("clerk01")
            assert clerk is not None
            uow.identity.revoke(clerk.id, "collection")
            uow.commit()
        with ready.uow() as uow:
            standing = uow.identity.session_standing(sid)
            assert standing is not None and standing.permissions == frozenset()

    def test_an_unknown_session_has_no_standing(self, ready) -> None:
        with ready.uow() as uow:
            assert uow.identity.session_standing("no-such-session") is None


class TestSessions:
    def test_ten_idle_minutes_lock_the_session_until_the_password_is_given(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        clock.advance(minutes=9, seconds=59)
        check_session(ready.uow(), tools, sid)
        clock.advance(minutes=10)
        with pytest.raises(SessionLocked):
            check_session(ready.uow(), tools, sid)
        with pytest.raises(SessionLocked):
            check_session(ready.uow(), tools, sid)
        with pytest.raises(AuthFailed):
            unlock_session(ready.uow(), tools, sid, "wrong password!!")
        actor = unlock_session(ready.uow(), tools, sid, PASSWORD)
        assert "payment.post" in actor.permissions
        assert ("session.idle_lock", "ok") in actions(ready) and ("session.unlock", "ok") in actions(ready)

    def test_the_absolute_limit_ends_even_an_active_session(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        for _ in range(70):  # steady work, every ten minutes less a second
            clock.advance(minutes=9, seconds=59)
            try:
                check_session(ready.uow(), tools, sid)
            except SessionEnded:
                break
        else:
            pytest.fail("session outlived the absolute limit")
        assert timedelta(hours=10) <= clock.now() - START < timedelta(hours=10, minutes=10)

    def test_a_user_disabled_mid_session_is_cut_off_at_the_next_action(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        clock.advance(seconds=31)
        admin_actor = login(ready, tools, login_id="admin01").actor
        admin.disable_user(ready.uow(), admin_actor, "clerk01")
        with pytest.raises(SessionEnded, match="利用が停止"):
            check_session(ready.uow(), tools, sid)
        with pytest.raises(SessionEnded):
            check_session(ready.uow(), tools, sid)
        clock.advance(seconds=31)
        with pytest.raises(AuthFailed):
            login(ready, tools)

    def test_logout_ends_the_session(self, ready, tools) -> None:
        sid = login(ready, tools).session_id
        logout(ready.uow(), tools, sid)
        with pytest.raises(SessionEnded):
            check_session(ready.uow(), tools, sid)
        assert actions(ready)[-1] == ("logout", "ok")


class TestRehash:
    def test_a_hash_made_with_old_parameters_is_upgraded_at_login(self, ready, tools) -> None:
        with ready.reading() as conn:
            before = conn.execute(select(users.c.password_hash).where(users.c.login_id == "clerk01")).scalar_one()
        stronger = AuthTools(hasher=Argon2Hasher(time_cost=2, memory_cost=2048, parallelism=1),
                             otp=tools.otp, clock=tools.clock)
        login(ready, stronger)
        with ready.reading() as conn:
            after = conn.execute(select(users.c.password_hash).where(users.c.login_id == "clerk01")).scalar_one()
        assert before != after and "t=2" in after and "m=2048" in after


class TestHardening:
    """Regressions for what a security review of the login code found."""

    def test_a_code_in_non_ascii_digits_is_an_ordinary_counted_failure(self, ready, tools) -> None:
        with pytest.raises(AuthFailed):
            login(ready, tools, otp="١٢٣٤٥٦")
        assert actions(ready)[-1] == ("login.failure", "denied")
        with ready.reading() as conn:
            assert conn.execute(select(users.c.failed_count).where(users.c.login_id == "clerk01")).scalar_one() == 1

    def test_disabling_ends_open_sessions_and_enabling_does_not_revive_them(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        clock.advance(seconds=31)
        admin_actor = login(ready, tools, login_id="admin01").actor
        admin.disable_user(ready.uow(), admin_actor, "clerk01")
        admin.enable_user(ready.uow(), admin_actor, "clerk01")
        with pytest.raises(SessionEnded, match="利用が停止"):
            check_session(ready.uow(), tools, sid)

    @pytest.mark.parametrize("reset", ["reset_password", "reset_otp"])
    def test_a_credential_reset_ends_open_sessions(self, ready, tools, clock, reset) -> None:
        sid = login(ready, tools).session_id
        clock.advance(seconds=31)
        admin_actor = login(ready, tools, login_id="admin01").actor
        getattr(admin, reset)(ready.uow(), admin_actor, tools, "clerk01")
        with pytest.raises(SessionEnded, match="再"):
            check_session(ready.uow(), tools, sid)

    def test_wrong_current_passwords_count_toward_lockout(self, ready, tools) -> None:
        sid = login(ready, tools).session_id
        for _ in range(4):
            with pytest.raises(ValidationError):
                change_password(ready.uow(), tools, sid, current="wrong password!", new=NEW_PASSWORD)
        with pytest.raises(SessionEnded, match="ロックアウト"):
            change_password(ready.uow(), tools, sid, current="wrong password!", new=NEW_PASSWORD)

    def test_a_session_past_its_absolute_limit_cannot_change_the_password(self, ready, tools, clock) -> None:
        sid = login(ready, tools).session_id
        clock.advance(hours=10)
        with pytest.raises(SessionEnded):
            change_password(ready.uow(), tools, sid, current=PASSWORD, new=NEW_PASSWORD)

    def test_replayed_codes_lock_the_account_like_any_failure(self, ready, tools) -> None:
        used = code(tools)
        login(ready, tools, otp=used)
        for _ in range(5):
            with pytest.raises(AuthFailed):
                login(ready, tools, otp=used)
        assert ("login.lockout", "denied") in actions(ready)

    @pytest.mark.parametrize("typed", ["MySecretPass-2026!", "x" * 300, "山田太郎"])
    def test_an_id_that_is_no_user_is_never_written_to_the_log(self, ready, tools, typed) -> None:
        with pytest.raises(AuthFailed):
            login(ready, tools, login_id=typed)
        with ready.reading() as conn:
            last = conn.execute(select(audit_events).order_by(audit_events.c.seq.desc()).limit(1)).one()
        assert (last.action, last.user_id) == ("login.failure", "-")
        assert typed not in last.details and "unknown_user" in last.details

    def test_an_administrator_cannot_change_their_own_roles(self, ready, tools) -> None:
        admin_actor = login(ready, tools, login_id="admin01").actor
        with pytest.raises(Exception, match="自分自身のロール"):
            admin.grant_role(ready.uow(), admin_actor, tools, "admin01", "mynumber")


class TestConcurrentLogins:
    """Several terminals at once (threads here; on SQLite and PostgreSQL alike)."""

    @staticmethod
    def _race(count: int, work) -> list[str]:  # type: ignore[no-untyped-def]
        barrier = threading.Barrier(count)
        outcomes: list[str] = []

        def run() -> None:
            barrier.wait()
            try:
                work()
                outcomes.append("ok")
            except AuthFailed:
                outcomes.append("refused")

        threads = [threading.Thread(target=run) for _ in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return outcomes

    def test_one_code_opens_exactly_one_session_however_many_try_it_at_once(self, ready, tools) -> None:
        used = code(tools)
        outcomes = self._race(4, lambda: login(ready, tools, otp=used))
        assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
        assert [a for a in actions(ready) if a[0] == "login.otp_replay"] == [("login.otp_replay", "denied")] * 3

    def test_simultaneous_failures_are_each_counted_and_lock_once(self, ready, tools) -> None:
        outcomes = self._race(6, lambda: login(ready, tools, password="wrong password!!"))
        assert outcomes == ["refused"] * 6
        done = [a for a, _ in actions(ready)]
        assert done.count("login.failure") == 6 and done.count("login.lockout") == 1
