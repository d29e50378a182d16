"""The communes referential, as loaded from Etalab's pinned package (make install fetches it)."""

import gc
import io
import json
import threading
import time

import pytest

from shared import communes as communes_module
from shared.communes import (
    Referential,
    ReferentialMissing,
    _json_array,
    normalise,
    referential,
)
from shared.http.gunicorn import preload_communes

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


def test_search_without_a_word_finds_nothing(communes):
    assert communes.search("--") == []
    assert communes.search("   ") == []


def test_multi_word_search_and_epci_of_a_commune(communes):
    assert [c.code for c in communes.search("sables olonne", 3)] == ["85194"]
    assert communes.epci_of["85047"] == "200071629"


# -- loading: a small referential written by the tests ---------------------------------

COMMUNES = [
    {"code": "97408", "nom": "La Possession", "type": "commune-actuelle", "departement": "974",
     "region": "04", "codesPostaux": ["97419"], "population": 33_000},
    {"code": "01015", "nom": "Arbignieu", "type": "commune-deleguee", "chefLieu": "01453"},
    {"code": "01453", "nom": "Arboys en Bugey", "type": "commune-actuelle",
     "departement": "01", "region": "84", "codesPostaux": ["01300"], "population": 1_000},
]
EPCIS = [{"code": "249740101", "nom": "TCO", "type": "CA", "populationTotale": 1e5,
          "membres": [{"code": "97408", "nom": "La Possession"}]}]


def write_referential(directory, indent=None):
    directory.mkdir(exist_ok=True)
    (directory / "communes.json").write_text(json.dumps(COMMUNES, indent=indent), "utf-8")
    (directory / "epci.json").write_text(json.dumps(EPCIS, indent=indent), "utf-8")
    return directory


@pytest.mark.parametrize("indent", [None, 1])
def test_the_json_files_are_read_item_by_item(tmp_path, indent):
    loaded = Referential.load(write_referential(tmp_path, indent))
    assert [c.code for c in loaded.entries] == ["97408", "01015", "01453"]
    assert loaded.get("01015") is None
    assert loaded.get(loaded.search("arbignieu")[0].current_code).name == "Arboys en Bugey"
    assert loaded.get("97408").postcodes == ("97419",)
    assert loaded.communes_of_epci("249740101") == ("97408",)
    assert loaded.epci_of == {"97408": "249740101"}


@pytest.mark.parametrize("text", ["[]", " [ ] ", "[\n]"])
def test_an_empty_array_is_no_items(text):
    assert list(_json_array(io.BytesIO(text.encode()))) == []


@pytest.mark.parametrize("text", ["{}", "[1 2]", "[1,", "[1", "[,1]", '[{"a": 1}'])
def test_a_malformed_array_is_refused(text):
    with pytest.raises(ValueError):
        list(_json_array(io.BytesIO(text.encode())))


def test_items_are_read_whole():
    assert list(_json_array(io.BytesIO(b'[12345, 678,9, {"a": [1.5]}]'))) == [
        12345, 678, 9, {"a": [1.5]}]


def test_threads_asking_together_load_it_once_and_share_it(tmp_path, monkeypatch):
    """The four threads of a gunicorn worker used to load it four times at once."""
    directory, loads, real_load = write_referential(tmp_path / "ref"), [], Referential.load

    def slow_load(path):
        loads.append(path)
        time.sleep(0.2)
        return real_load(path)

    monkeypatch.setattr(Referential, "load", staticmethod(slow_load))
    barrier, found = threading.Barrier(4), []

    def first_request():
        barrier.wait()
        found.append(referential(str(directory)))

    threads = [threading.Thread(target=first_request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert all(one is found[0] for one in found)
    # Another spelling of the same directory is the same referential.
    assert referential(directory / ".." / "ref") is found[0]
    assert len(loads) == 1


def test_a_missing_referential_is_not_remembered(tmp_path):
    with pytest.raises(ReferentialMissing):
        referential(str(tmp_path / "later"))
    write_referential(tmp_path / "later")
    assert referential(str(tmp_path / "later")).exists("97408")


def test_search_indexes_are_built_once_on_first_search(tmp_path, monkeypatch):
    loaded, builds = Referential.load(write_referential(tmp_path)), []
    real = Referential._name_index
    monkeypatch.setattr(Referential, "_name_index", lambda self: builds.append(1) or real(self))
    assert loaded._built == {}, "nothing built before a search"
    threads = [threading.Thread(target=loaded.search, args=("possession",)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loaded.search("la poss")[0].code == "97408"
    assert builds == [1]


def test_the_gunicorn_master_preloads_it_and_freezes_it(monkeypatch):
    loaded, frozen = [], []
    monkeypatch.setattr(communes_module, "referential", lambda: loaded.append(1))
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    preload_communes()
    assert (loaded, frozen) == ([1], [1])


def test_the_gunicorn_master_starts_without_the_referential(monkeypatch):
    def missing():
        raise ReferentialMissing("no referential here")

    frozen = []
    monkeypatch.setattr(communes_module, "referential", missing)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))
    preload_communes()
    assert frozen == []
