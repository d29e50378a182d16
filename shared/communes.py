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
import json
import os
import tarfile
import unicodedata
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    def __init__(self, communes: list[dict], epcis: list[dict]):
        self.entries: list[Commune] = []
        self.communes: dict[str, Commune] = {}
        for raw in communes:
            current = raw["code"] if raw["type"] in _CURRENT else raw.get("chefLieu", raw["code"])
            commune = Commune(
                code=raw["code"], name=raw["nom"], kind=raw["type"],
                department=raw.get("departement"), region=raw.get("region"),
                postcodes=tuple(raw.get("codesPostaux", ())), population=raw.get("population"),
                current_code=current)
            self.entries.append(commune)
            if raw["type"] in _CURRENT:
                self.communes[commune.code] = commune
        self._names = [(normalise(c.name), c) for c in self.entries]
        self.epcis = {raw["code"]: Epci(raw["code"], raw["nom"], raw["type"],
                                        tuple(m["code"] for m in raw["membres"]))
                      for raw in epcis}
        self.epci_of = {member: epci.code for epci in self.epcis.values()
                        for member in epci.members}

    @classmethod
    def load(cls, directory: str | Path = DEFAULT_DIR) -> Referential:
        directory = Path(directory)
        try:
            communes, epcis = (json.loads((directory / name).read_text(encoding="utf-8"))
                               for name in FILES)
        except FileNotFoundError:
            raise ReferentialMissing(
                f"the communes referential is missing in {directory}: run "
                f"`python -m shared.communes fetch {directory}` (make install does)") from None
        return cls(communes, epcis)

    def get(self, code: str) -> Commune | None:
        """The current commune with this INSEE code, or None."""
        return self.communes.get(code)

    def exists(self, code: str) -> bool:
        return code in self.communes

    def search(self, query: str, limit: int = 20) -> list[Commune]:
        """By name (accents, case and hyphens ignored; word prefixes) or by postcode."""
        query = query.strip()
        if not query:
            return []
        if query.isdigit():
            found = [c for c in self.entries if c.kind in _CURRENT
                     and any(p.startswith(query) for p in c.postcodes)]
            return sorted(found, key=lambda c: (c.postcodes[0], c.name))[:limit]
        words = normalise(query).split()
        matches = []
        for name, commune in self._names:
            parts = name.split()
            if all(any(p.startswith(w) for p in parts) for w in words):
                exact = name == " ".join(words)
                matches.append((not exact, not name.startswith(words[0]),
                                -(commune.population or 0), commune))
        matches.sort(key=lambda m: m[:3])
        return [m[3] for m in matches[:limit]]

    def communes_of_epci(self, code: str) -> tuple[str, ...]:
        epci = self.epcis.get(code)
        if epci is None:
            raise KeyError(code)
        return epci.members


@lru_cache(maxsize=4)
def referential(directory: str = DEFAULT_DIR) -> Referential:
    """The referential, loaded once per process (about 40k entries)."""
    return Referential.load(directory)


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
