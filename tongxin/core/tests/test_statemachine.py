"""The one state-machine mechanism (``core.statemachine``): refusals, picks among several
targets, and every machine of the project declared through it."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import models

from tongxin.core.errors import DomainError, TransitionRefused
from tongxin.core.statemachine import REGISTRY, StateMachine

ROOT = Path(__file__).resolve().parents[3]


class Door(models.TextChoices):
    OPEN = "open", "开着"
    SHUT = "shut", "关着"
    LOCKED = "locked", "锁着"


class DoorAct(models.TextChoices):
    CLOSE = "close", "关门"
    OPEN = "open", "开门"
    KNOCK = "knock", "敲门"


@pytest.fixture
def door():
    machine = StateMachine(
        "tests.door",
        states=Door,
        acts=DoorAct,
        subject="门",
        table={
            DoorAct.CLOSE: {Door.OPEN: frozenset({Door.SHUT, Door.LOCKED})},
            DoorAct.OPEN: {Door.SHUT: frozenset({Door.OPEN})},
            DoorAct.KNOCK: {
                Door.SHUT: frozenset({Door.SHUT}),
                Door.LOCKED: frozenset({Door.LOCKED}),
            },
        },
    )
    yield machine
    REGISTRY.pop("tests.door", None)


def test_an_unknown_transition_is_refused_with_the_one_code(door):
    assert not door.allowed(DoorAct.OPEN, Door.OPEN)
    assert door.targets(DoorAct.OPEN, Door.OPEN) == frozenset()
    with pytest.raises(TransitionRefused) as caught:
        door.check(DoorAct.OPEN, Door.LOCKED)
    error = caught.value
    assert error.code == "TRANSITION_NOT_ALLOWED" and error.status == 409
    assert error.message == "门当前状态为“锁着”，不能执行“开门”"
    assert error.context == {"state": "locked", "action": "open"}
    assert error.fields == []


def test_a_target_outside_the_allowed_set_is_refused(door):
    with pytest.raises(TransitionRefused) as caught:
        door.check(DoorAct.CLOSE, Door.OPEN, Door.OPEN)
    assert caught.value.code == "TRANSITION_NOT_ALLOWED"
    assert caught.value.context == {"state": "open", "action": "close", "to": "open"}
    assert "开着" in caught.value.message and "关门" in caught.value.message
    with pytest.raises(TransitionRefused):
        door.check(DoorAct.OPEN, Door.SHUT, Door.LOCKED)  # a single target must be that one


def test_each_allowed_target_is_accepted(door):
    for to in (Door.SHUT, Door.LOCKED):
        assert door.allowed(DoorAct.CLOSE, Door.OPEN)
        assert door.check(DoorAct.CLOSE, Door.OPEN, to) == to
    assert door.check(DoorAct.OPEN, Door.SHUT) == Door.OPEN  # the only target
    assert door.check(DoorAct.OPEN, Door.SHUT, Door.OPEN) == Door.OPEN
    assert door.check(DoorAct.KNOCK, Door.LOCKED) == Door.LOCKED  # the state stays
    assert door.acts_from(Door.SHUT) == ["open", "knock"]


def test_several_targets_need_a_pick(door):
    with pytest.raises(ValueError):
        door.check(DoorAct.CLOSE, Door.OPEN)


def test_move_sets_the_status_field(door):
    obj = SimpleNamespace(status=Door.OPEN)
    assert door.move(obj, DoorAct.CLOSE, Door.LOCKED) == Door.LOCKED
    assert obj.status == Door.LOCKED
    with pytest.raises(TransitionRefused):
        door.move(obj, DoorAct.CLOSE, Door.SHUT)
    assert obj.status == Door.LOCKED


def test_an_unknown_act_is_unknown_action(door):
    assert not door.allowed("fly", Door.OPEN)
    with pytest.raises(DomainError) as caught:
        door.check("fly", Door.OPEN)
    assert caught.value.code == "UNKNOWN_ACTION"
    assert not isinstance(caught.value, TransitionRefused)


def test_a_table_outside_its_enums_is_a_mistake():
    with pytest.raises(ValueError):
        StateMachine(
            "tests.bad_state",
            states=Door,
            acts=DoorAct,
            subject="门",
            table={DoorAct.OPEN: {Door.SHUT: frozenset({"ajar"})}},
        )
    with pytest.raises(ValueError):
        StateMachine(
            "tests.bad_act",
            states=Door,
            acts=DoorAct,
            subject="门",
            table={"slam": {Door.OPEN: frozenset({Door.SHUT})}},
        )
    with pytest.raises(ValueError):
        StateMachine(
            "tests.no_target",
            states=Door,
            acts=DoorAct,
            subject="门",
            table={DoorAct.OPEN: {Door.SHUT: frozenset()}},
        )
    assert not {"tests.bad_state", "tests.bad_act", "tests.no_target"} & set(REGISTRY)


def test_two_machines_may_not_share_a_name(door):
    with pytest.raises(ValueError):
        StateMachine(
            "tests.door",
            states=Door,
            acts=DoorAct,
            subject="门",
            table={DoorAct.OPEN: {Door.SHUT: frozenset({Door.OPEN})}},
        )


# ------------------------------------------------------------------------ the project's


PROJECT_MACHINES = {
    "cases": ("tongxin.cases.workflow", "MACHINE"),
    "volunteering.signup": ("tongxin.volunteering.workflow", "SIGNUP_MACHINE"),
    "volunteering.order": ("tongxin.volunteering.workflow", "ORDER_MACHINE"),
    "volunteering.review": ("tongxin.volunteering.workflow", "REVIEW_MACHINE"),
    "people.correction": ("tongxin.people.rights", "CORRECTION_MACHINE"),
    "notices.disclosure": ("tongxin.notices.workflow", "DISCLOSURE_MACHINE"),
    "notices.booking": ("tongxin.notices.workflow", "BOOKING_MACHINE"),
}


@pytest.mark.parametrize("name", sorted(PROJECT_MACHINES))
def test_every_machine_of_the_project_is_declared_in_core(name):
    import importlib

    module, attr = PROJECT_MACHINES[name]
    machine = getattr(importlib.import_module(module), attr)
    assert REGISTRY[name] is machine
    states, acts = set(machine.states.values), set(machine.acts.values)
    assert machine.table
    for act, row in machine.table.items():
        assert act in acts, (name, act)
        assert row, (name, act)
        for frm, targets in row.items():
            assert frm in states, (name, act, frm)
            assert targets and targets <= states, (name, act, frm, targets)


def test_no_transition_table_lives_outside_a_machine():
    """A module-level ``…TRANSITIONS`` table is only ever the data of a ``StateMachine`` in the
    same module, and the old per-app refusal is gone."""
    for path in sorted((ROOT / "tongxin").rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        source = path.read_text()
        assert "INVALID_TRANSITION" not in source, path
        tree = ast.parse(source, filename=str(path))
        tables = {
            t.id
            for node in tree.body
            if isinstance(node, (ast.Assign, ast.AnnAssign))
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name) and t.id.endswith("TRANSITIONS")
        }
        fed = {
            kw.value.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "StateMachine"
            for kw in node.keywords
            if kw.arg == "table" and isinstance(kw.value, ast.Name)
        }
        assert tables <= fed, (path, tables - fed)
