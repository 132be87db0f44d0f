"""The demo's place tree: district, streets, communities, grids, estates, buildings, units
and dwellings, with their tree paths computed here (as treebeard would) and their geometry."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from tongxin.places.models import Place

from . import names
from .bulk import insert_rows
from .common import STEP, Area, GeneratorBase, point, rect, seg, split

# Which list of ``Built`` a place of each kind goes to.
BUILT_LIST = {
    "grid": "grids",
    "estate": "estates",
    "building": "buildings",
    "unit": "units",
    "dwelling": "dwellings",
}


class PlacesMixin(GeneratorBase):
    def _place(
        self,
        *,
        path: str,
        kind: str,
        code: str,
        name: str,
        geometry: dict[str, Any] | None,
        numchild: int = 0,
        **extra: Any,
    ) -> Place:
        p = Place(
            path=path,
            depth=len(path) // STEP,
            numchild=numchild,
            kind=kind,
            code=code,
            name=name,
            geometry=geometry,
            **extra,
        )
        if geometry is not None:
            if geometry["type"] == "Point":
                lng, lat = geometry["coordinates"]
                p.centroid_lat = p.min_lat = p.max_lat = lat
                p.centroid_lng = p.min_lng = p.max_lng = lng
            else:
                ring = geometry["coordinates"][0]
                lngs = [c[0] for c in ring]
                lats = [c[1] for c in ring]
                p.min_lat, p.max_lat, p.min_lng, p.max_lng = (
                    min(lats),
                    max(lats),
                    min(lngs),
                    max(lngs),
                )
                p.centroid_lat = (p.min_lat + p.max_lat) / 2
                p.centroid_lng = (p.min_lng + p.max_lng) / 2
        return p

    def build_places(self) -> None:
        spec, b = self.spec, self.built
        lat_base, lng_base = 30.9180, 113.9080
        comm_h, comm_w = 0.0045, 0.0063  # ~500 m × 600 m, 0.3 km²
        roots: list[Place] = []
        district = None
        if self.scale == "district":
            district = self._place(
                path=seg(1), kind="district", code="D01", name="孝南区", geometry=None
            )
            roots.append(district)
        total_comms = spec.streets * spec.communities_per_street
        comm_cols = max(1, math.ceil(math.sqrt(total_comms)))
        grids_left = spec.total_grids
        comm_index = 0
        street_objs: list[Place] = []
        comm_objs: list[tuple[Area, int]] = []
        for s in range(spec.streets):
            spath = (district.path + seg(s + 1)) if district else seg(s + 1)
            street = self._place(
                path=spath,
                kind="street",
                code=f"S{s + 1:02d}",
                name=names.STREET_NAMES[s % len(names.STREET_NAMES)],
                geometry=None,
            )
            street_objs.append(street)
            sarea = Area(street)
            for c in range(spec.communities_per_street):
                if grids_left is not None and grids_left <= 0:
                    break
                row, col = divmod(comm_index, comm_cols)
                lat0 = lat_base + row * comm_h * 1.02
                lng0 = lng_base + col * comm_w * 1.02
                stem = names.COMMUNITY_STEMS[comm_index % len(names.COMMUNITY_STEMS)]
                if comm_index >= len(names.COMMUNITY_STEMS):
                    stem += str(comm_index // len(names.COMMUNITY_STEMS) + 1)
                community = self._place(
                    path=sarea.child_path(),
                    kind="community",
                    code=f"S{s + 1:02d}C{c + 1:02d}",
                    name=f"{stem}社区",
                    geometry=rect(lat0, lng0, comm_h, comm_w),
                    address="孝感市孝南区" + street.name,
                )
                n_grids = spec.grids_per_community
                if grids_left is not None:
                    n_grids = min(n_grids, grids_left)
                    grids_left -= n_grids
                comm_objs.append((Area(community, lat0, lng0, comm_h, comm_w), n_grids))
                comm_index += 1
            street.numchild = sarea.children
        if district:
            district.numchild = len(street_objs)
        self._street_hulls(street_objs, [area for area, _ in comm_objs])
        Place.objects.bulk_create([*roots, *street_objs])
        b.streets = street_objs
        for area, n_grids in comm_objs:
            area.place.numchild = n_grids
        Place.objects.bulk_create([a.place for a, _ in comm_objs])
        b.communities = [a.place for a, _ in comm_objs]
        for i, (area, n_grids) in enumerate(comm_objs):
            self._build_community(area, n_grids, first=(i == 0))
            if i % 10 == 9:
                self.progress(f"  地点：{i + 1}/{len(comm_objs)} 个社区")

    @staticmethod
    def _street_hulls(streets: list[Place], communities: list[Area]) -> None:
        """Streets' polygons: the hull of their communities' rectangles."""
        by_street: dict[str, list[Area]] = {}
        for area in communities:
            by_street.setdefault(area.place.path[:-STEP], []).append(area)
        for street in streets:
            areas = by_street.get(street.path, [])
            if areas:
                lat0 = min(a.lat0 for a in areas) - 0.0002
                lng0 = min(a.lng0 for a in areas) - 0.0002
                lat1 = max(a.lat0 + a.h for a in areas) + 0.0002
                lng1 = max(a.lng0 + a.w for a in areas) + 0.0002
                g = rect(lat0, lng0, lat1 - lat0, lng1 - lng0)
                street.geometry = g
                street.min_lat, street.min_lng, street.max_lat, street.max_lng = (
                    lat0,
                    lng0,
                    lat1,
                    lng1,
                )
                street.centroid_lat, street.centroid_lng = (lat0 + lat1) / 2, (lng0 + lng1) / 2

    def _community_counts(
        self, n_grids: int, *, first: bool
    ) -> tuple[list[int], list[int], list[int]]:
        """Estates per grid, buildings per estate and units per building of a community."""
        rng, spec = self.rng, self.spec
        if first and self.scale != "district":
            estate_counts = [10, 10, 9, 10, 9, 9][:n_grids]
        else:
            estate_counts = [rng.randint(*spec.estates_per_grid) for _ in range(n_grids)]
        n_estates = sum(estate_counts)
        if first and self.scale != "district":
            building_counts = split(rng, 140, n_estates, 1, 5)
            unit_counts = split(rng, 274, 140, 1, 3)
        else:
            building_counts = [rng.randint(*spec.buildings_per_estate) for _ in range(n_estates)]
            unit_counts = [
                rng.randint(*spec.units_per_building) for _ in range(sum(building_counts))
            ]
        return estate_counts, building_counts, unit_counts

    def _build_community(self, comm: Area, n_grids: int, *, first: bool) -> None:
        rng, b = self.rng, self.built
        cols = 3 if n_grids > 2 else n_grids
        rows = math.ceil(n_grids / cols)
        gh = comm.h / rows
        estate_counts, building_counts, unit_counts = self._community_counts(n_grids, first=first)
        units_of_buildings = iter(unit_counts)
        estate_no = 0
        places: list[Place] = []
        for g in range(n_grids):
            r, c = divmod(g, cols)
            # The last row may hold fewer grids: stretch them to tile the community.
            in_row = min(cols, n_grids - r * cols)
            w = comm.w / in_row
            lat0, lng0 = comm.lat0 + r * gh, comm.lng0 + c * w
            grid = self._place(
                path=comm.child_path(),
                kind="grid",
                code=f"{comm.place.code}G{g + 1}",
                name=f"第{g + 1}网格",
                geometry=rect(lat0, lng0, gh, w),
            )
            ga = Area(grid, lat0, lng0, gh, w)
            places.append(grid)
            ne = estate_counts[g]
            ecols = 3 if ne > 4 else 2
            erows = math.ceil(ne / ecols)
            eh, ew = gh / erows, w / ecols
            for e in range(ne):
                er, ec = divmod(e, ecols)
                elat, elng = lat0 + er * eh + eh * 0.06, lng0 + ec * ew + ew * 0.06
                stem = names.ESTATE_STEMS[(estate_no + len(b.estates)) % len(names.ESTATE_STEMS)]
                suffix = names.ESTATE_SUFFIXES[(estate_no * 7 + g) % len(names.ESTATE_SUFFIXES)]
                estate = self._place(
                    path=ga.child_path(),
                    kind="estate",
                    code=f"{grid.code}E{e + 1:02d}",
                    name=f"{stem}{suffix}",
                    geometry=rect(elat, elng, eh * 0.88, ew * 0.88),
                    address=f"{rng.choice(names.ROAD_NAMES)}{rng.randint(1, 300)}号",
                    attributes={
                        "type": rng.choice(["三无小区", "单位自建", "物业小区", "三无小区"])
                    },
                )
                ea = Area(estate, elat, elng, eh * 0.88, ew * 0.88)
                places.append(estate)
                nb = building_counts[estate_no]
                estate_no += 1
                self._build_buildings(ea, nb, units_of_buildings, places)
                estate.numchild = ea.children
            grid.numchild = ga.children
        insert_rows(places)
        for p in places:
            getattr(self.built, BUILT_LIST[p.kind]).append(p)

    def _build_buildings(
        self, ea: Area, nb: int, units_of_buildings: Iterator[int], places: list[Place]
    ) -> None:
        """An estate's ``nb`` buildings, their units and dwellings, appended to ``places``."""
        rng, spec = self.rng, self.spec
        estate = ea.place
        bcols = max(1, math.ceil(math.sqrt(nb)))
        for k in range(nb):
            br, bc = divmod(k, bcols)
            brows = math.ceil(nb / bcols)
            blat = ea.lat0 + ea.h * (br + 0.5) / brows
            blng = ea.lng0 + ea.w * (bc + 0.5) / bcols
            floors = rng.randint(*spec.floors)
            building = self._place(
                path=ea.child_path(),
                kind="building",
                code=f"{estate.code}B{k + 1:02d}",
                name=f"{k + 1}栋",
                geometry=point(blat, blng),
                attributes={"floors": floors, "built": rng.randint(1982, 2012)},
            )
            bac = Area(building)
            places.append(building)
            nu = next(units_of_buildings)
            for u in range(nu):
                unit = self._place(
                    path=bac.child_path(),
                    kind="unit",
                    code=f"{building.code}U{u + 1}",
                    name=f"{u + 1}单元",
                    geometry=None,
                )
                ua = Area(unit)
                places.append(unit)
                for fl in range(1, floors + 1):
                    for door in (1, 2):
                        room = f"{fl}{door:02d}"
                        dwelling = self._place(
                            path=ua.child_path(),
                            kind="dwelling",
                            code=f"{unit.code}-{room}",
                            name=f"{room}室",
                            geometry=None,
                        )
                        places.append(dwelling)
                unit.numchild = ua.children
            building.numchild = bac.children
