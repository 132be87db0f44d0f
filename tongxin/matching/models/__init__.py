"""Service matching (三单: 需求清单, 资源清单; 微心愿).

- ``Need`` (点单): what a resident, a building head or a grid worker asks for on a resident's
  or household's behalf; kept at the dwelling (private), moved through ``workflow.NEED_MACHINE``,
  every act a ``NeedEvent`` (append-only).
- ``Resource`` (资源清单): what a person or a unit offers: kind, skills, hours per month.
- ``WishCampaign`` and ``Wish`` (微心愿): wishes of vulnerable residents collected per
  campaign, published as cards that show only what the campaign allows, claimed one-to-one.
- ``Project`` (项目清单): a larger need, or several, as a project of owner units with a
  budget, money in the ledger (``ProjectMoney`` beside each movement), ``Milestone`` rows
  and a close-off record.

Money (a wish's value, a need's estimated value) is integer 元, a project's and the fund's
integer fen; never floats.
"""

from .common import home_community_paths
from .needs import (
    KIND_SKILLS,
    Need,
    NeedEvent,
    NeedKind,
    NeedQuerySet,
    NeedState,
    Resource,
    ResourceKind,
    Urgency,
    VerifyMethod,
)
from .projects import (
    PUBLIC_PROJECT_STATES,
    Milestone,
    MoneyKind,
    Outcome,
    Project,
    ProjectMoney,
    ProjectNeed,
    ProjectState,
)
from .station import (
    Condition,
    Distribution,
    Donation,
    FundKind,
    FundRecord,
    GoodsCategory,
    Station,
    StationFamily,
    StockItem,
)
from .wishes import (
    PUBLIC_WISH_STATES,
    CampaignState,
    ReceiptBy,
    Wish,
    WishCampaign,
    WishDisplay,
    WishState,
    claimer_of,
)

__all__ = [
    "KIND_SKILLS",
    "PUBLIC_PROJECT_STATES",
    "PUBLIC_WISH_STATES",
    "CampaignState",
    "Condition",
    "Distribution",
    "Donation",
    "FundKind",
    "FundRecord",
    "GoodsCategory",
    "Milestone",
    "MoneyKind",
    "Need",
    "NeedEvent",
    "NeedKind",
    "NeedQuerySet",
    "NeedState",
    "Outcome",
    "Project",
    "ProjectMoney",
    "ProjectNeed",
    "ProjectState",
    "ReceiptBy",
    "Resource",
    "ResourceKind",
    "Station",
    "StationFamily",
    "StockItem",
    "Urgency",
    "VerifyMethod",
    "Wish",
    "WishCampaign",
    "WishDisplay",
    "WishState",
    "claimer_of",
    "home_community_paths",
]
