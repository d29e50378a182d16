"""The communes referential, as loaded from Etalab's pinned package (make install fetches it)."""

import pytest

from shared.communes import normalise, referential

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def communes():
    return referential()


def test_the_whole_referential_is_loaded(communes):
    assert len(communes.entries) == 37_590
    assert len(communes.epcis) == 1_255
    assert communes.get("97408").name == "La Possession"
    assert communes.get("99999") is None


def test_search_ignores_accents_case_and_hyphens_and_knows_postcodes(communes):
    assert communes.search("la possession")[0].code == "97408"
    assert communes.search("SAINT ETIENNE")[0].name == "Saint-Étienne"
    assert [c.code for c in communes.search("97419")] == ["97408"]
    assert communes.search("creteil")[0].code == "94028"


def test_a_former_commune_resolves_to_the_current_one(communes):
    (arbignieu,) = communes.search("arbignieu")
    assert arbignieu.kind == "commune-deleguee"
    assert communes.get(arbignieu.current_code).name == "Arboys en Bugey"


def test_challans_gois_and_ocean_marais_de_monts_make_the_seed_s_16_communes(communes):
    members = communes.communes_of_epci("200071629") + communes.communes_of_epci("248500258")
    assert len(set(members)) == 16
    assert all(communes.exists(code) for code in members)


def test_normalise():
    assert normalise("L'Île-Saint-Denis") == "l ile saint denis"
