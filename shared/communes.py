"""The official referential of French communes and intercommunalities (EPCI).

Source: Etalab's `@etalab/decoupage-administratif` npm package (MIT), fetched at
a pinned version with its registry integrity checked (`python -m shared.communes
fetch`, run by `make install` and the Docker build), never hand-typed. Every
service that receives an INSEE code checks it here, locally: no call to another
service, so checks keep working when the registry is down.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import threading
import unicodedata
import urllib.request
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

import ijson

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
TARBALL = ("https://registry.npmjs.org/@etalab/decoupage-administratif/-/"
           f"decoupage-administratif-{VERSION}.tgz")
INTEGRITY = ("sha512-XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/"
             "7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ==")
FILES = ("communes.json", "epci.json")
DEFAULT_DIR = os.environ.get("RELAIS_REFERENTIAL_DIR", "var/referential")

# Current communes and the municipal districts of Paris, Lyon and Marseille are
# valid places of residence; former communes (déléguées, associées) are found by
# name and resolve to the commune they now belong to.
_CURRENT = {"commune-actuelle", "arrondissement-municipal"}


class ReferentialMissing(FileNotFoundError):
    pass


# Slotted: about 100 bytes a commune, not an object plus its own __dict__.
@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    name: str
    kind: str
    department: str | None
    region: str | None
    postcodes: tuple[str, ...]
    population: int | None
    # For a former commune: the code of the commune it belongs to now.
    current_code: str


@dataclass(frozen=True, slots=True)
class Epci:
    code: str
    name: str
    kind: str  # CC, CA, CU, METRO
    members: tuple[str, ...]


def normalise(text: str) -> str:
    """Lower case, accents, hyphens and apostrophes folded: 'Saint-Étienne' -> 'saint etienne'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    for mark in "-'’.,()":
        bare = bare.replace(mark, " ")
    return " ".join(bare.split())


class Referential:
    """About 40k communes held compactly: one slotted `Commune` each, equal values
    (departments, postcodes, populations, member codes) shared by all that hold them. What
    only some callers need is built on first use, once, under a lock: the search
    indexes (registry, portal) and `epci_of` (registry); the referrals API only asks
    `exists`."""

    def __init__(self, communes: Iterable[dict], epcis: Iterable[dict]):
        # One object for each distinct department, region, kind, postcode, postcode list
        # and population: there are a few thousand of each for 40k communes.
        shared: dict[Any, Any] = {}

        def one(value):
            return shared.setdefault(value, value)

        self.entries: list[Commune] = []
        self.communes: dict[str, Commune] = {}
        for raw in communes:
            kind, code = one(raw["type"]), raw["code"]
            commune = Commune(
                code=code, name=raw["nom"], kind=kind,
                department=one(raw.get("departement")), region=one(raw.get("region")),
                postcodes=one(tuple(one(p) for p in raw.get("codesPostaux", ()))),
                population=one(raw.get("population")),
                current_code=code if kind in _CURRENT else raw.get("chefLieu", code))
            self.entries.append(commune)
            if kind in _CURRENT:
                self.communes[code] = commune
        self.epcis: dict[str, Epci] = {
            raw["code"]: Epci(raw["code"], raw["nom"], one(raw["type"]),
                              tuple(self._code(m["code"]) for m in raw["membres"]))
            for raw in epcis}
        self._lock = threading.Lock()
        self._built: dict[str, Any] = {}

    def _code(self, code: str) -> str:
        """The commune's own code string when it has one (35k member codes share them)."""
        commune = self.communes.get(code)
        return commune.code if commune else code

    @classmethod
    def load(cls, directory: str | Path = DEFAULT_DIR) -> Referential:
        directory = Path(directory)
        try:
            with (directory / FILES[0]).open("rb") as communes, \
                    (directory / FILES[1]).open("rb") as epcis:
                return cls(_json_array(communes), _json_array(epcis))
        except FileNotFoundError:
            raise ReferentialMissing(
                f"the communes referential is missing in {directory}: run "
                f"`python -m shared.communes fetch {directory}` (make install does)") from None

    def get(self, code: str) -> Commune | None:
        """The current commune with this INSEE code, or None."""
        return self.communes.get(code)

    def exists(self, code: str) -> bool:
        return code in self.communes

    @property
    def epci_of(self) -> dict[str, str]:
        """INSEE code of a member commune -> code of its EPCI."""
        return self._once("epci_of", lambda: {member: epci.code for epci in self.epcis.values()
                                              for member in epci.members})

    def search(self, query: str, limit: int = 20) -> list[Commune]:
        """By name (accents, case and hyphens ignored; word prefixes) or by postcode."""
        query = query.strip()
        if not query:
            return []
        if query.isdigit():
            return self._search_postcode(query, limit)
        return self._search_name(normalise(query).split(), limit)

    def communes_of_epci(self, code: str) -> tuple[str, ...]:
        epci = self.epcis.get(code)
        if epci is None:
            raise KeyError(code)
        return epci.members

    # -- search -----------------------------------------------------------------------
    def _search_postcode(self, prefix: str, limit: int) -> list[Commune]:
        """Current communes with a postcode starting with `prefix`, by (first postcode, name)."""
        postcodes, owners = self._once("postcodes", self._postcode_index)
        found, at = set(), bisect_left(postcodes, prefix)
        while at < len(postcodes) and postcodes[at].startswith(prefix):
            found.add(owners[at])
            at += 1
        entries = self.entries
        ranked = sorted(found, key=lambda i: (entries[i].postcodes[0], entries[i].name, i))
        return [entries[i] for i in ranked[:limit]]

    def _search_name(self, words: list[str], limit: int) -> list[Commune]:
        """Entries whose every query word starts one of the name's words: exact names
        first, then names starting with the first word, then by population."""
        if not words:
            return []
        text, starts = self._once("names", self._name_index)
        wanted, matches = " ".join(words), []
        # Only lines holding the longest word can match: str.find walks the one string
        # in C instead of splitting 40k names in Python.
        needle = " " + max(words, key=len)
        at = text.find(needle)
        while at >= 0:
            line = bisect_right(starts, at) - 1
            end = text.index("\n", at)
            name = text[starts[line] + 1:end]
            # One word: finding it at a word's start was the whole test.
            if len(words) == 1 or all(any(p.startswith(w) for p in name.split())
                                      for w in words):
                matches.append((name != wanted, not name.startswith(words[0]),
                                -(self.entries[line].population or 0), line))
            at = text.find(needle, end)
        matches.sort()
        return [self.entries[m[3]] for m in matches[:limit]]

    def _name_index(self) -> tuple[str, array]:
        """Every entry's normalised name as one line ' name\n' of a single string (each
        word of it preceded by a space), and where each line starts."""
        lines, starts, length = [], array("I"), 0
        for commune in self.entries:
            line = f" {normalise(commune.name)}\n"
            lines.append(line)
            starts.append(length)
            length += len(line)
        return "".join(lines), starts

    def _postcode_index(self) -> tuple[list[str], array]:
        """Postcodes of the current communes, sorted, and the entry holding each."""
        pairs = sorted((postcode, i) for i, commune in enumerate(self.entries)
                       if commune.kind in _CURRENT for postcode in commune.postcodes)
        return [postcode for postcode, _ in pairs], array("I", (i for _, i in pairs))

    def _once(self, name: str, build: Callable[[], Any]) -> Any:
        """`build()` the first time `name` is asked for; threads asking meanwhile wait."""
        value = self._built.get(name)
        if value is None:
            with self._lock:
                value = self._built.get(name)
                if value is None:
                    value = self._built[name] = build()
        return value


def _json_array(file: BinaryIO) -> Iterator[Any]:
    """The items of the JSON array in `file`, decoded one at a time as the file is read
    (ijson, C backend): communes.json whole would be a 17 MB string and ~60 MB of dicts
    at once, a peak every process loading it would keep as its RSS."""
    try:
        events = ijson.parse(file, use_float=True)
        if next(events, None) != ("", "start_array", None):
            raise ValueError(f"{getattr(file, 'name', 'file')}: expected a JSON array")
        yield from ijson.items(chain([("", "start_array", None)], events), "item")
    except ijson.JSONError as exc:
        raise ValueError(f"{getattr(file, 'name', 'file')}: {exc}") from None


_loaded: dict[str | Path, Referential] = {}
_loading = threading.Lock()


def referential(directory: str | Path = DEFAULT_DIR) -> Referential:
    """The referential, loaded once per process (about 40k entries). The first caller
    loads it under a lock while other threads wait: unlocked, the four threads of a
    gunicorn worker receiving their first requests together each built one (330 MB).
    Every spelling of the same directory shares one."""
    found = _loaded.get(directory)
    if found is None:
        with _loading:
            path = os.path.realpath(directory)
            found = _loaded.get(path) or Referential.load(path)
            _loaded[path] = _loaded[directory] = found
    return found


def fetch(directory: str | Path = DEFAULT_DIR) -> Path:
    """Download the pinned package, check its integrity, keep the two data files."""
    directory = Path(directory)
    stamp = directory / "VERSION"
    if stamp.exists() and stamp.read_text().strip() == VERSION and \
            all((directory / name).exists() for name in FILES):
        return directory
    with urllib.request.urlopen(TARBALL, timeout=60) as response:  # noqa: S310 (pinned https URL)
        payload = response.read()
    algorithm, expected = INTEGRITY.split("-", 1)
    digest = base64.b64encode(hashlib.new(algorithm, payload).digest()).decode()
    if digest != expected:
        raise RuntimeError(f"{PACKAGE}@{VERSION}: integrity mismatch, refusing the download")
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
        for name in FILES:
            member = archive.extractfile(f"package/data/{name}")
            (directory / name).write_bytes(member.read())
    (directory / "VERSION").write_text(VERSION + "\n")
    return directory


if __name__ == "__main__":
    import sys

    if len(sys.argv) >= 2 and sys.argv[1] == "fetch":
        print(f"{PACKAGE}@{VERSION} in {fetch(sys.argv[2] if len(sys.argv) > 2 else DEFAULT_DIR)}")
    else:
        sys.exit("usage: python -m shared.communes fetch [directory]")
