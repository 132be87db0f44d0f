"""The demo's residents: households, persons (names, ID and phone numbers, sealed as the
vault seals them) and care tags."""

from __future__ import annotations

import datetime as dt
import gc

from tongxin.core import vault
from tongxin.core.validators import id_check_char
from tongxin.people.models import (
    CareKind,
    CareTag,
    Household,
    Person,
    PoliticalStatus,
    Relation,
    ResidenceStatus,
    Tenure,
)
from tongxin.people.pinyin import name_pinyin
from tongxin.people.services import ID_CONTEXT, PHONE_CONTEXT
from tongxin.places.models import Place

from . import names
from .bulk import insert_rows
from .common import (
    BATCH,
    LOCAL_REGION,
    OTHER_REGIONS,
    STEP,
    GeneratorBase,
    age_of,
    years_before,
)

PHONE_PREFIXES = (
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


class PeopleMixin(GeneratorBase):
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
        prefix = self.rng.choice(PHONE_PREFIXES)
        return prefix + f"{self.rng.randint(0, 99_999_999):08d}"

    def _birth(self, age: int) -> dt.date:
        start = years_before(self.today, age + 1) + dt.timedelta(days=1)
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

        def member(gender: str, age: int, relation: str, surname: str | None = None) -> Person:
            return self._person(
                gender=gender,
                age=age,
                place=dwelling,
                grid_id=grid_id,
                household=hh,
                relation=relation,
                surname=surname,
                floating=floating,
            )

        # Arguments are evaluated left to right: the gender is drawn before the age.
        head = member(head_gender, head_age, Relation.HEAD)
        surname = head.name[0]
        members = [head]
        if size >= 2:
            sp_gender = "F" if head_gender == "M" else "M"
            sp_age = max(20, head_age + rng.randint(-5, 3))
            members.append(member(sp_gender, sp_age, Relation.SPOUSE))
        remaining = size - len(members)
        if remaining and head_age > 62 and rng.random() < 0.5:
            child_age = max(18, head_age - rng.randint(24, 34))
            members.append(member(rng.choice("MF"), child_age, Relation.CHILD, surname))
            remaining -= 1
            if remaining:
                for _ in range(remaining):
                    members.append(
                        member(
                            rng.choice("MF"),
                            max(0, child_age - rng.randint(22, 32)),
                            Relation.GRANDCHILD,
                            surname,
                        )
                    )
                remaining = 0
        for _ in range(remaining):
            if head_age < 50 and rng.random() < 0.25:
                members.append(
                    member(
                        rng.choice("MF"), min(95, head_age + rng.randint(24, 32)), Relation.PARENT
                    )
                )
            else:
                members.append(
                    member(
                        rng.choice("MF"),
                        max(0, head_age - rng.randint(22, 34)),
                        Relation.CHILD,
                        surname,
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
        self.members_by_hh = {}
        total = 0
        for n, (hh, d) in enumerate(zip(households, hh_dwelling, strict=True)):
            grid_id = grid_by_path[d.path[: STEP * self._grid_depth()]]
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

    def build_care_tags(self) -> None:
        rng = self.rng
        tags: list[CareTag] = []

        def tag(p: Person, kind: str, grade: str = "", years: int = 3) -> None:
            start = self.history_from - dt.timedelta(days=rng.randint(30, 365 * years))
            tags.append(CareTag(person=p, kind=kind, grade=grade, start_date=start))

        for _hh, members in self.all_persons():
            ages = [age_of(m, self.today) for m in members]
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
