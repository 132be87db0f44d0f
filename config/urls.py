from django.contrib import admin
from django.urls import include, path

from tongxin.core.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("tongxin.accounts.urls")),
    path("places/", include("tongxin.places.urls")),
    path("orgs/", include("tongxin.orgs.urls")),
    path("", include("tongxin.people.urls")),
    path("", include("tongxin.core.urls")),
    path("", include("tongxin.web.urls")),
]
