from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PlacesConfig(AppConfig):
    name = "tongxin.places"
    label = "places"
    verbose_name = gettext_lazy("地点")
