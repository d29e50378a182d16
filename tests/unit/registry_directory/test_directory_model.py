"""Organisations, members and need categories: validation naming fields, versions."""

import uuid

import pytest

from services.registry.domain.members import InvalidMember, Member, email_key
from services.registry.domain.need_categories import (
    SEEDED_NEED_CATEGORIES,
    InvalidNeedCategory,
    NeedCategory,
    category_id,
    seeded,
)
from services.registry.domain.organisations import (
    InvalidOrganisation,
    Organisation,
    unknown_references,
)

pytestmark = pytest.mark.unit
ORG = uuid.uuid4()


def test_communes_and_categories_are_a_sorted_set_and_order_is_not_a_change():
    ccas = Organisation(name="CCAS", kind="ccas", communes=("97415", "97408", "97408"),
                        need_categories=("housing", "access_to_rights"))
    assert ccas.communes == ("97408", "97415")
    assert ccas.changed(communes=("97415", "97408")) is None
    assert ccas.changed(communes=("97408",)).version == 2
    assert ccas.deactivated().active is False
    assert ccas.deactivated().deactivated() is None


def test_unknown_references_are_named_by_position():
    errors = unknown_references(["97408", "00000", "97415"], ["housing", "astrology"],
                                commune_exists=lambda c: c != "00000",
                                category_exists=lambda c: c == "housing")
    assert [field for field, _ in errors] == ["communes.1", "need_categories.1"]


@pytest.mark.parametrize("values,field", [
    ({"phone": "appelez-moi"}, "phone"), ({"name": "  "}, "name"), ({"kind": "bank"}, "kind"),
])
def test_invalid_organisations_name_the_field(values, field):
    with pytest.raises(InvalidOrganisation) as caught:
        Organisation(**{"name": "X", "kind": "ccas", **values})
    assert caught.value.field == field


def member(**values):
    return Member(**{"organisation_id": ORG, "email": "Agent@Example.org",
                     "display_name": "Agent", "roles": ("handler",), **values})


def test_members_normalise_roles_and_compare_emails_without_case():
    agent = member(roles=("handler", "referrer", "handler"))
    assert agent.roles == ("handler", "referrer")
    assert agent.email_key == email_key(" agent@EXAMPLE.org ") == "agent@example.org"
    assert agent.changed(roles=("referrer", "handler")) is None
    assert agent.changed(active=False).version == 2


@pytest.mark.parametrize("values,field", [
    ({"email": "agent"}, "email"), ({"display_name": " "}, "display_name"),
    ({"roles": ()}, "roles"), ({"roles": ("king",)}, "roles"), ({"rpps": "123"}, "rpps"),
    ({"phone": "x"}, "phone"),
])
def test_invalid_members_name_the_field(values, field):
    with pytest.raises(InvalidMember) as caught:
        member(**values)
    assert caught.value.field == field


def test_seeded_categories_have_stable_ids_and_french_labels():
    categories = seeded()
    assert [c.code for c in categories] == list(SEEDED_NEED_CATEGORIES)
    assert categories[0].id == category_id(categories[0].code) == NeedCategory(
        categories[0].code, "autre libellé").id
    assert SEEDED_NEED_CATEGORIES["access_to_rights"] == "Accès aux droits"


@pytest.mark.parametrize("code,label,field", [("Bad", "X", "code"), ("ok_code", " ", "label")])
def test_invalid_categories_name_the_field(code, label, field):
    with pytest.raises(InvalidNeedCategory) as caught:
        NeedCategory(code, label)
    assert caught.value.field == field
