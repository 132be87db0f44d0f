"""The demo's map features: points of interest and facilities, placed in random estates."""

from __future__ import annotations

from tongxin.places.models import Facility, FacilityKind, Place, PoiKind, PointOfInterest

from .common import BATCH, STEP, GeneratorBase

# Points of interest of each community: (kind, how many, name).
POI_PLAN = (
    (PoiKind.PARTY_CENTRE, 1, "党群服务中心"),
    (PoiKind.RED_STATION, 8, "红色驿站"),
    (PoiKind.CLINIC, 1, "社区卫生服务站"),
    (PoiKind.HOSPITAL, 1, "市妇幼保健院"),
    (PoiKind.KINDERGARTEN, 1, "蓓蕾幼儿园"),
    (PoiKind.SCHOOL, 1, "实验小学"),
    (PoiKind.SHOP, 14, "便利店"),
    (PoiKind.MARKET, 1, "彭家湾菜市场"),
    (PoiKind.BARBER, 5, "理发店"),
    (PoiKind.LAUNDRY, 3, "洗衣店"),
    (PoiKind.CANTEEN, 1, "老年食堂"),
    (PoiKind.PHARMACY, 3, "大药房"),
    (PoiKind.ELDERCARE, 1, "居家养老服务站"),
    (PoiKind.POLICE, 1, "警务室"),
    (PoiKind.PARK, 1, "文化广场"),
)

# Facilities of each community: (kind, how many; a quarter as many in the district).
FACILITY_PLAN = (
    (FacilityKind.HYDRANT, 5),
    (FacilityKind.SEPTIC_TANK, 119),
    (FacilityKind.MANHOLE, 52),
    (FacilityKind.SUBSTATION, 6),
    (FacilityKind.AED, 2),
    (FacilityKind.CAMERA, 30),
    (FacilityKind.EV_CHARGER, 10),
    (FacilityKind.WASTE_POINT, 40),
)

SHOP_NAMES = ("好邻居", "惠民", "家家乐", "便民", "心连心", "阳光", "福万家")


class FeaturesMixin(GeneratorBase):
    def build_features(self) -> None:
        rng, b = self.rng, self.built
        pois: list[PointOfInterest] = []
        facilities: list[Facility] = []
        estates_by_comm: dict[str, list[Place]] = {}
        for e in b.estates:
            estates_by_comm.setdefault(e.path[: -2 * STEP], []).append(e)
        buildings_by_comm: dict[str, list[Place]] = {}
        for bl in b.buildings:
            buildings_by_comm.setdefault(bl.path[: -3 * STEP], []).append(bl)

        def spot(e: Place) -> tuple[float, float]:
            assert e.min_lat is not None and e.max_lat is not None
            assert e.min_lng is not None and e.max_lng is not None
            return (rng.uniform(e.min_lat, e.max_lat), rng.uniform(e.min_lng, e.max_lng))

        fac_labels = dict(FacilityKind.choices)
        for comm in b.communities:
            estates = estates_by_comm.get(comm.path, [])
            if not estates:
                continue
            for kind, count, label in POI_PLAN:
                for k in range(count):
                    e = rng.choice(estates)
                    lat, lng = spot(e)
                    nm = (
                        label
                        if count == 1
                        else (
                            f"{e.name}{label}"
                            if kind == PoiKind.RED_STATION
                            else f"{rng.choice(SHOP_NAMES)}{label}{k + 1}号店"
                        )
                    )
                    pois.append(
                        PointOfInterest(
                            name=nm,
                            kind=kind,
                            place=e,
                            place_path=e.path,
                            lat=lat,
                            lng=lng,
                            address=e.address,
                            phone=f"0712-28{rng.randint(10000, 99999)}",
                            opening_hours="08:00-20:00" if kind != PoiKind.HOSPITAL else "全天",
                        )
                    )
            scale_down = 1 if self.scale != "district" else 4
            for fkind, count in FACILITY_PLAN:
                for k in range(max(1, count // scale_down)):
                    e = rng.choice(estates)
                    lat, lng = spot(e)
                    facilities.append(
                        Facility(
                            name=f"{fac_labels[fkind]}{k + 1:03d}",
                            kind=fkind,
                            place=e,
                            place_path=e.path,
                            lat=lat,
                            lng=lng,
                            address=e.address,
                        )
                    )
        PointOfInterest.objects.bulk_create(pois, batch_size=BATCH)
        Facility.objects.bulk_create(facilities, batch_size=BATCH)
        self.built.counts.update(pois=len(pois), facilities=len(facilities))
