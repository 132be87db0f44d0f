"""Writes of service matching, by subdomain: needs and resources (``needs``), 微心愿
(``wishes``), the 邻里互助站 and its fund (``station``), 项目清单 (``projects``)."""

from .needs import (
    CONTACT_DAYS,
    ROUND_DAYS,
    need_act,
    need_post,
    need_reveal_phone,
    needs_sweep,
    resource_register,
)
from .projects import (
    milestone_add,
    milestone_complete,
    project_act,
    project_add_needs,
    project_create,
    project_raise,
    project_spend,
)
from .station import (
    distribution_give,
    donation_receive,
    family_register,
    fund_donate,
    fund_help,
    station_create,
)
from .wishes import (
    campaign_create,
    campaign_set_state,
    wish_claim,
    wish_collect,
    wish_fulfil,
    wish_publish,
)

__all__ = [
    "CONTACT_DAYS",
    "ROUND_DAYS",
    "campaign_create",
    "campaign_set_state",
    "distribution_give",
    "donation_receive",
    "family_register",
    "fund_donate",
    "fund_help",
    "milestone_add",
    "milestone_complete",
    "need_act",
    "need_post",
    "need_reveal_phone",
    "needs_sweep",
    "project_act",
    "project_add_needs",
    "project_create",
    "project_raise",
    "project_spend",
    "resource_register",
    "station_create",
    "wish_claim",
    "wish_collect",
    "wish_fulfil",
    "wish_publish",
]
