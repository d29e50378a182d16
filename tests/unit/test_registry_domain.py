import pytest

from services.registry.domain.organisations import InvalidOrganisation, Organisation
from services.registry.domain.tokens import access_token_claims

pytestmark = pytest.mark.unit


def test_a_change_makes_a_new_version_and_no_change_makes_none():
    ccas = Organisation(name="CCAS de Gennevilliers", kind="ccas")
    renamed = ccas.changed(name="CCAS de la ville de Gennevilliers")
    assert (renamed.version, renamed.id) == (2, ccas.id)
    assert ccas.changed(name=ccas.name) is None


@pytest.mark.parametrize("name,kind,field", [(" ", "ccas", "name"), ("X", "castle", "kind")])
def test_invalid_organisations_name_the_field(name, kind, field):
    with pytest.raises(InvalidOrganisation) as caught:
        Organisation(name=name, kind=kind)
    assert caught.value.field == field


def test_token_claims_are_short_lived_and_typed():
    claims = access_token_claims(member_id="m1", organisation_id="o1", roles=["handler"],
                                 issuer="relais-registry", audience="relais", ttl=900, now=1000)
    assert claims["exp"] == 1900 and claims["org"] == "o1" and claims["roles"] == ["handler"]
    with pytest.raises(ValueError):
        access_token_claims(member_id="m1", organisation_id=None, roles=["king"],
                            issuer="i", audience="a", ttl=1, now=0)
