"""The place tree (street → community → grid → estate → building → unit → dwelling) and the
map features (points of interest, facilities) that places own."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from tongxin.core import trees
from tongxin.core.actors import Actor
from tongxin.core.models import TimeStampedModel
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.core.trees import TreePaths

DEFAULT_STATUS = "正常"  # i18n-data: a facility's stored status


class PlaceKind(models.TextChoices):
    DISTRICT = "district", gettext_lazy("区")
    STREET = "street", gettext_lazy("街道")
    COMMUNITY = "community", gettext_lazy("社区")
    GRID = "grid", gettext_lazy("网格")
    ESTATE = "estate", gettext_lazy("小区")
    BUILDING = "building", gettext_lazy("楼栋")
    UNIT = "unit", gettext_lazy("单元")
    DWELLING = "dwelling", gettext_lazy("户")


# Top to bottom. A child is always of a lower level than its parent; levels may be skipped
# (a building straight under a grid when it belongs to no estate).
KIND_ORDER = [k.value for k in PlaceKind]
AREA_KINDS = {"district", "street", "community", "grid", "estate"}
POINT_KINDS = {"building"}


class PlaceQuerySet(ScopedQuerySet, MP_NodeQuerySet):
    def narrow(self, user: Actor | None, scope: Scope) -> PlaceQuerySet:
        if not scope.place_paths:
            return self.none()
        return self.filter(Place.scope_q(scope))

    def under(self, place: Place, *, include_self: bool = True) -> PlaceQuerySet:
        qs = self.filter(path__prefix=place.path)
        return qs if include_self else qs.exclude(pk=place.pk)


class PlaceManager(MP_NodeManager):
    def get_queryset(self) -> PlaceQuerySet:
        return PlaceQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user: Actor | None) -> PlaceQuerySet:
        return self.get_queryset().visible_to(user)

    def under(self, place: Place, *, include_self: bool = True) -> PlaceQuerySet:
        return self.get_queryset().under(place, include_self=include_self)


class Place(TreePaths, MP_Node, TimeStampedModel):
    """A node of the one place tree. Areas carry polygons, buildings carry points.

    ``path`` is treebeard's materialised path: "everything under this place" is one indexed
    prefix query (``path__prefix``). Centroid and bounding box are derived from the geometry
    whenever it is set, so that maps and lists never parse GeoJSON.
    """

    steplen = 4

    kind = models.CharField(
        gettext_lazy("类型"), max_length=16, choices=PlaceKind.choices, db_index=True
    )
    code = models.CharField(gettext_lazy("编码"), max_length=40, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    address = models.CharField(gettext_lazy("地址"), max_length=200, blank=True)
    geometry = models.JSONField(gettext_lazy("几何(GeoJSON)"), null=True, blank=True)
    centroid_lat = models.FloatField(gettext_lazy("中心纬度"), null=True, blank=True)
    centroid_lng = models.FloatField(gettext_lazy("中心经度"), null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    min_lng = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    max_lng = models.FloatField(null=True, blank=True)
    attributes = models.JSONField(gettext_lazy("属性"), default=dict, blank=True)

    objects = PlaceManager()

    class Meta:
        verbose_name = gettext_lazy("地点")
        verbose_name_plural = gettext_lazy("地点")
        indexes = [
            # PostgreSQL answers LIKE 'prefix%' from an index only with pattern ops; SQLite
            # ignores the operator class and uses the unique index on path for ranges.
            models.Index(
                fields=["path"], name="place_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["kind", "path"], name="place_kind_path"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Subtrees in scope, plus their ancestors (shown by name for breadcrumbs)."""
        ancestors = trees.ancestors_of_all(scope.place_paths, cls.steplen)
        return paths_q("path", scope.place_paths) | Q(path__in=ancestors)

    @property
    def kind_label(self) -> str:
        return str(PlaceKind(self.kind).label)

    def at_or_above(self, kind: str) -> Place | None:
        """This place if it is of ``kind``, else its ancestor of that kind (one query)."""
        if self.kind == kind:
            return self
        return Place.objects.filter(path__in=self.ancestor_paths(), kind=kind).first()

    def ancestors_list(self) -> list[Place]:
        """Ancestors from the root down, in one query."""
        return list(Place.objects.filter(path__in=self.ancestor_paths()).order_by("depth"))

    def full_name(self) -> str:
        names = [p.name for p in self.ancestors_list() if p.kind not in ("district", "street")]
        return "".join([*names, self.name])


class MapFeature(TimeStampedModel):
    """Something with a position on the map, owned by a place."""

    name = models.CharField(gettext_lazy("名称"), max_length=100)
    place = models.ForeignKey(
        Place, verbose_name=gettext_lazy("所属地点"), on_delete=models.PROTECT
    )
    place_path = models.CharField(max_length=255, editable=False, db_index=True)
    lat = models.FloatField(gettext_lazy("纬度"))
    lng = models.FloatField(gettext_lazy("经度"))
    address = models.CharField(gettext_lazy("地址"), max_length=200, blank=True)
    attributes = models.JSONField(gettext_lazy("属性"), default=dict, blank=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.place_path = self.place.path
        super().save(*args, **kwargs)


class PoiKind(models.TextChoices):
    PARTY_CENTRE = "party_centre", gettext_lazy("党群服务中心")
    RED_STATION = "red_station", gettext_lazy("红色驿站")
    CLINIC = "clinic", gettext_lazy("卫生服务站")
    HOSPITAL = "hospital", gettext_lazy("医院")
    PHARMACY = "pharmacy", gettext_lazy("药店")
    SCHOOL = "school", gettext_lazy("学校")
    KINDERGARTEN = "kindergarten", gettext_lazy("幼儿园")
    SHOP = "shop", gettext_lazy("超市便利店")
    MARKET = "market", gettext_lazy("菜市场")
    BARBER = "barber", gettext_lazy("理发店")
    LAUNDRY = "laundry", gettext_lazy("洗衣店")
    CANTEEN = "canteen", gettext_lazy("老年食堂")
    ELDERCARE = "eldercare", gettext_lazy("养老服务站")
    POLICE = "police", gettext_lazy("警务室")
    PARK = "park", gettext_lazy("公园广场")
    OTHER = "other", gettext_lazy("其他")


class PointOfInterest(MapFeature):
    """A service residents go to: a clinic, a school, a shop, a 红色驿站…"""

    kind = models.CharField(
        gettext_lazy("类型"), max_length=32, choices=PoiKind.choices, db_index=True
    )
    phone = models.CharField(gettext_lazy("对外电话"), max_length=32, blank=True)
    opening_hours = models.CharField(gettext_lazy("营业时间"), max_length=100, blank=True)

    class Meta:
        verbose_name = gettext_lazy("服务设施点")
        verbose_name_plural = gettext_lazy("服务设施点")

    def __str__(self) -> str:
        return self.name


class FacilityKind(models.TextChoices):
    HYDRANT = "hydrant", gettext_lazy("消防栓")
    SEPTIC_TANK = "septic_tank", gettext_lazy("化粪池")
    MANHOLE = "manhole", gettext_lazy("窨井")
    SUBSTATION = "substation", gettext_lazy("变电箱")
    AED = "aed", gettext_lazy("AED除颤仪")
    CAMERA = "camera", gettext_lazy("监控探头")
    EV_CHARGER = "ev_charger", gettext_lazy("电动车充电桩")
    WASTE_POINT = "waste_point", gettext_lazy("垃圾投放点")
    STREET_LIGHT = "street_light", gettext_lazy("路灯")
    EXTINGUISHER = "extinguisher", gettext_lazy("灭火器箱")


class Facility(MapFeature):
    """Infrastructure to maintain and inspect: hydrants, septic tanks, manholes, substations…"""

    kind = models.CharField(
        gettext_lazy("类型"), max_length=32, choices=FacilityKind.choices, db_index=True
    )
    status = models.CharField(
        gettext_lazy("状态"), max_length=32, blank=True, default=DEFAULT_STATUS
    )

    class Meta:
        verbose_name = gettext_lazy("公共设施")
        verbose_name_plural = gettext_lazy("公共设施")

    def __str__(self) -> str:
        return self.name
