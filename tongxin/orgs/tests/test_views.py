"""The organisation tree and organisation pages: public structure, scoped people."""

import pytest

from tongxin.orgs.models import Organisation, Post
from tongxin.people.models import PartyMembership, Person
from tongxin.workbench.tests.helpers import html, linked_person_ids


def committee():
    return Organisation.objects.get(kind="party_committee")


def test_tree_starts_at_the_roots_and_expands_lazily(demo):
    client = demo.client("grid1")
    response = client.get("/orgs/")
    roots = list(response.context["page_obj"].object_list)
    assert roots and all(o.depth == 1 for o in roots)
    street_office = roots[0]
    fragment = client.get(f"/orgs/{street_office.pk}/children/", HTTP_HX_REQUEST="true")
    assert "<html" not in html(fragment)
    assert committee().name in html(fragment)


def test_tree_search_by_name_and_kind(demo):
    client = demo.client("grid1")
    branches = client.get("/orgs/", {"kind": "branch"}).context["page_obj"].object_list
    assert branches and all(o.kind == "branch" for o in branches)
    found = client.get("/orgs/", {"q": "网格党支部"}).context["page_obj"].object_list
    assert found and all("网格党支部" in o.name for o in found)
    assert "没有找到符合条件的组织" in html(client.get("/orgs/", {"q": "不存在的组织"}))


def test_committee_page_shows_only_posts_and_members_in_scope(demo):
    user = demo.user("grid1")
    response = demo.client("grid1").get(f"/orgs/{committee().pk}/")
    assert response.status_code == 200
    posts = list(response.context["post_page"].paginator.object_list)
    assert posts
    assert not [p for p in posts if p.place_path.startswith(demo.grid(2).path)]
    assert {p.pk for p in posts} <= set(Post.objects.visible_to(user).values_list("pk", flat=True))
    members = list(response.context["members_page"].paginator.object_list)
    assert members
    assert not [m for m in members if m.person.place_path.startswith(demo.grid(2).path)]
    # Names of post holders are public structure; links go only to pages the user may open.
    visible = set(Person.objects.visible_to(user).values_list("pk", flat=True))
    assert linked_person_ids(response) <= visible


def test_secretary_sees_the_whole_committee(demo):
    response = demo.client("secretary").get(f"/orgs/{committee().pk}/")
    members = response.context["members_page"].paginator.count
    assert (
        members
        == PartyMembership.objects.filter(organisation__path__startswith=committee().path).count()
    )
    assert "委员" in html(response)


def test_branch_page_lists_its_groups_members(demo):
    branch = Organisation.objects.filter(kind="branch").order_by("path").first()
    response = demo.client("grid1").get(f"/orgs/{branch.pk}/")
    assert response.context["is_party"]
    members = list(response.context["members_page"].paginator.object_list)
    assert members and all(m.organisation.path.startswith(branch.path) for m in members)
    assert "党员" in html(response)


@pytest.mark.parametrize("username", ["sysadmin", "auditor"])
def test_admins_have_no_organisation_pages(demo, username):
    """Admins hold no post: they maintain organisations in the admin site, not here."""
    assert demo.client(username).get(f"/orgs/{committee().pk}/").status_code == 404
    assert not demo.client(username).get("/orgs/").context["page_obj"].object_list


def test_missing_organisation_is_404(demo):
    assert demo.client("grid1").get("/orgs/999999999/").status_code == 404
    assert demo.client("grid1").get("/orgs/999999999/children/").status_code == 404


def test_org_pages_query_count_is_bounded(demo, settings, django_assert_max_num_queries):
    client = demo.client("grid1")
    for size in (5, 40):
        settings.TONGXIN_PAGE_SIZE = size
        # Every page costs one query for the unread-message badge in the navigation.
        with django_assert_max_num_queries(21):
            assert client.get(f"/orgs/{committee().pk}/").status_code == 200
        with django_assert_max_num_queries(13):
            assert client.get("/orgs/").status_code == 200
