"""A realistic, deterministic demo area: places, people, organisations, posts and map features.

The default scale has the shape of 文化路社区 (孝感市孝南区广场街道): six grids tiling a 0.3 km²
community, 57 estates, 140 buildings, ~3,430 households and ~12,250 residents, a party
committee with six grid branches, 57 party groups and ~400 centre households. ``street`` adds
nine more communities; ``district`` generates 800 grids and about a million residents for the
benchmarks. The same seed always gives the same data.

Rows are written in bulk (tree paths computed here, as treebeard would); the big tables go
through ``insert_rows``, which skips the ORM's per-field work, so the district scale takes
minutes, not hours.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import math
import operator
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from tongxin.accounts.models import AdminDuty, User
from tongxin.core import clock, vault
from tongxin.core.validators import id_check_char
from tongxin.orgs.models import Absence, DepartmentKind, Organisation, OrgKind, Post
from tongxin.orgs.roles import Role
from tongxin.people.models import (
    CareKind,
    CareTag,
    Household,
    MembershipStatus,
    PartyMembership,
    Person,
    PoliticalStatus,
    Relation,
    ResidenceStatus,
    Tenure,
)
from tongxin.people.pinyin import name_pinyin
from tongxin.people.services import ID_CONTEXT, PHONE_CONTEXT
from tongxin.places.models import Facility, FacilityKind, Place, PoiKind, PointOfInterest

from . import names

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEP = 4
BATCH = 4000

LOCAL_REGION = "420902"  # 孝感市孝南区
OTHER_REGIONS = (
    "420921",
    "420922",
    "420923",
    "420981",
    "420982",
    "420984",
    "421122",
    "411523",
    "430602",
    "420106",
    "362424",
    "342622",
)


# Field types whose Python values both database drivers take as they are.
_PLAIN_FIELDS = frozenset(
    {
        "CharField",
        "TextField",
        "BooleanField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "FloatField",
        "ForeignKey",
        "OneToOneField",
    }
)


def insert_rows(objs: Sequence[models.Model]) -> None:
    """``bulk_create`` for the generator's big tables (places, households, persons, care tags).

    The same rows, and the primary keys set on the objects as ``bulk_create`` sets them, but
    without the ORM's per-field, per-row SQL compilation, which was more than half of the time
    of generating the district. Values are read with one ``attrgetter`` per row; only fields
    that need converting (dates, JSON) go through ``get_db_prep_save``. ``auto_now`` fields get
    one timestamp per call. The statements go to the driver's cursor directly, so that a
    DEBUG query log does not format a million rows.
    """
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    assert not meta.parents, "insert_rows handles models without multi-table inheritance"
    pk = meta.pk
    assert pk is not None
    now = clock.now()
    plain: list[models.Field[Any, Any]] = []
    converted: list[tuple[models.Field[Any, Any], bool]] = []
    relations: list[Any] = []  # foreign keys: models.ForeignKey
    for f in meta.concrete_fields:
        if f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            converted.append((f, True))
        elif f.get_internal_type() in _PLAIN_FIELDS:
            plain.append(f)
            if f.is_relation:
                relations.append(f)
        else:
            converted.append((f, False))
    fields = plain + [f for f, _ in converted]
    read_plain: Callable[[Any], Any] = operator.attrgetter(*(f.attname for f in plain))
    if len(plain) == 1:
        read_one = read_plain

        def read_plain(obj: Any) -> tuple[Any]:
            return (read_one(obj),)

    stamp = {f.attname: f.get_db_prep_save(now, connection) for f, auto in converted if auto}

    def row_of(obj: Any) -> list[Any]:
        assert obj.pk is None, "insert_rows only inserts new rows"
        for f in relations:  # as bulk_create: take the id of a related object saved since
            if getattr(obj, f.attname) is None and f.is_cached(obj):
                setattr(obj, f.attname, f.get_cached_value(obj).pk)
        row = list(read_plain(obj))
        for f, auto in converted:
            if auto:
                setattr(obj, f.attname, now)
                row.append(stamp[f.attname])
            else:
                row.append(f.get_db_prep_save(getattr(obj, f.attname), connection))
        return row

    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Identifiers come from the model and values are bound parameters: nothing to inject.
    head = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES "  # noqa: S608
    tail = f" RETURNING {qn(pk.column)}"
    chunk = 1000

    def saved(batch: Sequence[models.Model], ids: list[Any]) -> None:
        assert len(ids) == len(batch)
        for obj, new_id in zip(batch, ids, strict=True):
            obj.pk = new_id
            obj._state.adding = False
            obj._state.db = connection.alias

    if connection.vendor == "sqlite":
        # Many rows a statement, as many as the bound-parameter limit allows
        # (sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER is 3).
        per_statement = max(1, min(chunk, connection.connection.getlimit(3) // len(fields)))

        def sql_for(n: int) -> str:
            return head + ", ".join([row_marks] * n) + tail

        full_sql = sql_for(per_statement)
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # the driver's cursor, past any DEBUG query log
            for start in range(0, len(objs), per_statement):
                batch = objs[start : start + per_statement]
                params = [value for obj in batch for value in row_of(obj)]
                sql = full_sql if len(batch) == per_statement else sql_for(len(batch))
                cursor.execute(sql, params)
                saved(batch, [row[0] for row in cursor.fetchall()])
    elif connection.vendor == "postgresql":
        # One statement per chunk with one array parameter per column (as Django 5.2 does
        # for plain rows): a short statement that psycopg parses once, instead of thousands
        # of placeholders, whose parsing in Python cost more than the insert itself.
        arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
        sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) SELECT * FROM UNNEST({arrays}){tail}"  # noqa: S608
        import psycopg

        connection.ensure_connection()
        # Server-side parameters: the arrays travel in binary, without text quoting.
        with psycopg.Cursor(connection.connection) as cursor:
            for start in range(0, len(objs), chunk):
                batch = objs[start : start + chunk]
                columns_of_batch = zip(*map(row_of, batch), strict=True)
                cursor.execute(sql, [list(column) for column in columns_of_batch])
                saved(batch, [row[0] for row in cursor.fetchall()])
    else:
        model._default_manager.bulk_create(objs)


@contextlib.contextmanager
def bulk_load_tuning() -> Iterator[None]:
    """Settings for loading a million rows in one transaction, restored afterwards.

    - SQLite's page cache is 2 MB by default: once the person indexes (keyed hashes, random
      order) outgrow it, every insert reads pages back and the load slows down as it goes.
    - The rows built here stay alive until the end; without freezing them, each full garbage
      collection walks all of them again.
    """
    previous = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            previous = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size = -524288")  # 512 MB
    try:
        yield
    finally:
        gc.unfreeze()
        if previous is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(previous)}")


HISTORY_FROM = dt.date(2026, 1, 1)  # posts and care tags of the demo began before this day


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _age(person: Person, today: dt.date) -> int:
    assert person.birth_date is not None
    return today.year - person.birth_date.year


def seg(n: int) -> str:
    """The treebeard path step for the n-th child (1-based)."""
    out = ""
    while n:
        n, r = divmod(n, len(ALPHABET))
        out = ALPHABET[r] + out
    return out.rjust(STEP, "0")


@dataclass(frozen=True)
class ScaleSpec:
    streets: int
    communities_per_street: int
    grids_per_community: int
    total_grids: int | None
    estates_per_grid: tuple[int, int]
    buildings_per_estate: tuple[int, int]
    units_per_building: tuple[int, int]
    floors: tuple[int, int]
    occupancy: float


SCALES = {
    # 文化路: 6 grids, 57 estates, 140 buildings, 274 units, ~3,430 households.
    "community": ScaleSpec(1, 1, 6, None, (9, 10), (1, 4), (1, 3), (5, 8), 0.963),
    "street": ScaleSpec(1, 10, 6, None, (9, 10), (1, 4), (1, 3), (5, 8), 0.963),
    # 800 grids, ~1,000,000 residents.
    "district": ScaleSpec(10, 14, 6, 800, (5, 6), (2, 4), (1, 3), (5, 7), 0.93),
}


def rect(lat0: float, lng0: float, h: float, w: float) -> dict[str, Any]:
    ring = [[lng0, lat0], [lng0 + w, lat0], [lng0 + w, lat0 + h], [lng0, lat0 + h], [lng0, lat0]]
    return {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}


def point(lat: float, lng: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lng, 7), round(lat, 7)]}


def split(rng: random.Random, total: int, parts: int, lo: int, hi: int) -> list[int]:
    """``parts`` integers in [lo, hi] summing to ``total`` (as near as the bounds allow)."""
    out = [lo] * parts
    remaining = total - lo * parts
    idx = list(range(parts))
    while remaining > 0:
        room = [i for i in idx if out[i] < hi]
        if not room:
            break
        out[rng.choice(room)] += 1
        remaining -= 1
    return out


@dataclass
class Area:
    """A place being built, with its geometry as a rectangle for placing children."""

    place: Place
    lat0: float = 0.0
    lng0: float = 0.0
    h: float = 0.0
    w: float = 0.0
    children: int = 0

    def child_path(self) -> str:
        self.children += 1
        return self.place.path + seg(self.children)


@dataclass
class Built:
    """What the generator made, for the steps that follow and for the summary."""

    streets: list[Place] = field(default_factory=list)
    communities: list[Place] = field(default_factory=list)
    grids: list[Place] = field(default_factory=list)
    estates: list[Place] = field(default_factory=list)
    buildings: list[Place] = field(default_factory=list)
    units: list[Place] = field(default_factory=list)
    dwellings: list[Place] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


class DemoGenerator:
    def __init__(self, *, seed: int = 2026, scale: str = "community", progress: Any = None) -> None:
        self.rng = random.Random(seed)
        # Dates that must stay true "now" are relative to the day the area is generated
        # (ages, absences, registrations), so a demo loaded on any date is as true that day as
        # on any other: nobody turns 18 or comes back from leave as the years go by. Posts and
        # care tags began before ``HISTORY_FROM`` whatever the day: the registry's history is
        # in the past, so replaying a fixed moment of 2026 (the tests do) finds them held.
        self.today = clock.today()
        self.history_from = min(self.today, HISTORY_FROM)
        self.seed = seed
        self.scale = scale
        self.spec = SCALES[scale]
        self.progress = progress or (lambda msg: None)
        self.keys = vault.keys()
        self.id_seq: dict[tuple[str, str], int] = {}
        self.built = Built()

    # ------------------------------------------------------------------ places
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
        # Streets' polygons: the hull of their communities' rectangles.
        by_street: dict[str, list[Area]] = {}
        for area, _ in comm_objs:
            by_street.setdefault(area.place.path[:-STEP], []).append(area)
        for street in street_objs:
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

    def _build_community(self, comm: Area, n_grids: int, *, first: bool) -> None:
        rng, spec, b = self.rng, self.spec, self.built
        cols = 3 if n_grids > 2 else n_grids
        rows = math.ceil(n_grids / cols)
        gh = comm.h / rows
        grid_areas: list[Area] = []
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
        building_no = 0
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
            grid_areas.append(ga)
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
                    nu = unit_counts[building_no]
                    building_no += 1
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
                estate.numchild = ea.children
            grid.numchild = ga.children
        insert_rows(places)
        for p in places:
            getattr(
                self.built,
                {
                    "grid": "grids",
                    "estate": "estates",
                    "building": "buildings",
                    "unit": "units",
                    "dwelling": "dwellings",
                }[p.kind],
            ).append(p)

    # ------------------------------------------------------------------ people
    def _name(self, gender: str, surname: str | None = None) -> str:
        rng = self.rng
        s = surname or rng.choices(names.SURNAMES, weights=names.SURNAME_WEIGHTS)[0]
        chars = names.MALE_CHARS if gender == "M" else names.FEMALE_CHARS
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.72 else "")
        return s + given

    def _id_number(self, region: str, birth: dt.date, gender: str) -> str:
        key = (region, birth.isoformat())
        n = self.id_seq.get(key, self.rng.randint(0, 40) * 2)
        # Sequence digits: odd for men, even for women (GB 11643).
        while (n % 2 == 1) != (gender == "M"):
            n += 1
        self.id_seq[key] = n + 1
        body = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
        return body + id_check_char(body)

    def _phone(self) -> str:
        prefix = self.rng.choice(
            (
                "130",
                "131",
                "132",
                "133",
                "135",
                "136",
                "137",
                "138",
                "139",
                "150",
                "151",
                "152",
                "155",
                "156",
                "157",
                "158",
                "159",
                "166",
                "173",
                "177",
                "180",
                "181",
                "182",
                "186",
                "187",
                "188",
                "189",
                "191",
                "199",
            )
        )
        return prefix + f"{self.rng.randint(0, 99_999_999):08d}"

    def _birth(self, age: int) -> dt.date:
        start = _years_before(self.today, age + 1) + dt.timedelta(days=1)
        return start + dt.timedelta(days=self.rng.randint(0, 364))

    def _joined(self, birth: dt.date | None) -> dt.date:
        """A party joining date between the 18th birthday and last month."""
        assert birth is not None
        earliest = birth + dt.timedelta(days=365 * 18 + 5)
        latest = self.today - dt.timedelta(days=30)
        span = max(0, (latest - earliest).days)
        return earliest + dt.timedelta(days=self.rng.randint(0, span))

    def _seal(self, person: Person, id_number: str, phone: str) -> None:
        aead, kid, lk = self.keys.aead, self.keys.key_id, self.keys.lookup_key
        import base64
        import hashlib
        import hmac
        import os

        def enc(value: str, ctx: str) -> str:
            nonce = os.urandom(12)
            sealed = aead.encrypt(nonce, value.encode(), ctx.encode())
            return (
                f"{vault.CIPHER_PREFIX}:{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"
            )

        def h(value: str, ctx: str) -> str:
            return hmac.new(lk, f"{ctx}:{value}".encode(), hashlib.sha256).hexdigest()

        person.id_number_cipher = enc(id_number, ID_CONTEXT)
        person.id_number_hash = h(id_number, ID_CONTEXT)
        person.id_number_last4 = id_number[-4:]
        if phone:
            person.phone_cipher = enc(phone, PHONE_CONTEXT)
            person.phone_hash = h(phone, PHONE_CONTEXT)
            person.phone_masked = vault.mask_phone(phone)
            person.phone_last4 = phone[-4:]

    def _person(
        self,
        *,
        gender: str,
        age: int,
        place: Place,
        grid_id: int,
        household: Household | None,
        relation: str,
        surname: str | None = None,
        floating: bool = False,
    ) -> Person:
        rng = self.rng
        name = self._name(gender, surname)
        birth = self._birth(age)
        region = rng.choice(OTHER_REGIONS) if floating else LOCAL_REGION
        id_number = self._id_number(region, birth, gender)
        phone = self._phone() if age >= 16 and rng.random() < 0.9 else ""
        full, initials = name_pinyin(name)
        if age >= 60:
            occupation = "退休" if rng.random() < 0.85 else "无业"
        elif age >= 23:
            occupation = rng.choice(names.OCCUPATIONS[1:7] + names.OCCUPATIONS[8:])
        elif age >= 6:
            occupation = "学生"
        else:
            occupation = "学龄前儿童"
        p = Person(
            name=name,
            name_pinyin=full,
            name_initials=initials,
            gender=gender,
            birth_date=birth,
            political_status=PoliticalStatus.MASSES,
            occupation=occupation,
            employer=rng.choice(names.EMPLOYERS) if 23 <= age < 60 and rng.random() < 0.5 else "",
            residence_status=(
                ResidenceStatus.FLOATING
                if floating
                else (
                    ResidenceStatus.SEPARATED if rng.random() < 0.06 else ResidenceStatus.REGISTERED
                )
            ),
            household=household,
            relation=relation,
            place=place,
            place_path=place.path,
            grid_id=grid_id,
        )
        if 14 <= age < 28 and rng.random() < 0.35:
            p.political_status = PoliticalStatus.CYL_MEMBER
        self._seal(p, id_number, phone)
        return p

    def _household_members(
        self, hh: Household, dwelling: Place, grid_id: int, floating: bool
    ) -> list[Person]:
        rng = self.rng
        size = rng.choices((1, 2, 3, 4, 5, 6), weights=(7, 17, 26, 23, 16, 11))[0]
        head_gender = "M" if rng.random() < 0.7 else "F"
        if size == 1:
            head_age = rng.choice((rng.randint(62, 92), rng.randint(24, 60)))
        elif size == 2:
            head_age = rng.choice((rng.randint(60, 88), rng.randint(26, 59), rng.randint(62, 85)))
        else:
            head_age = rng.randint(30, 62)
        surname = None
        head = self._person(
            gender=head_gender,
            age=head_age,
            place=dwelling,
            grid_id=grid_id,
            household=hh,
            relation=Relation.HEAD,
            floating=floating,
        )
        surname = head.name[0]
        members = [head]
        if size >= 2:
            sp_gender = "F" if head_gender == "M" else "M"
            sp_age = max(20, head_age + rng.randint(-5, 3))
            members.append(
                self._person(
                    gender=sp_gender,
                    age=sp_age,
                    place=dwelling,
                    grid_id=grid_id,
                    household=hh,
                    relation=Relation.SPOUSE,
                    floating=floating,
                )
            )
        remaining = size - len(members)
        if remaining and head_age > 62 and rng.random() < 0.5:
            child_age = max(18, head_age - rng.randint(24, 34))
            members.append(
                self._person(
                    gender=rng.choice("MF"),
                    age=child_age,
                    place=dwelling,
                    grid_id=grid_id,
                    household=hh,
                    relation=Relation.CHILD,
                    surname=surname,
                    floating=floating,
                )
            )
            remaining -= 1
            if remaining:
                for _ in range(remaining):
                    members.append(
                        self._person(
                            gender=rng.choice("MF"),
                            age=max(0, child_age - rng.randint(22, 32)),
                            place=dwelling,
                            grid_id=grid_id,
                            household=hh,
                            relation=Relation.GRANDCHILD,
                            surname=surname,
                            floating=floating,
                        )
                    )
                remaining = 0
        for _ in range(remaining):
            if head_age < 50 and rng.random() < 0.25:
                members.append(
                    self._person(
                        gender=rng.choice("MF"),
                        age=min(95, head_age + rng.randint(24, 32)),
                        place=dwelling,
                        grid_id=grid_id,
                        household=hh,
                        relation=Relation.PARENT,
                        floating=floating,
                    )
                )
            else:
                members.append(
                    self._person(
                        gender=rng.choice("MF"),
                        age=max(0, head_age - rng.randint(22, 34)),
                        place=dwelling,
                        grid_id=grid_id,
                        household=hh,
                        relation=Relation.CHILD,
                        surname=surname,
                        floating=floating,
                    )
                )
        return members

    def build_people(self) -> None:
        rng, b = self.rng, self.built
        grid_by_path = {g.path: g.pk for g in b.grids}
        households: list[Household] = []
        hh_dwelling: list[Place] = []
        for d in b.dwellings:
            if rng.random() > self.spec.occupancy:
                continue
            tenure = Tenure.TENANT if rng.random() < 0.14 else Tenure.OWNER
            households.append(
                Household(code=f"H{d.code}", dwelling=d, place_path=d.path, tenure=tenure)
            )
            hh_dwelling.append(d)
        insert_rows(households)
        gc.freeze()
        self.progress(f"  户：{len(households)}")
        persons: list[Person] = []
        self.households = households
        self.members_by_hh: dict[int, list[Person]] = {}
        total = 0
        for n, (hh, d) in enumerate(zip(households, hh_dwelling, strict=True)):
            grid_id = grid_by_path[d.path[: 4 * self._grid_depth()]]
            floating = hh.tenure == Tenure.TENANT and rng.random() < 0.6
            members = self._household_members(hh, d, grid_id, floating)
            self.members_by_hh[hh.pk] = members
            persons.extend(members)
            if len(persons) >= BATCH:
                insert_rows(persons)
                total += len(persons)
                persons = []
            if n % 50000 == 49999:
                gc.freeze()
                self.progress(f"  居民：{total}")
        if persons:
            insert_rows(persons)
            total += len(persons)
        self.progress(f"  居民：{total}")

    def _grid_depth(self) -> int:
        return 4 if self.scale == "district" else 3

    def all_persons(self) -> Iterator[tuple[Household, list[Person]]]:
        for hh in self.households:
            yield hh, self.members_by_hh[hh.pk]

    def build_care_tags(self) -> None:
        rng = self.rng
        tags: list[CareTag] = []

        def tag(p: Person, kind: str, grade: str = "", years: int = 3) -> None:
            start = self.history_from - dt.timedelta(days=rng.randint(30, 365 * years))
            tags.append(CareTag(person=p, kind=kind, grade=grade, start_date=start))

        for _hh, members in self.all_persons():
            ages = [_age(m, self.today) for m in members]
            head = members[0]
            if rng.random() < 0.018:
                for m in members:
                    tag(m, CareKind.LOW_INCOME)
            if rng.random() < 0.002:
                tag(head, CareKind.EXTREME_POVERTY)
            if len(members) == 1 and ages[0] >= 60:
                tag(head, CareKind.LIVING_ALONE)
                if rng.random() < 0.3:
                    tag(head, CareKind.WIDOWED_ALONE)
            if len(members) == 2 and min(ages) >= 60:
                for m in members:
                    tag(m, CareKind.EMPTY_NEST)
            if rng.random() < 0.003 and min(ages) >= 50:
                tag(head, CareKind.LOST_ONLY_CHILD)
            for m, age in zip(members, ages, strict=True):
                r = rng.random()
                if r < 0.045:
                    grade = rng.choice(("一级", "二级", "三级", "四级"))
                    kind = rng.choice(("肢体", "视力", "听力", "言语", "智力", "精神"))
                    tag(m, CareKind.DISABLED, f"{grade}{kind}")
                if age >= 80:
                    tag(m, CareKind.ADVANCED_AGE)
                if age < 16 and rng.random() < 0.01:
                    tag(m, CareKind.LEFT_BEHIND_CHILD)
                if age < 16 and rng.random() < 0.004:
                    tag(m, CareKind.CHILD_IN_DIFFICULTY)
                if 30 <= age <= 55 and rng.random() < 0.02:
                    tag(m, CareKind.UNEMPLOYED)
                if 20 <= age <= 60 and rng.random() < 0.0015:
                    tag(m, CareKind.RELEASED_PRISONER)
                if 18 <= age <= 60 and rng.random() < 0.0006:
                    tag(m, CareKind.COMMUNITY_CORRECTION, years=1)
                if rng.random() < 0.008:
                    tag(m, CareKind.SERIOUS_ILLNESS, years=1)
                if age >= 55 and rng.random() < 0.006:
                    tag(m, CareKind.ENTITLED_GROUP)
            if len(tags) >= BATCH:
                insert_rows(tags)
                tags = []
        insert_rows(tags)

    # ------------------------------------------------------------------ orgs and posts
    def build_orgs_and_posts(self) -> None:
        rng, b = self.rng, self.built
        orgs: list[Organisation] = []
        coverage: list[tuple[Organisation, Place]] = []
        posts: list[Post] = []
        memberships: list[PartyMembership] = []
        absences: list[Absence] = []
        party_members: list[Person] = []
        self.demo_people: dict[str, Person] = {}

        def org(
            path: str,
            kind: str,
            code: str,
            name: str,
            covers: list[Place],
            numchild: int = 0,
            **extra: Any,
        ) -> Organisation:
            o = Organisation(
                path=path,
                depth=len(path) // STEP,
                numchild=numchild,
                kind=kind,
                code=code,
                name=name,
                **extra,
            )
            orgs.append(o)
            coverage.extend((o, p) for p in covers)
            return o

        def staff(name_gender: str, age: int, anchor: Place, grid_id: int | None) -> Person:
            p = Person(grid_id=grid_id)
            name = self._name(name_gender)
            birth = self._birth(age)
            full, initials = name_pinyin(name)
            p.name, p.name_pinyin, p.name_initials = name, full, initials
            p.gender, p.birth_date = name_gender, birth
            p.place, p.place_path = anchor, anchor.path
            p.occupation, p.employer = "社区工作者", ""
            self._seal(p, self._id_number(LOCAL_REGION, birth, name_gender), self._phone())
            return p

        def post(
            person: Person,
            role: str,
            place: Place | None,
            o: Organisation | None = None,
            rank: str = "",
            public: bool = True,
            years: int = 4,
        ) -> Post:
            start = self.history_from - dt.timedelta(days=rng.randint(60, 365 * years))
            pt = Post(
                person=person,
                role=role,
                place=place,
                organisation=o,
                rank=rank,
                public_contact=public,
                start_date=start,
                place_path=place.path if place else "",
            )
            posts.append(pt)
            return pt

        # Persons by place path, to pick residents for the 三长 and party posts.
        adults_by_building: dict[str, list[Person]] = {}
        residents = [p for _hh, ms in self.all_persons() for p in ms]
        for p in residents:
            if _age(p, self.today) >= 25:
                adults_by_building.setdefault(p.place_path[:-8], []).append(p)

        # Party members among residents (~4.5% of adults); they become centre households etc.
        for p in residents:
            age = _age(p, self.today)
            if age >= 22 and rng.random() < 0.040:
                p.political_status = (
                    PoliticalStatus.CPC_PROBATIONARY
                    if rng.random() < 0.03
                    else PoliticalStatus.CPC_MEMBER
                )
                party_members.append(p)

        new_staff: list[Person] = []
        gdepth = self._grid_depth()
        grids_by_comm: dict[str, list[Place]] = {}
        for g in b.grids:
            grids_by_comm.setdefault(g.path[:-STEP], []).append(g)
        estates_by_grid: dict[str, list[Place]] = {}
        for e in b.estates:
            estates_by_grid.setdefault(e.path[:-STEP], []).append(e)
        buildings_by_estate: dict[str, list[Place]] = {}
        for bl in b.buildings:
            buildings_by_estate.setdefault(bl.path[:-STEP], []).append(bl)
        units_by_building: dict[str, list[Place]] = {}
        for u in b.units:
            units_by_building.setdefault(u.path[:-STEP], []).append(u)
        members_by_estate: dict[str, list[Person]] = {}
        for p in party_members:
            members_by_estate.setdefault(p.place_path[: 4 * (gdepth + 1)], []).append(p)

        for s_i, street in enumerate(b.streets):
            spath = seg(s_i + 1)
            comms = [c for c in b.communities if c.path.startswith(street.path)]
            depts = list(DepartmentKind)
            street_org = org(
                spath,
                OrgKind.STREET_OFFICE,
                f"O{street.code}",
                f"{street.name}党工委办事处",
                [street],
                numchild=len(comms) + len(depts),
                phone="0712-2881234",
            )
            officer = staff("M", 45, street, None)
            new_staff.append(officer)
            post(officer, Role.STREET_OFFICER, street, street_org)
            if s_i == 0:
                self.demo_people["street"] = officer
            child_no = 0
            dept_names = {
                "urban_management": "城管执法中队",
                "housing": "住建局房屋安全站",
                "public_security": "派出所",
                "traffic_police": "交警中队",
                "civil_affairs": "民政办",
                "market_regulation": "市场监管所",
                "health": "卫健办",
                "water": "水务公司抢修站",
                "power": "供电所",
                "gas": "燃气公司服务站",
                "human_resources": "人社服务站",
                "fire": "消防救援站",
                "ecology": "生态环境分局监测站",
            }
            for dk in depts:
                child_no += 1
                d = org(
                    spath + seg(child_no),
                    OrgKind.DEPARTMENT,
                    f"O{street.code}-{dk.value}",
                    f"{street.name[:2]}{dept_names[dk.value]}",
                    [street],
                    department_kind=dk.value,
                    phone=f"0712-28{rng.randint(10000, 99999)}",
                )
                if s_i == 0 and dk == DepartmentKind.URBAN_MANAGEMENT:
                    dept_officer = staff("M", 38, street, None)
                    new_staff.append(dept_officer)
                    post(dept_officer, Role.DEPARTMENT_OFFICER, None, d, public=True)
                    self.demo_people["dept"] = dept_officer
            for comm in comms:
                child_no += 1
                cpath = spath + seg(child_no)
                grids = grids_by_comm.get(comm.path, [])
                comm_members = [p for p in party_members if p.place_path.startswith(comm.path)]
                n_children = 0
                committee = org(
                    cpath, OrgKind.PARTY_COMMITTEE, f"O{comm.code}", f"{comm.name}大党委", [comm]
                )
                secretary = staff("F", 48, comm, None)
                new_staff.append(secretary)
                post(secretary, Role.SECRETARY, comm, committee)
                post(secretary, Role.DIRECTOR, comm, committee)
                deputy = staff("M", 41, comm, None)
                new_staff.append(deputy)
                post(deputy, Role.DEPUTY_SECRETARY, comm, committee)
                if comm.pk == b.communities[0].pk:
                    self.demo_people["secretary"] = secretary
                committee_members = []
                for _ in range(5):
                    cm = staff(rng.choice("MF"), rng.randint(30, 55), comm, None)
                    new_staff.append(cm)
                    committee_members.append(cm)
                    post(cm, Role.COMMITTEE_MEMBER, comm, committee)
                workers = []
                for _grid in grids:
                    w = staff(rng.choice("MF"), rng.randint(25, 45), comm, None)
                    new_staff.append(w)
                    workers.append(w)
                for g_i, grid in enumerate(grids):
                    post(workers[g_i], Role.GRID_WORKER, grid, committee, rank="A")
                    if len(grids) > 1:
                        # AB角 in pairs across the community (grid 1 with grid 4, 2 with 5…),
                        # so neighbouring grids' workers do not see each other's residents.
                        shift = len(grids) // 2 if len(grids) >= 4 else 1
                        post(
                            workers[(g_i + shift) % len(grids)],
                            Role.GRID_WORKER,
                            grid,
                            committee,
                            rank="B",
                        )
                    post(
                        committee_members[g_i % len(committee_members)],
                        Role.GRID_CHIEF,
                        grid,
                        committee,
                    )
                    if comm.pk == b.communities[0].pk and g_i < 2:
                        self.demo_people[f"grid{g_i + 1}"] = workers[g_i]
                for _ in range(2):
                    cw = staff(rng.choice("MF"), rng.randint(25, 50), comm, None)
                    new_staff.append(cw)
                    post(cw, Role.COMMUNITY_WORKER, comm, committee)
                # One grid worker on leave now, so the B角 stands in (AB角 in action).
                if len(grids) >= 3:
                    absences.append(
                        Absence(
                            person=workers[2],
                            start_date=self.today - dt.timedelta(days=3),
                            end_date=self.today + dt.timedelta(days=120),
                            reason="产假",
                        )
                    )
                # Grid party branches, with party groups per estate.
                for grid in grids:
                    n_children += 1
                    bpath = cpath + seg(n_children)
                    branch = org(
                        bpath, OrgKind.BRANCH, f"O{grid.code}", f"{grid.name}党支部", [grid]
                    )
                    grid_members = [p for p in comm_members if p.place_path.startswith(grid.path)]
                    if grid_members:
                        post(rng.choice(grid_members), Role.BRANCH_SECRETARY, grid, branch)
                    g_no = 0
                    for estate in estates_by_grid.get(grid.path, []):
                        g_no += 1
                        group = org(
                            bpath + seg(g_no),
                            OrgKind.PARTY_GROUP,
                            f"O{estate.code}",
                            f"{estate.name}党小组",
                            [estate],
                        )
                        e_members = members_by_estate.get(estate.path, [])
                        adults = [
                            p
                            for bl in buildings_by_estate.get(estate.path, [])
                            for p in adults_by_building.get(bl.path, [])
                        ]
                        leader_pool = e_members or adults
                        if leader_pool:
                            post(rng.choice(leader_pool), Role.GROUP_LEADER, estate, group)
                        if adults:
                            post(rng.choice(adults), Role.ESTATE_HEAD, estate, None)
                        for m in e_members:
                            memberships.append(
                                PartyMembership(
                                    person=m,
                                    organisation=group,
                                    status=(
                                        MembershipStatus.PROBATIONARY
                                        if m.political_status == PoliticalStatus.CPC_PROBATIONARY
                                        else MembershipStatus.FULL
                                    ),
                                    joined_date=self._joined(m.birth_date),
                                )
                            )
                        for bl in buildings_by_estate.get(estate.path, []):
                            bl_adults = adults_by_building.get(bl.path, [])
                            if bl_adults and rng.random() < 0.972:
                                head = rng.choice(bl_adults)
                                post(head, Role.BUILDING_HEAD, bl, None)
                                if rng.random() < 0.05:
                                    absences.append(
                                        Absence(
                                            person=head,
                                            start_date=self.today - dt.timedelta(days=2),
                                            end_date=self.today + dt.timedelta(days=120),
                                            reason="外出就医",
                                        )
                                    )
                                if "building" not in self.demo_people and grid.pk == grids[0].pk:
                                    self.demo_people["building"] = head
                            if bl_adults and rng.random() < 0.3:
                                post(rng.choice(bl_adults), Role.SANITATION_OFFICER, bl, None)
                            if bl_adults and rng.random() < 0.3:
                                post(rng.choice(bl_adults), Role.SECURITY_OFFICER, bl, None)
                            for u in units_by_building.get(bl.path, []):
                                u_adults = [p for p in bl_adults if p.place_path.startswith(u.path)]
                                if u_adults:
                                    post(rng.choice(u_adults), Role.UNIT_HEAD, u, None)
                    branch.numchild = g_no
                # Centre households (党员中心户): ~403 in 文化路, most resident members' homes.
                for m in comm_members:
                    if rng.random() < 0.97:
                        post(m, Role.CENTRE_HOUSEHOLD, m.place, None, public=True)
                # In-service members registered here (双报到), anchored to the community.
                general = org(
                    cpath + seg(n_children + 1),
                    OrgKind.GENERAL_BRANCH,
                    f"O{comm.code}-ZH",
                    f"{comm.name}综合党支部",
                    [comm],
                )
                n_children += 1
                for _ in range(rng.randint(20, 40) if self.scale == "district" else 150):
                    m = staff(rng.choice("MF"), rng.randint(26, 58), comm, None)
                    m.occupation = "在职党员"
                    m.employer = rng.choice(names.EMPLOYERS)
                    m.political_status = PoliticalStatus.CPC_MEMBER
                    new_staff.append(m)
                    memberships.append(
                        PartyMembership(
                            person=m,
                            organisation=general,
                            status=MembershipStatus.FULL,
                            joined_date=self._joined(m.birth_date),
                            in_service=True,
                            service_employer=m.employer,
                            registered_community=comm,
                            registered_date=self.today - dt.timedelta(days=rng.randint(30, 900)),
                        )
                    )
                # Self-governance and partners.
                for kind, label, count in (
                    (OrgKind.RESIDENTS_COMMITTEE, "居民委员会", 1),
                    (OrgKind.OWNERS_COMMITTEE, "业主委员会", 4),
                    (OrgKind.SELF_MANAGEMENT, "自管委", 6),
                    (OrgKind.PROPERTY_COMPANY, "物业服务有限公司", 3),
                    (OrgKind.CO_BUILDING_UNIT, "共建单位", 4),
                    (OrgKind.VOLUNTEER_TEAM, "志愿服务队", 5),
                    (OrgKind.SOCIAL_ORG, "社会组织", 1),
                    (OrgKind.STUDIO, "工作室", 1),
                ):
                    estates = [e for g in grids for e in estates_by_grid.get(g.path, [])]
                    team_names = (
                        "清洁家园志愿服务队",
                        "好邻里志愿服务队",
                        "治安巡逻队",
                        "小小志愿者服务队",
                        "文艺志愿服务队",
                    )
                    partner_names = (
                        "孝感市妇幼保健院",
                        "蓓蕾幼儿园",
                        "孝感市水利局",
                        "董永公园管理处",
                    )
                    for k in range(count):
                        n_children += 1
                        if kind == OrgKind.VOLUNTEER_TEAM:
                            nm, covers = f"{comm.name[:-2]}{team_names[k]}", [comm]
                        elif kind == OrgKind.CO_BUILDING_UNIT:
                            nm, covers = f"{partner_names[k]}党支部", [comm]
                        elif (
                            kind
                            in (
                                OrgKind.OWNERS_COMMITTEE,
                                OrgKind.SELF_MANAGEMENT,
                                OrgKind.PROPERTY_COMPANY,
                            )
                            and estates
                        ):
                            e = estates[
                                (k * 7 + (0 if kind == OrgKind.OWNERS_COMMITTEE else 3))
                                % len(estates)
                            ]
                            nm = (
                                f"{e.name}{label}"
                                if kind != OrgKind.PROPERTY_COMPANY
                                else f"孝感{('恒信', '安居', '华中')[k]}{label}"
                            )
                            covers = [e]
                        else:
                            nm, covers = f"{comm.name}{label}", [comm]
                        org(
                            cpath + seg(n_children),
                            kind,
                            f"O{comm.code}-{kind[:4]}{k + 1}",
                            nm,
                            covers,
                        )
                committee.numchild = n_children
            street_org.numchild = child_no

        for i in range(0, len(new_staff), BATCH):
            Person.objects.bulk_create(new_staff[i : i + BATCH])
        # Residents whose political status changed: one UPDATE per status and batch of ids.
        # (bulk_update's CASE WHEN id=… per row took a minute on PostgreSQL at the district
        # scale: every row of a batch is tested against every branch.)
        ids_by_status: dict[str, list[int]] = {}
        for p in party_members:
            ids_by_status.setdefault(p.political_status, []).append(p.pk)
        for status, ids in ids_by_status.items():
            for i in range(0, len(ids), BATCH):
                Person.objects.filter(pk__in=ids[i : i + BATCH]).update(political_status=status)
        for i in range(0, len(orgs), BATCH):
            Organisation.objects.bulk_create(orgs[i : i + BATCH])
        through = Organisation.places.through
        through.objects.bulk_create(
            [through(organisation_id=o.pk, place_id=p.pk) for o, p in coverage], batch_size=BATCH
        )
        for pt in posts:
            pt.person_id = pt.person.pk
            pt.organisation_id = pt.organisation.pk if pt.organisation else None
        Post.objects.bulk_create(posts, batch_size=BATCH)
        self.post_holders = {pt.person_id for pt in posts}
        for ms in memberships:
            ms.person_id = ms.person.pk
            ms.organisation_id = ms.organisation.pk
        PartyMembership.objects.bulk_create(memberships, batch_size=BATCH)
        for a in absences:
            a.person_id = a.person.pk
        Absence.objects.bulk_create(absences, batch_size=BATCH)
        self.built.counts.update(
            organisations=len(orgs), posts=len(posts), party_members=len(memberships)
        )
        first_comm_members = [
            p for p in party_members if p.place_path.startswith(b.communities[0].path)
        ]
        if first_comm_members:
            self.demo_people["member"] = first_comm_members[len(first_comm_members) // 2]

    # ------------------------------------------------------------------ map features
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

        poi_plan = (
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
        fac_plan = (
            (FacilityKind.HYDRANT, 5),
            (FacilityKind.SEPTIC_TANK, 119),
            (FacilityKind.MANHOLE, 52),
            (FacilityKind.SUBSTATION, 6),
            (FacilityKind.AED, 2),
            (FacilityKind.CAMERA, 30),
            (FacilityKind.EV_CHARGER, 10),
            (FacilityKind.WASTE_POINT, 40),
        )
        fac_labels = dict(FacilityKind.choices)
        for comm in b.communities:
            estates = estates_by_comm.get(comm.path, [])
            if not estates:
                continue
            shop_names = ("好邻居", "惠民", "家家乐", "便民", "心连心", "阳光", "福万家")
            for kind, count, label in poi_plan:
                for k in range(count):
                    e = rng.choice(estates)
                    lat, lng = spot(e)
                    nm = (
                        label
                        if count == 1
                        else (
                            f"{e.name}{label}"
                            if kind == PoiKind.RED_STATION
                            else f"{rng.choice(shop_names)}{label}{k + 1}号店"
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
            for fkind, count in fac_plan:
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

    # ------------------------------------------------------------------ accounts
    def build_users(self) -> dict[str, str]:
        password = settings.TONGXIN_DEMO_PASSWORD
        people = dict(self.demo_people)
        first_grid = self.built.grids[0]
        resident = next(
            p
            for _hh, ms in self.all_persons()
            for p in ms
            if p.grid_id == first_grid.pk
            and p.relation == Relation.HEAD
            and p.pk not in self.post_holders
            and p.political_status == PoliticalStatus.MASSES
        )
        people["resident"] = resident
        labels = {
            "street": "街道干部",
            "secretary": "社区书记",
            "grid1": "网格员（第1网格）",
            "grid2": "网格员（第2网格）",
            "building": "楼栋长",
            "member": "党员",
            "resident": "居民",
            "dept": "部门工作人员（城管）",
        }
        made: dict[str, str] = {}
        for username, person in people.items():
            if username not in labels:
                continue
            u = User(username=username, person=person, display_name=person.name)
            u.set_password(password)
            u.save()
            made[username] = labels[username]
        for username, duty, label in (
            ("sysadmin", AdminDuty.SYSTEM, "系统管理员"),
            ("secadmin", AdminDuty.SECURITY, "安全管理员"),
            ("auditor", AdminDuty.AUDIT, "审计管理员"),
        ):
            u = User(
                username=username,
                admin_duty=duty,
                display_name=label,
                is_staff=True,
                is_superuser=(duty == AdminDuty.SYSTEM),
            )
            u.set_password(password)
            u.save()
            made[username] = label
        from tongxin.accounts.demo import mark_demo_database  # the demo flag (banner, no 2FA)

        mark_demo_database()
        return made

    # ------------------------------------------------------------------ volunteering
    def build_volunteering(self) -> None:
        from tongxin.demo.volunteering import build

        self.built.counts.update({f"volunteering_{k}": v for k, v in build(self).items()})

    # ------------------------------------------------------------------ cases
    def build_cases(self) -> None:
        from tongxin.demo.cases import build_demo_cases

        self.built.counts.update(build_demo_cases(seed=self.seed))

    # ------------------------------------------------------------------ all
    def run(self, *, with_users: bool = True) -> dict[str, Any]:
        with transaction.atomic(), bulk_load_tuning():
            self.progress("生成地点……")
            self.build_places()
            self.progress("生成户和居民……")
            self.build_people()
            self.progress("生成关爱标签……")
            self.build_care_tags()
            self.progress("生成组织与职务……")
            self.build_orgs_and_posts()
            self.progress("生成地图要素……")
            self.build_features()
            users = self.build_users() if with_users else {}
            if with_users:
                self.progress("生成民情诉求……")
                self.build_cases()
            if with_users:
                from tongxin.demo.open311 import build_demo_open311

                build_demo_open311()  # the partner key demo-open311-key
            if with_users:
                self.progress("生成志愿服务与积分……")
                self.build_volunteering()
        b = self.built
        return {
            "streets": len(b.streets),
            "communities": len(b.communities),
            "grids": len(b.grids),
            "estates": len(b.estates),
            "buildings": len(b.buildings),
            "units": len(b.units),
            "dwellings": len(b.dwellings),
            "households": len(self.households),
            "persons": Person.objects.count(),
            "care_tags": CareTag.objects.count(),
            **b.counts,
            "users": users,
        }
