"""The place tree (street → community → grid → estate → building → unit → dwelling) and the
map features (points of interest, facilities) that places own."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from tongxin.core import trees
from tongxin.core.models import TimeStampedModel
from tongxin.core.scoping import Scope, ScopedQuerySet, paths_q
from tongxin.core.trees import TreePaths


class PlaceKind(models.TextChoices):
    DISTRICT = "district", "区"
    STREET = "street", "街道"
    COMMUNITY = "community", "社区"
    GRID = "grid", "网格"
    ESTATE = "estate", "小区"
    BUILDING = "building", "楼栋"
    UNIT = "unit", "单元"
    DWELLING = "dwelling", "户"


# Top to bottom. A child is always of a lower level than its parent; levels may be skipped
# (a building straight under a grid when it belongs to no estate).
KIND_ORDER = [k.value for k in PlaceKind]
AREA_KINDS = {"district", "street", "community", "grid", "estate"}
POINT_KINDS = {"building"}


class PlaceQuerySet(ScopedQuerySet, MP_NodeQuerySet):
    def narrow(self, user: Any, scope: Scope) -> PlaceQuerySet:
        if not scope.place_paths:
            return self.none()
        return self.filter(Place.scope_q(scope))

    def under(self, place: Place, *, include_self: bool = True) -> PlaceQuerySet:
        qs = self.filter(path__prefix=place.path)
        return qs if include_self else qs.exclude(pk=place.pk)


class PlaceManager(MP_NodeManager):
    def get_queryset(self) -> PlaceQuerySet:
        return PlaceQuerySet(self.model, using=self._db).order_by("path")

    def visible_to(self, user: Any) -> PlaceQuerySet:
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

    kind = models.CharField("类型", max_length=16, choices=PlaceKind.choices, db_index=True)
    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    geometry = models.JSONField("几何(GeoJSON)", null=True, blank=True)
    centroid_lat = models.FloatField("中心纬度", null=True, blank=True)
    centroid_lng = models.FloatField("中心经度", null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    min_lng = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    max_lng = models.FloatField(null=True, blank=True)
    attributes = models.JSONField("属性", default=dict, blank=True)

    objects = PlaceManager()

    class Meta:
        verbose_name = "地点"
        verbose_name_plural = "地点"
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
        return PlaceKind(self.kind).label

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

    name = models.CharField("名称", max_length=100)
    place = models.ForeignKey(Place, verbose_name="所属地点", on_delete=models.PROTECT)
    place_path = models.CharField(max_length=255, editable=False, db_index=True)
    lat = models.FloatField("纬度")
    lng = models.FloatField("经度")
    address = models.CharField("地址", max_length=200, blank=True)
    attributes = models.JSONField("属性", default=dict, blank=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.place_path = self.place.path
        super().save(*args, **kwargs)


class PoiKind(models.TextChoices):
    PARTY_CENTRE = "party_centre", "党群服务中心"
    RED_STATION = "red_station", "红色驿站"
    CLINIC = "clinic", "卫生服务站"
    HOSPITAL = "hospital", "医院"
    PHARMACY = "pharmacy", "药店"
    SCHOOL = "school", "学校"
    KINDERGARTEN = "kindergarten", "幼儿园"
    SHOP = "shop", "超市便利店"
    MARKET = "market", "菜市场"
    BARBER = "barber", "理发店"
    LAUNDRY = "laundry", "洗衣店"
    CANTEEN = "canteen", "老年食堂"
    ELDERCARE = "eldercare", "养老服务站"
    POLICE = "police", "警务室"
    PARK = "park", "公园广场"
    OTHER = "other", "其他"


class PointOfInterest(MapFeature):
    """A service residents go to: a clinic, a school, a shop, a 红色驿站…"""

    kind = models.CharField("类型", max_length=32, choices=PoiKind.choices, db_index=True)
    phone = models.CharField("对外电话", max_length=32, blank=True)
    opening_hours = models.CharField("营业时间", max_length=100, blank=True)

    class Meta:
        verbose_name = "服务设施点"
        verbose_name_plural = "服务设施点"

    def __str__(self) -> str:
        return self.name


class FacilityKind(models.TextChoices):
    HYDRANT = "hydrant", "消防栓"
    SEPTIC_TANK = "septic_tank", "化粪池"
    MANHOLE = "manhole", "窨井"
    SUBSTATION = "substation", "变电箱"
    AED = "aed", "AED除颤仪"
    CAMERA = "camera", "监控探头"
    EV_CHARGER = "ev_charger", "电动车充电桩"
    WASTE_POINT = "waste_point", "垃圾投放点"
    STREET_LIGHT = "street_light", "路灯"
    EXTINGUISHER = "extinguisher", "灭火器箱"


class Facility(MapFeature):
    """Infrastructure to maintain and inspect: hydrants, septic tanks, manholes, substations…"""

    kind = models.CharField("类型", max_length=32, choices=FacilityKind.choices, db_index=True)
    status = models.CharField("状态", max_length=32, blank=True, default="正常")

    class Meta:
        verbose_name = "公共设施"
        verbose_name_plural = "公共设施"

    def __str__(self) -> str:
        return self.name
