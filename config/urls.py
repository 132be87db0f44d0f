from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # The language switch (POST, name "set_language") and the JavaScript catalogue for the
    # front-end's gettext(); both open to everyone, the login page included.
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("open311/", include("tongxin.open311.urls")),
    path("", include("tongxin.accounts.urls")),
    path("places/", include("tongxin.workbench.place_urls")),
    path("orgs/", include("tongxin.orgs.urls")),
    path("volunteer/", include("tongxin.volunteering.urls")),
    path("matching/", include("tongxin.matching.urls")),
    path("meetings/", include("tongxin.meetings.urls")),
    path("visits/", include("tongxin.visits.urls")),
    path("alarms/", include("tongxin.alarms.urls")),
    path("alliance/", include("tongxin.alliance.urls")),
    path("property/", include("tongxin.property.urls")),
    path("insight/", include("tongxin.insight.urls")),
    path("datacentre/", include("tongxin.datacentre.urls")),
    path("deliberation/", include("tongxin.deliberation.urls")),
    path("party/", include("tongxin.partylife.urls")),
    path("cases/", include("tongxin.cases.urls")),
    path("inbox/", include("tongxin.inbox.urls")),
    path("map/", include("tongxin.emap.urls")),
    path("", include("tongxin.notices.urls")),
    path("", include("tongxin.people.urls")),
    path("", include("tongxin.core.urls")),
    path("", include("tongxin.workbench.urls")),
]
handler500 = "tongxin.core.outage.server_error"
