"""The API, assembled: every app's router under ``/api/v1/``, bearer tokens or a session,
and the one error envelope (``core.api_support.install_error_handlers``). Apps never import
this module; it imports them."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.security import SessionAuth

from tongxin.accounts.api import BearerAuth
from tongxin.accounts.api import router as auth_router
from tongxin.alarms.api import router as alarms_router
from tongxin.alliance.api import router as alliance_router
from tongxin.cases.api import router as cases_router
from tongxin.core.api_support import Utf8JSONRenderer, install_error_handlers
from tongxin.core.input_guard import JSONBodyParser
from tongxin.datacentre.api import router as datacentre_router
from tongxin.deliberation.api import router as deliberation_router
from tongxin.emap.api import router as emap_router
from tongxin.inbox.api import router as inbox_router
from tongxin.insight.api import router as insight_router
from tongxin.matching.api import router as matching_router
from tongxin.meetings.api import router as meetings_router
from tongxin.notices.api import router as notices_router
from tongxin.orgs.api import router as orgs_router
from tongxin.partylife.api import router as partylife_router
from tongxin.partylife.api_nominations import router as nominations_router
from tongxin.people.api import router as people_router
from tongxin.places.api import router as places_router
from tongxin.property.api import router as property_router
from tongxin.visits.api import router as visits_router
from tongxin.volunteering.api import router as volunteering_router

API_DESCRIPTION = """同心 Tongxin: places, people, households, organisations and posts.

Authenticate with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`, or use
a logged-in browser session. Every answer is limited to what the caller may see; anything out
of scope answers 404 `NOT_FOUND`, exactly like something that does not exist. Errors have the
body `{"code", "message", "fields": [{"field", "reason"}], "context"}`. ID and phone numbers
are always masked. See docs/api.md.
"""

api = NinjaAPI(
    title="同心 Tongxin API",
    version="1",
    description=API_DESCRIPTION,
    renderer=Utf8JSONRenderer(),
    parser=JSONBodyParser(),
    urls_namespace="api",
    auth=[BearerAuth(), SessionAuth()],
    docs_url="/docs",
)
install_error_handlers(api)

for router in (
    auth_router,
    places_router,
    people_router,
    orgs_router,
    cases_router,
    inbox_router,
    emap_router,
    volunteering_router,
    notices_router,
    matching_router,
    meetings_router,
    alliance_router,
    property_router,
    insight_router,
    visits_router,
    alarms_router,
    deliberation_router,
    partylife_router,
    nominations_router,
    datacentre_router,
):
    api.add_router("/", router)
