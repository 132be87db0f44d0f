from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "tongxin.places"
    label = "places"
    verbose_name = "地点"
