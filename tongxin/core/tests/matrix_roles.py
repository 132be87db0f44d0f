"""The demo roles every access test is tried as (the access matrix and the apps' own rows)."""

from __future__ import annotations

ROLES = (
    "anonymous",
    "resident",
    "building",
    "grid1",
    "grid2",
    "secretary",
    "dept",
    "sysadmin",
    "secadmin",
    "auditor",
)
SIGNED_IN_ROLES = tuple(r for r in ROLES if r != "anonymous")
SIGNED_IN = frozenset(SIGNED_IN_ROLES)
PEOPLE_ROLES = frozenset({"resident", "building", "grid1", "grid2", "secretary", "dept"})
ADMINS = frozenset({"sysadmin", "secadmin", "auditor"})
