"""Every service names its permission; the registry lets a test prove each refuses.

A service is a function ``fn(uow, actor, ...)``. :func:`service` checks the
permission before the function runs; a refusal is written to the audit log
(in its own transaction) and raised as :class:`PermissionDenied`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from core.errors import PermissionDenied
from core.ports import AuditEvent, UnitOfWork
from core.security.permissions import Actor, Permission, require_other_checker

__all__ = ["ServiceInfo", "SERVICES", "service", "record_denial", "refuse_own"]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    name: str
    permission: Permission
    function: Callable[..., Any]


SERVICES: dict[str, ServiceInfo] = {}


def record_denial(uow: UnitOfWork, actor: Actor, permission: str, name: str) -> None:
    with uow:
        uow.audit.record(
            actor,
            AuditEvent(action="permission.denied", outcome="denied",
                       details={"permission": permission, "service": name}),
        )
        uow.commit()


def refuse_own(uow: UnitOfWork, actor: Actor, permission: Permission, *,
               maker: str | Callable[[UnitOfWork], str], name: str) -> None:
    """Maker–checker, before anything is touched (call outside a unit of work): a
    decision on one's own proposal is audited as a denial and refused. *maker* is the
    proposer's id, or a function reading it (run in its own unit of work)."""
    if callable(maker):
        with uow:
            maker = maker(uow)
    if maker == actor.user_id:
        record_denial(uow, actor, f"{permission} (maker-checker)", name)
        require_other_checker(actor, permission, maker=maker)


def service(
    permission: Permission,
) -> Callable[[Callable[Concatenate[UnitOfWork, Actor, P], R]], Callable[Concatenate[UnitOfWork, Actor, P], R]]:
    def decorate(fn: Callable[Concatenate[UnitOfWork, Actor, P], R]) -> Callable[Concatenate[UnitOfWork, Actor, P], R]:
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def wrapper(uow: UnitOfWork, actor: Actor, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if not actor.can(permission):
                record_denial(uow, actor, str(permission), name)
                raise PermissionDenied(str(permission))
            return fn(uow, actor, *args, **kwargs)

        SERVICES[name] = ServiceInfo(name, permission, wrapper)
        return wrapper

    return decorate
