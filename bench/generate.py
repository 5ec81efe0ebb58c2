"""Generate N realistic synthetic press releases in the berlin.de plain-text export format.

    python -m bench.generate N OUT_DIR [--seed S]

writes OUT_DIR/releases/*.txt and a copy of the project's reference data in OUT_DIR/reference/, so that
``publisher build --data OUT_DIR`` builds them. The texts are generated for benchmarks only: every quotation
is invented, names come from the curated reference data, and no text is published.
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

from publisher.ingest.dates import month_names

DISTRICTS = [
    (
        "Treptow-Köpenick",
        "BA-TK",
        "Alt-Köpenick 21",
        "12555",
        "Oliver Igel",
        "Bezirksbürgermeister",
        ["Altglienicke", "Adlershof", "Köpenick", "Johannisthal", "Baumschulenweg"],
        ["Allende-Viertel", "Kosmosviertel"],
    ),
    (
        "Reinickendorf",
        "BA Reinickendorf",
        "Eichborndamm 215",
        "13437",
        "Frank Balzer",
        "Bezirksbürgermeister",
        ["Wittenau", "Tegel", "Hermsdorf", "Märkisches Viertel"],
        ["Letteplatz", "Wittenau-Süd"],
    ),
    (
        "Marzahn-Hellersdorf",
        "BA-MH",
        "Alice-Salomon-Platz 3",
        "12627",
        "Dagmar Pohle",
        "Bezirksbürgermeisterin",
        ["Hellersdorf", "Marzahn", "Kaulsdorf", "Mahlsdorf"],
        ["Hellersdorfer Promenade", "Alte Hellersdorfer Straße"],
    ),
    (
        "Lichtenberg",
        "BA Lichtenberg",
        "Möllendorffstraße 6",
        "10367",
        "Michael Grunst",
        "Bezirksbürgermeister",
        ["Friedrichsfelde", "Karlshorst", "Fennpfuhl", "Neu-Hohenschönhausen"],
        ["Frankfurter Allee Süd"],
    ),
    (
        "Spandau",
        "Bezirksamt Spandau",
        "Carl-Schurz-Straße 2/6",
        "13597",
        "Carola Brückner",
        "Bezirksbürgermeisterin",
        ["Staaken", "Hakenfelde", "Wilhelmstadt", "Siemensstadt"],
        ["Falkenhagener Feld West", "Heerstraße Nord"],
    ),
    (
        "Neukölln",
        "BA Neukölln",
        "Karl-Marx-Straße 83",
        "12040",
        "Martin Hikel",
        "Bezirksbürgermeister",
        ["Britz", "Buckow", "Rudow", "Gropiusstadt"],
        ["Flughafenstraße", "Rollbergsiedlung"],
    ),
]
PROGRAMMES = [
    ("BENN", "Berlin Entwickelt Neue Nachbarschaften"),
    ("FEIN", "Freiwilliges Engagement in Nachbarschaften"),
    ("QM", "Quartiersmanagement"),
    (None, "Sozialer Zusammenhalt"),
    (None, "Lebendige Zentren und Quartiere"),
]
STREETS = [
    "Hauptstraße",
    "Schulstraße",
    "Lindenallee",
    "Parkweg",
    "Am Anger",
    "Dorfstraße",
    "Kirchplatz",
    "Gartenstraße",
    "Bahnhofstraße",
    "Wiesenweg",
    "Birkenallee",
    "Uferpromenade",
]
EVENTS = ["Nachbarschaftsfest", "Infoabend", "Kiezspaziergang", "Workshop", "Sommerfest", "Stadtteilkonferenz"]
OPENERS = [
    "Gemeinsam mit den Menschen vor Ort wollen wir {topic} weiter voranbringen.",
    "Nachbarschaft entsteht dort, wo Menschen sich begegnen und einander zuhören.",
    "Wir danken allen, die sich mit so viel Einsatz für {area} engagieren.",
    "Mit diesem Schritt stärken wir den Zusammenhalt in {area} ganz konkret.",
]
BODY = [
    "Im Mittelpunkt stehen ein besseres Miteinander im Kiez, mehr Rückhalt für Familien und attraktive Treffpunkte.",
    "Für kleinere Projekte gibt es einen Aktionsfonds, über dessen Verwendung Bewohnerinnen und "
    "Bewohner mitentscheiden.",
    "Das Team ist im Stadtteil unterwegs und sucht das Gespräch mit Einrichtungen, Vereinen und Initiativen.",
    "Anträge können formlos gestellt werden; beraten wird vor Ort und telefonisch.",
    "Die Vorhaben reichen von Pflanzaktionen über Sprachcafés bis zu gemeinsamen Festen im Wohnumfeld.",
]


def release(i: int, rng: random.Random) -> tuple[str, str]:
    district, credit, street, postcode, mayor, role, places, quarters = rng.choice(DISTRICTS)
    acronym, programme = rng.choice(PROGRAMMES)
    published = date(2017, 1, 1) + timedelta(days=rng.randrange(0, 3200))
    place = rng.choice(places)
    quarter = rng.choice(quarters)
    event = rng.choice(EVENTS)
    day = published + timedelta(days=rng.randrange(2, 30))
    hour = rng.choice([10, 14, 15, 17, 18])
    venue_street = f"{rng.choice(STREETS)} {rng.randrange(1, 120)}"
    name = f"{programme} ({acronym})" if acronym else programme
    title = f"{place}: {event} im {quarter} – Nr. {i}"
    number = (
        f"Pressemitteilung Nr. {rng.randrange(100, 999)}/{published.year} vom"
        if rng.random() < 0.3
        else "Pressemitteilung vom"
    )
    quote = rng.choice(OPENERS).format(topic=programme, area=place)
    body = " ".join(rng.sample(BODY, 3))
    text = (
        f"{title}\n\n"
        f"Direkt zur Kontaktinformation {number} {published.strftime('%d.%m.%Y')} Bild: {credit} "
        f"Am {day.day}. {month_names()[day.month - 1]} {day.year} lädt das Bezirksamt {district} "
        f"um {hour} Uhr zum {event} "
        f"in der {venue_street} im Ortsteil {place} ein. Das Vorhaben wird aus dem Programm {name} gefördert und "
        f"richtet sich an alle Nachbarinnen und Nachbarn im Quartier {quarter}. {body} "
        f"{role} {mayor}: „{quote} Ich lade alle herzlich ein, vorbeizukommen und mitzumachen.“ "
        f"Weitere Termine werden rechtzeitig bekannt gegeben. "
        f"Kontakt Pressestelle {street} {postcode} Berlin "
        # a press office has a few telephone numbers, not one per release
        f"Tel.: (030) 9029{sum(map(ord, district)) % 9 + 1} - {2300 + rng.randrange(3)} "
        f"E-Mail E-Mail Pressestelle Folgen Sie uns Facebook Instagram YouTube"
    )
    return f"{published.isoformat()}-{i:06d}.txt", text


def generate(count: int, out: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    releases = out / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    reference = Path(__file__).resolve().parent.parent / "data" / "reference"
    shutil.copytree(reference, out / "reference", dirs_exist_ok=True)
    for i in range(count):
        name, text = release(i, rng)
        (releases / name).write_text(text, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.count, args.out, args.seed)


if __name__ == "__main__":
    main()
