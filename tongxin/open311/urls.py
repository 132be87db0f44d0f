from django.urls import path, register_converter

from . import views


class FormatConverter:
    """The format suffix of GeoReport URLs: ``json`` or ``xml``."""

    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311fmt")

app_name = "open311"

urlpatterns = [
    path("v2/discovery.<open311fmt:fmt>", views.discovery, name="discovery"),
    path("v2/services.<open311fmt:fmt>", views.service_list, name="services"),
    path("v2/services/<str:code>.<open311fmt:fmt>", views.service_definition, name="service"),
    path("v2/requests.<open311fmt:fmt>", views.requests_view, name="requests"),
    path("v2/requests/<str:request_id>.<open311fmt:fmt>", views.request_detail, name="request"),
    path("v2/tokens/<str:token>.<open311fmt:fmt>", views.token_detail, name="token"),
]
