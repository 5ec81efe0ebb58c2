"""The seed release modelled completely: every fact of its annotation is in the built store, found by SPARQL.

The annotation (tests/corpus/000-seed-ground-truth.json) is what a careful reader takes from the text; each
test asks the published graph for one kind of fact, the way a developer querying the endpoint would.
"""

from __future__ import annotations

import json

import pytest

from publisher.config import Config
from publisher.store import Store, WritableStore
from tests.conftest import CORPUS

GOLD = json.loads((CORPUS / "000-seed-ground-truth.json").read_text("utf-8"))
PREFIXES = """
PREFIX schema: <https://schema.org/>
PREFIX pm: <https://w3id.org/pm-berlin/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
RELEASE = """?release a pm:PressRelease ; schema:headline "3. Bezirkliches BENN Treffen hat stattgefunden"@de ."""


@pytest.fixture(scope="module")
def store(built: tuple[Config, WritableStore]) -> Store:
    return built[1]


def ask(store: Store, body: str) -> bool:
    return store.ask(PREFIXES + "ASK { " + RELEASE + "\n" + body + " }")


def test_release_itself(store: Store) -> None:
    assert ask(
        store,
        f"""?release schema:datePublished "{GOLD["date_published"]}"^^xsd:date ;
        schema:inLanguage "de" ; schema:articleBody ?body ;
        schema:publisher [ schema:name "{GOLD["publisher"]}" ] ;
        schema:image [ a schema:ImageObject ; schema:creditText "{GOLD["image_credit"]}" ] ;
        schema:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> ;
        schema:isBasedOn [ a schema:DigitalDocument ; schema:name "{GOLD["file"]}" ; schema:sha256 ?hash ] .
        FILTER(STRSTARTS(STR(?body), "Zusammenarbeit mit den kommunalen") && STRLEN(?hash) = 64)""",
    )
    assert GOLD["press_release_number"] is None
    assert not ask(store, "?release pm:pressReleaseNumber ?n .")


@pytest.mark.parametrize("org", GOLD["organisations"], ids=lambda o: o["name"])
def test_organisations(store: Store, org: dict[str, object]) -> None:
    """Each organisation is mentioned under its name, and every form the text uses for it is a name it has."""
    rows = store.select(
        PREFIXES
        + f"""SELECT ?org ?name ?parent WHERE {{ {RELEASE}
        {{ ?release schema:mentions ?org }} UNION {{ ?release schema:publisher ?org }}
        ?org schema:name ?name . OPTIONAL {{ ?org schema:parentOrganization/schema:name ?parent }} }}"""
    )
    wanted = str(org["name"])
    matching = []
    for row in rows:
        names = {row["name"]}
        names |= (
            {
                row["parent"] + ", " + a["n"]
                for a in store.select(PREFIXES + f"SELECT ?n WHERE {{ <{row['org']}> schema:alternateName ?n }}")
            }
            if row.get("parent")
            else set()
        )
        if wanted in names:
            matching.append(row["org"])
    assert matching, f"no mentioned organisation is named {wanted!r}"
    known = {
        r["n"]
        for r in store.select(
            PREFIXES
            + f"""SELECT ?n WHERE {{
        VALUES ?org {{ <{matching[0]}> }} {{ ?org schema:name ?n }} UNION {{ ?org schema:alternateName ?n }} }}"""
        )
    }
    for form in org["surface_forms"]:  # type: ignore[attr-defined]
        assert form in known or ask(store, f'?release schema:image/schema:creditText "{form}" .'), form


@pytest.mark.parametrize("person", GOLD["persons"], ids=lambda p: p["name"])
def test_persons_with_their_roles(store: Store, person: dict[str, str]) -> None:
    assert ask(
        store,
        f"""?release schema:mentions ?person .
        ?person a schema:Person ; schema:name "{person["name"]}" ; schema:memberOf ?role .
        ?role a schema:OrganizationRole ; schema:roleName "{person["role"]}" ; schema:startDate ?start ;
              schema:memberOf [ schema:name "{person["organisation"]}" ] .""",
    )


@pytest.mark.parametrize("area", GOLD["areas"], ids=lambda a: a["name"])
def test_areas(store: Store, area: dict[str, str]) -> None:
    assert ask(
        store,
        f"""?release schema:spatialCoverage ?area .
        ?area a pm:{area["kind"]} ; schema:name "{area["name"]}" .""",
    )


def test_lor_codes_of_both_bezirksregionen_inside_treptow_koepenick(store: Store) -> None:
    rows = store.select(
        PREFIXES
        + f"""SELECT ?name ?code WHERE {{ {RELEASE}
        ?release schema:spatialCoverage ?area .
        ?area a pm:Bezirksregion ; schema:name ?name ; pm:lorCode ?code ;
              schema:containedInPlace+ ?bezirk .
        ?bezirk a pm:Bezirk ; schema:name "Treptow-Köpenick" ; pm:lorCode "09" }} ORDER BY ?code"""
    )
    assert [(r["name"], r["code"]) for r in rows] == [("Altglienicke", "093009"), ("Allende-Viertel", "094014")]


def test_programme_phase_and_field_of_action(store: Store) -> None:
    programme = GOLD["programmes"][0]
    assert ask(
        store,
        f"""?release schema:about ?benn .
        ?benn a schema:FundingScheme ; schema:name "{programme["name"]}" ;
              schema:alternateName "{programme["acronym"]}" ;
              pm:fieldOfAction ?field .
        ?release schema:mentions ?phase , ?field .
        ?phase a pm:FundingPhase ; schema:parentOrganization ?benn ; schema:name "BENN, 2. Förderphase" ;
               schema:foundingDate ?start .
        ?field a pm:FieldOfAction ; schema:name "Netzwerkarbeit und Quartiersentwicklung" .""",
    )


@pytest.mark.parametrize("event", GOLD["events"], ids=lambda e: e["name"])
def test_events(store: Store, event: dict[str, str]) -> None:
    assert ask(
        store,
        f"""?release schema:about ?event .
        ?event a schema:Event ; schema:name "{event["name"]}"@de ;
               schema:startDate "{event["start_date"]}"^^xsd:date ; schema:subjectOf ?release ;
               schema:organizer ?org .
        ?org schema:parentOrganization [ schema:name "Bezirksamt Treptow-Köpenick" ] ;
             schema:alternateName "Bezirkliche BENN-Koordination" .""",
    )


@pytest.mark.parametrize("quote", GOLD["quotations"], ids=lambda q: q["first_words"])
def test_quotations(store: Store, quote: dict[str, str]) -> None:
    speaker = (
        f'?q schema:spokenByCharacter [ a schema:Person ; schema:name "{quote["speaker"]}" ] .'
        if quote["speaker"]
        else f'?q schema:spokenByCharacter [ a schema:Role ; schema:roleName "{quote["speaker_role"]}" ] .'
    )
    assert ask(
        store,
        f"""?release schema:hasPart ?q .
        ?q a schema:Quotation ; schema:isPartOf ?release ; schema:text ?text .
        {speaker}
        FILTER(STRSTARTS(REPLACE(STR(?text), ",", ""), "{quote["first_words"]}"))""",
    )


@pytest.mark.parametrize("contact", GOLD["contact_points"], ids=lambda c: c["office"])
def test_contact_points(store: Store, contact: dict[str, str | None]) -> None:
    phones = ""
    if contact["telephone"]:
        phones += ' ; schema:telephone "+4930902972200" ; schema:faxNumber "+4930902972210"'
    assert ask(
        store,
        f"""?release pm:pressContact ?cp .
        ?cp a schema:ContactPoint ; schema:name "{contact["office"]}" {phones} ;
            schema:address [ schema:streetAddress "{contact["street_address"]}" ;
                             schema:postalCode "{contact["postcode"]}" ; schema:addressLocality "{contact["city"]}" ] .
        ?org schema:contactPoint ?cp ; schema:name "{contact["organisation"]}" .""",
    )


def test_nothing_is_published_twice(store: Store) -> None:
    """Each release lives in its own named graph; the union holds no duplicate triple."""
    total = store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"]
    distinct = store.select(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
    )[0]["n"]
    assert total == distinct
