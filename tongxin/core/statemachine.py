"""The one state-machine mechanism: states, acts and the transition table, as data.

Every app with a status that moves (cases, volunteering signups, reward orders and volunteer
reviews, residents' correction requests) declares a ``StateMachine``: a ``TextChoices`` of
states, a ``TextChoices`` of acts, and the table ``act → {from state: frozenset of targets}``.
An act may allow several targets from one state (a case resumes to the state it was suspended
from, feedback closes or reopens): the handler picks one and the machine checks the pick. An
act that leaves the state as it is lists the from-state itself among its targets.

Refusals are one error: ``TransitionRefused`` (``TRANSITION_NOT_ALLOWED``, HTTP 409), with a
message naming the current state and the act, and ``context={"state", "action"}`` (plus
``"to"`` when a target was asked for). An act the machine does not know is
``UNKNOWN_ACTION``. Every machine joins ``REGISTRY`` when it is built, so a test can check
that all of them are declared here and that their tables are sound.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from .errors import Code, DomainError, TransitionRefused
from .i18n import StrOrLazy

Table = Mapping[str, Mapping[str, frozenset[str]]]

REGISTRY: dict[str, StateMachine] = {}


class StateMachine:
    """A state machine built from data; see the module docstring.

    ``subject`` names the thing in refusals ("案件", "报名"); ``field`` is the model field
    that holds the state, for ``move``.
    """

    def __init__(
        self,
        name: str,
        *,
        states: type[models.TextChoices],
        acts: type[models.TextChoices],
        table: Table,
        subject: StrOrLazy,
        field: str = "status",
    ) -> None:
        self.name = name
        self.states = states
        self.acts = acts
        self.subject = subject
        self.field = field
        self.table: Mapping[str, Mapping[str, frozenset[str]]] = MappingProxyType(
            {
                str(act): MappingProxyType(
                    {str(frm): frozenset(str(t) for t in to) for frm, to in row.items()}
                )
                for act, row in table.items()
            }
        )
        self._validate()
        _register(self)

    def __repr__(self) -> str:
        return f"<StateMachine {self.name}>"

    def _validate(self) -> None:
        states, acts = set(self.states.values), set(self.acts.values)
        for act, row in self.table.items():
            if act not in acts:
                raise ValueError(f"{self.name}: {act!r} is not one of {self.acts.__name__}")
            for frm, targets in row.items():
                if not targets:
                    raise ValueError(f"{self.name}: {act} from {frm} has no target")
                bad = ({frm} | targets) - states
                if bad:
                    raise ValueError(f"{self.name}: {sorted(bad)} not in {self.states.__name__}")

    # ------------------------------------------------------------------------ reading

    def knows(self, act: str) -> bool:
        return act in self.table

    def allowed(self, act: str, state: str) -> bool:
        """Whether ``act`` may be done in ``state`` (False for an unknown act)."""
        return state in self.table.get(act, {})

    def acts_from(self, state: str) -> list[str]:
        """The acts allowed in ``state``, in the table's order."""
        return [act for act, row in self.table.items() if state in row]

    def targets(self, act: str, state: str) -> frozenset[str]:
        """The states ``act`` may lead to from ``state`` (empty when it is not allowed)."""
        return self._row(act).get(state, frozenset())

    # ------------------------------------------------------------------------ checking

    def ensure(self, act: str, state: str) -> frozenset[str]:
        """The targets of ``act`` from ``state``; ``TransitionRefused`` if it is not allowed."""
        targets = self.targets(act, state)
        if not targets:
            raise self.refusal(act, state)
        return targets

    def check(self, act: str, state: str, to: str | None = None) -> str:
        """The state after doing ``act`` in ``state``.

        With one target, that target (``to``, if given, must be it); with several, ``to``
        must be one of them. ``TransitionRefused`` when the act is not allowed from ``state``
        or ``to`` is not among its targets. Leaving ``to`` out where the act has several
        targets is a mistake of the caller (``ValueError``), not a refusal.
        """
        targets = self.ensure(act, state)
        if to is None:
            if len(targets) != 1:
                raise ValueError(f"{self.name}: {act} from {state} needs a target: {targets}")
            (only,) = targets
            return only
        if to not in targets:
            raise self.refusal(act, state, to)
        return str(to)

    def move(self, obj: Any, act: str, to: str | None = None) -> str:
        """Check ``act`` on ``obj``'s state field and set the field to the result."""
        new = self.check(act, getattr(obj, self.field), to)
        setattr(obj, self.field, new)
        return new

    def refusal(self, act: str, state: str, to: str | None = None) -> TransitionRefused:
        """The one refusal: the current state and the act, in words and in ``context``."""
        message = _("{subject}当前状态为“{state}”").format(
            subject=self.subject, state=self._label(self.states, state)
        )
        message += _("，不能执行“{act}”").format(act=self._label(self.acts, act))
        context: dict[str, Any] = {"state": str(state), "action": str(act)}
        if to is not None:
            message += _("（不能转为“{target_state}”）").format(
                target_state=self._label(self.states, to)
            )
            context["to"] = str(to)
        return TransitionRefused(message, context=context)

    def shape(self) -> tuple[str, dict[str, dict[str, frozenset[str]]]]:
        """The machine as plain data: its states' class and its table."""
        kind = f"{self.states.__module__}.{self.states.__qualname__}"
        return kind, {act: dict(row) for act, row in self.table.items()}

    def _row(self, act: str) -> Mapping[str, frozenset[str]]:
        row = self.table.get(act)
        if row is None:
            raise DomainError(_("未知的操作：{act}").format(act=act), code=Code.UNKNOWN_ACTION)
        return row

    @staticmethod
    def _label(choices: type[models.TextChoices], value: str) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value)


def _register(machine: StateMachine) -> None:
    """Join the registry; declaring the same machine again (a re-import) is harmless, two
    different machines under one name are a mistake."""
    known = REGISTRY.get(machine.name)
    if known is not None and known.shape() != machine.shape():
        raise ValueError(f"two state machines are named {machine.name!r}")
    REGISTRY[machine.name] = machine
