"""Finding mentions of entities in a text segment: curated names first, then the patterns of German
administrative prose for what the reference data does not know yet.

A mention is a span of the segment with a category (org, unit, team, person, area, programme, ...) and either
the IRIs of curated candidates or the data needed to mint a new entity. Spans never overlap: team names
("BENN Allende-Viertel") are found before the area they contain, organisation names before the district names
inside them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from publisher.ingest.dates import month_names, weekday_names
from publisher.ingest.gazetteer import Gazetteer, Token, normalize, tokenize

# ---------------------------------------------------------------- word lists

STREET_SUFFIX = re.compile(
    r"(straße|strasse|str\.|weg|allee|damm|platz|ring|chaussee|ufer|promenade|steig|pfad|zeile|gasse|"
    r"markt|brücke|graben|steg|anger|berg|korso|boulevard|hof)$",
    re.IGNORECASE,
)
STREET_NAME = re.compile(
    r"(straße|strasse|str\.|weg|allee|damm|platz|ring|chaussee|ufer|promenade|steig|pfad|zeile|gasse|korso|"
    r"boulevard)$",
    re.IGNORECASE,
)
STREET_WORDS = {
    "Straße",
    "Strasse",
    "Str.",
    "Weg",
    "Allee",
    "Damm",
    "Platz",
    "Ring",
    "Chaussee",
    "Ufer",
    "Promenade",
    "Steig",
    "Pfad",
    "Zeile",
    "Gasse",
    "Markt",
    "Brücke",
    "Graben",
    "Anger",
    "Korso",
    "Boulevard",
}
FEMININE_STREETS = ("straße", "strasse", "allee", "chaussee", "promenade", "gasse", "zeile", "brücke", "str.")
NEUTER_STREETS = ("ufer",)
AREA_SUFFIX = re.compile(
    r"(viertel|kiez|siedlung|quartier|feld|-nord|-süd|-ost|-west|nord|süd|ost|west|dorf|berg|felde|hagen|"
    r"heide|au|burg|garten|stadt|see|wald|hof|tal|park|straße|platz|allee|damm|weg|ring|chaussee|ufer|"
    r"promenade|aue|horst|werder|brunnen|grund|höhe|ried|winkel|siedlung|ort|vorstadt|insel|kolonie)$",
    re.IGNORECASE,
)
ROLE_HEAD = re.compile(
    r"(bürgermeister|bürgermeisterin|stadtrat|stadträtin|senator|senatorin|staatssekretär|staatssekretärin|"
    r"beauftragte|beauftragter|leiter|leiterin|leitung|koordinator|koordinatorin|manager|managerin|"
    r"geschäftsführer|geschäftsführerin|vorsitzende|vorsitzender|sprecher|sprecherin|direktor|direktorin|"
    r"präsident|präsidentin|vorstand|vorständin|referent|referentin|mitarbeiter|mitarbeiterin|"
    r"bezirksverordnete|bezirksverordneter|abgeordnete|abgeordneter|pfarrer|pfarrerin|"
    r"ansprechpartner|ansprechpartnerin|planer|planerin|stadtplaner|stadtplanerin|sozialarbeiter|"
    r"sozialarbeiterin|dezernent|dezernentin|amtsleiter|amtsleiterin|ministerin|minister|"
    r"bürgerdeputierte|bürgerdeputierter|quartiersrätin|quartiersrat|quartiersmanagerin|quartiersmanager|"
    r"teamleiterin|teamleiter|projektleiterin|projektleiter|koordinierende|bewohnerin|bewohner|anwohnerin|"
    r"anwohner|schulleiterin|schulleiter|erzieherin|erzieher|inhaberin|inhaber|gründerin|gründer|"
    r"initiatorin|initiator|ehrenamtliche|ehrenamtlicher|moderatorin|moderator|architektin|architekt|"
    r"vertreterin|vertreter|bezirksbürgermeisterin|bezirksbürgermeister)"
    r"(s|es|en|innen)?$",
    re.IGNORECASE,
)
ROLE_NOT = {
    "Mitarbeiter",
    "Mitarbeitern",
    "Mitarbeiterinnen",
    "Vertreterinnen",
    "Vertretern",
    "Bewohnern",
    "Bewohnerinnen",
    "Anwohnern",
    "Anwohnerinnen",
    "Leitung",
    "Vorstand",
    "Ehrenamtliche",
}
TITLES = {"Dr.", "Dr", "Prof.", "Prof", "Dr.-Ing.", "Dipl.-Ing.", "Dr.in"}
PARTICLES = {"von", "van", "de", "zu", "der", "den", "da", "di", "le", "la", "el", "al", "bin", "ter"}
NOT_NAME = {
    "Der",
    "Die",
    "Das",
    "Dem",
    "Den",
    "Des",
    "Ein",
    "Eine",
    "Einen",
    "Einem",
    "Einer",
    "Und",
    "Oder",
    "Im",
    "In",
    "Am",
    "An",
    "Auf",
    "Aus",
    "Bei",
    "Mit",
    "Nach",
    "Seit",
    "Von",
    "Vom",
    "Zu",
    "Zum",
    "Zur",
    "Für",
    "Über",
    "Unter",
    "Wir",
    "Ich",
    "Sie",
    "Er",
    "Es",
    "Ihr",
    "Unser",
    "Unsere",
    "Mein",
    "Meine",
    "Dies",
    "Diese",
    "Dieser",
    "Dieses",
    "Wer",
    "Wie",
    "Was",
    "Wo",
    "Ob",
    "So",
    "Auch",
    "Nur",
    "Noch",
    "Schon",
    "Damit",
    "Dabei",
    "Bezirk",
    "Bezirks",
    "Bezirksamt",
    "Bezirksamtes",
    "Senat",
    "Senats",
    "Senatsverwaltung",
    "Team",
    "Teams",
    "Berlin",
    "Berliner",
    "Nachbarschaft",
    "Kiez",
    "Quartier",
    "Programm",
    "Projekt",
    "Uhr",
    "Euro",
    "Tel",
    "Fax",
    "E-Mail",
    "Kontakt",
    "Pressestelle",
    "Grußwort",
    "Grußworte",
    "Heute",
    "Gemeinsam",
    "Alle",
    "Viele",
    "Herr",
    "Frau",
    "Ortsteil",
    "Stadtteil",
    "Straße",
    "Platz",
    "Allee",
    "Weg",
    "Bürgerinnen",
    "Bürger",
    "Nachbarinnen",
    "Nachbarn",
    "Menschen",
    "Kinder",
    "Familien",
    "Gäste",
    "Neue",
    "Neuen",
    "Jahr",
    "Jahre",
    "Zeit",
    "Ziel",
    "Ziele",
    "Idee",
    "Ideen",
    "Arbeit",
    "Büro",
    "Stadt",
    "Land",
    "Bund",
    "Fonds",
    "Gebiet",
    "Gebiete",
    "Gebieten",
    "Gebiets",
    "Standort",
    "Standorte",
    "Standorten",
    "Verfahren",
    "Verfahrens",
    "Treffen",
    "Fest",
    "Eröffnung",
    "Programms",
    "Projekte",
    "Projekten",
}
NOT_NAME |= set(month_names()) | set(weekday_names())
CUE_KINDS = {
    "Bezirk": "Bezirk",
    "Bezirks": "Bezirk",
    "Bezirke": "Bezirk",
    "Bezirken": "Bezirk",
    "Ortsteil": "Ortsteil",
    "Ortsteils": "Ortsteil",
    "Ortsteile": "Ortsteil",
    "Ortsteilen": "Ortsteil",
    "Bezirksregion": "Bezirksregion",
    "Bezirksregionen": "Bezirksregion",
    "Planungsraum": "Planungsraum",
    "Planungsraums": "Planungsraum",
    "Planungsräume": "Planungsraum",
    "Planungsräumen": "Planungsraum",
    "Prognoseraum": "Prognoseraum",
    "Prognoseraums": "Prognoseraum",
    "Quartier": "Quartier",
    "Quartiers": "Quartier",
    "Quartiere": "Quartier",
    "Quartieren": "Quartier",
    "Fördergebiet": "Quartier",
    "Fördergebiets": "Quartier",
    "Gebiet": "Quartier",
    "Gebiets": "Quartier",
    "BENN-Gebiet": "Quartier",
    "BENN-Gebiets": "Quartier",
    "BENN-Gebieten": "Quartier",
    "QM-Gebiet": "Quartier",
    "QM-Gebiets": "Quartier",
    "Kiez": "Quartier",
    "Siedlung": "Quartier",
}
LEGAL_FORMS = {"GmbH", "gGmbH", "mbH", "AG", "eG", "e.V.", "e.V", "KG", "UG", "gAG", "SE", "GbR", "e. V.", "gUG"}
NAME_CONNECTORS = {"für", "und", "der", "des", "im", "in", "am", "zur", "zum", "von", "&", "+", "–", "-", "an", "auf"}
HEAD_ORGS = {
    "Bürgerverein",
    "Förderverein",
    "Verein",
    "Wohnungsbaugenossenschaft",
    "Wohnungsgenossenschaft",
    "Genossenschaft",
    "Stiftung",
    "Quartiersrat",
    "Nachbarschaftsverein",
    "Mieterbeirat",
    "Mieterrat",
    "Bürgerinitiative",
    "Kiezrat",
    "Stadtteilverein",
    "Heimatverein",
    "Sportverein",
    "Kirchengemeinde",
    "Mieterverein",
    "Gewerbeverein",
    "Unternehmensnetzwerk",
    "Aktionsbündnis",
    "Präventionsrat",
    "Stadtteilkonferenz",
    "Quartiersbeirat",
    "Vergabebeirat",
    "Elternverein",
    "Jugendverband",
    "Aktionsfondsjury",
    "Bezirksverordnetenversammlung",
    "Integrationsbeirat",
    "Seniorenvertretung",
    "Jugendjury",
    "Bürgerstiftung",
    "FreiwilligenAgentur",
    "Freiwilligenagentur",
    "Mieterberatung",
    "Nachbarschaftsetage",
    "Stadtteilzentrum",
    "Familienzentrum",
    "Nachbarschaftszentrum",
    "Nachbarschaftshaus",
    "Mehrgenerationenhaus",
    "Jugendclub",
    "Jugendzentrum",
    "Kinder- und Jugendzentrum",
    "Stadtteilzentrums",
    "Begegnungsstätte",
}
UNIT_WORDS = {
    "Integrationsbüro",
    "Bezirksbürgermeisterbüro",
    "Sozialraumkoordination",
    "Wirtschaftsförderung",
    "Ehrenamtsbüro",
    "Koordinierungsstelle",
}
HEAD_ORGS |= {
    "Geschäftsstraßenmanagement",
    "Stadtteilvertretung",
    "Stadtteilkoordination",
    "Stadtteilmanagement",
    "Gebietsvertretung",
    "Betroffenenvertretung",
}
#: Bodies named after their place ("Quartiersrat Soldiner Straße"), never after a common noun.
PLACE_BOUND_ORGS = {
    "Quartiersrat",
    "Aktionsfondsjury",
    "Vergabebeirat",
    "Quartiersbeirat",
    "Kiezrat",
    "Jugendjury",
    "Geschäftsstraßenmanagement",
    "Stadtteilvertretung",
    "Stadtteilkoordination",
    "Stadtteilmanagement",
    "Gebietsvertretung",
    "Betroffenenvertretung",
    "Präventionsrat",
}
#: Facilities that are places in one sentence and organisations in the next.
FACILITIES = {
    "Stadtteilzentrum",
    "Familienzentrum",
    "Nachbarschaftszentrum",
    "Nachbarschaftshaus",
    "Mehrgenerationenhaus",
    "Jugendclub",
    "Jugendzentrum",
    "Begegnungsstätte",
}
BUILDING_HEADS = {
    "Rathaus",
    "Gemeinschaftshaus",
    "Bürgerhaus",
    "Jugendfreizeiteinrichtung",
    "Kulturhaus",
    "Stadtbibliothek",
    "Bibliothek",
    "Kiezladen",
    "Stadtteilladen",
    "Kiezhaus",
    "Freizeitforum",
    "Kita",
    "Seniorenfreizeitstätte",
    "Stadtteilbibliothek",
    "Kinderhaus",
    "Gemeindehaus",
    "Kulturzentrum",
    "Café",
    "Kiezcafé",
    "Nachbarschaftscafé",
    "Stadtteiltreff",
    "Kiezspinne",
    "Bürgeramt",
    "Kirche",
    "Sporthalle",
    "Turnhalle",
    "Schwimmhalle",
    "Kinderbauernhof",
    "Jugendfarm",
    "Bahnhof",
    "S-Bahnhof",
    "U-Bahnhof",
    "Begegnungszentrum",
    "Stadtteilhaus",
    "Jugendhaus",
    "Schule",
    "Grundschule",
    "Gemeinschaftsschule",
    "Oberschule",
    "Gymnasium",
    "Aula",
    "Theater",
    "Museum",
    "Galerie",
}
BUILDING_SUFFIX = re.compile(
    r"^[A-ZÄÖÜ][\wäöüß-]*(-schule|-grundschule|-gymnasium|-oberschule|kirche|-halle|-haus|"
    r"-bibliothek|-bad|-stadion|bahnhof)$",
    re.IGNORECASE,
)
OPEN_SPACE_HEADS = {"Volkspark", "Landschaftspark", "Grünzug", "Stadtpark", "Kiezpark", "Naturpark", "Bürgerpark"}
OPEN_SPACE_SUFFIX = re.compile(r"^[A-ZÄÖÜ][\wäöüß-]*(park|see|fließ|wiese|wäldchen|garten)$", re.IGNORECASE)
OPEN_SPACE_NOT = {
    "Parkplatz",
    "Spielplatz",
    "Fuhrpark",
    "Wohnpark",
    "Gewerbepark",
    "Technologiepark",
    "Kindergarten",
    "Garten",
    "Gemeinschaftsgarten",
    "Schulgarten",
    "Kleingarten",
    "Vorgarten",
    "Hausgarten",
    "See",
}
QUARTIER_HEADS = {"Großsiedlung", "Siedlung", "Wohnsiedlung", "Wohnanlage", "Wohngebiet", "Neubaugebiet"}
UNIT_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^(?:OE\s+)?Sozialraumorientierte[n]?\s+Planungskoordination$"),
        "Sozialraumorientierte Planungskoordination",
    ),
    (re.compile(r"^SPK$"), "Sozialraumorientierte Planungskoordination"),
    (re.compile(r"^(?:[Bb]ezirkliche[n]?\s+)?BENN-Koordination$"), "BENN-Koordination"),
    (re.compile(r"^Pressestellen?$"), "Pressestelle"),
]
ALL_HEADS = HEAD_ORGS | BUILDING_HEADS | OPEN_SPACE_HEADS | QUARTIER_HEADS
GENITIVE_HEADS: dict[str, str] = {h + "s": h for h in OPEN_SPACE_HEADS}
GENITIVE_HEADS |= {
    h + suffix: h for h in HEAD_ORGS | BUILDING_HEADS for suffix in ("s", "es") if suffix == "es" or not h.endswith("s")
}
UNIT_FIRST_WORDS = {
    "OE",
    "Sozialraumorientierte",
    "Sozialraumorientierten",
    "SPK",
    "Bezirkliche",
    "bezirkliche",
    "Bezirklichen",
    "bezirklichen",
    "BENN-Koordination",
    "Pressestelle",
    "Pressestellen",
}
AMT = re.compile(r"^[A-ZÄÖÜ][a-zäöüß]+(?:-|s)?amt(?:es|s)?$")
AMT_NOT = {
    "Bezirksamt",
    "Bezirksamtes",
    "Bezirksamts",
    "Landesamt",
    "Bundesamt",
    "Finanzamt",
    "Ehrenamt",
    "Ehrenamtes",
    "Ehrenamts",
    "Amt",
    "Amtes",
    "Amts",
    "Bürgeramt",
    "Gesamt",
    "Insgesamt",
    "Standesamt",
}
LOWER_ROLE_ADJECTIVE = re.compile(
    r"(stellvertretende|kommissarische|ehemalige|neue|amtierende|langjährige|"
    r"zuständige|scheidende|designierte)[rn]?"
)
SPEECH_VERB_WORDS = (
    r"sagt|sagte|so|erklärt|erklärte|betont|betonte|ergänzt|ergänzte|meint|meinte|berichtet|"
    r"unterstreicht|freut sich|resümiert|bilanziert|dankt|lobt|wünscht sich|ruft"
)
#: Compounds that look like place names but are common nouns.
GENERIC_PLACES = {
    "quartiersplatz",
    "kiezplatz",
    "stadtplatz",
    "vorplatz",
    "spielplatz",
    "marktplatz",
    "parkplatz",
    "sportplatz",
    "bolzplatz",
    "dorfplatz",
    "festplatz",
    "standplatz",
    "arbeitsplatz",
    "ausbildungsplatz",
    "stellplatz",
    "kitaplatz",
    "schulweg",
    "radweg",
    "gehweg",
    "fußweg",
    "rundweg",
    "wanderweg",
    "umweg",
    "schulhof",
    "innenhof",
    "hinterhof",
    "bahnhof",
    "friedhof",
    "wochenmarkt",
    "weihnachtsmarkt",
    "flohmarkt",
    "nachbarschaftsgarten",
    "gemeinschaftsgarten",
    "schulgarten",
    "kindergarten",
    "mietergarten",
    "kirche",
    "wohnhaus",
    "rathaus",
    "hochhaus",
    "gemeindehaus",
    "elternhaus",
    "krankenhaus",
    "treppenhaus",
    "hallenbad",
    "freibad",
    "stadtpark",
    "kiezpark",
    "wohnpark",
    "grundschule",
    "oberschule",
    "schule",
    "baustelle",
}
_COLON_QUOTE = re.compile(r"\s*:\s*[„\"«»“]")
COMPASS = ("Nord", "Süd", "Ost", "West")
#: Adjectives that open the name of a street written as one word ("Neue Krugallee").
STREET_ADJECTIVES = {
    "Alte",
    "Alten",
    "Neue",
    "Neuen",
    "Große",
    "Großen",
    "Kleine",
    "Kleinen",
    "Lange",
    "Langen",
    "Hohe",
    "Hohen",
    "Breite",
    "Breiten",
    "Schöne",
    "Schönen",
    "Stille",
    "Obere",
    "Oberen",
    "Untere",
    "Unteren",
    "Innere",
    "Inneren",
    "Äußere",
    "Äußeren",
    "Am",
    "An",
    "Unter",
    "Alt",
    "Neu",
    "Hinter",
    "Vor",
    "Auf",
}


@dataclass
class Mention:
    """A recognised span of a segment."""

    start: int
    end: int
    text: str
    category: str  # org, unit, team, team-ref, bare-org, person, area, programme, phase, field
    iris: list[str] = field(default_factory=list)
    data: dict[str, str] = field(default_factory=dict)
    first_token: int = 0
    last_token: int = 0


def _gap(text: str, a: Token, b: Token) -> str:
    return text[a.end : b.start]


def _joined(text: str, tokens: list[Token], i: int, j: int) -> bool:
    """Tokens i..j-1 follow each other with nothing but spaces (and hyphens) between."""
    return all(_gap(text, tokens[k], tokens[k + 1]).strip() in ("",) for k in range(i, j - 1))


#: A word that may be a name ("Müller", "Schmidt-Lüders"); the patterns of the hot paths are compiled once.
NAME_WORD = re.compile(r"[A-ZÄÖÜ][a-zäöüßéèáàíóúñçğşı'’]+(?:-[A-ZÄÖÜ][a-zäöüßéèáàíóúñçğşı'’]+)?")
#: The genitive ending of a noun ("Quartiersrates" -> "Quartiersrat").
GENITIVE = re.compile(r"(es|s)$")
#: A quarter named by its kind ("Kosmosviertel", "Kiez", "Dammwegsiedlung").
QUARTER_WORD = re.compile(r"^[A-ZÄÖÜ][\wäöüß-]*(viertel|kiez|siedlung|-gelände)$", re.IGNORECASE)
#: A quarter named as part of an area ("Wittenau-Süd").
QUARTER_PART = re.compile(r"^[A-ZÄÖÜ][\wäöüß]+-(Nord|Süd|Ost|West|Mitte|Zentrum)$")


def _cap(word: str) -> bool:
    return word[:1].isupper()


def nominative_role(word: str) -> str:
    """ "Bezirksbürgermeisters" -> "Bezirksbürgermeister" (genitive and weak endings removed)."""
    for suffix, repl in (("innen", "in"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and ROLE_HEAD.search(word[: len(word) - len(suffix)] + repl):
            base = word[: len(word) - len(suffix)] + repl
            if ROLE_HEAD.search(base) and not base.endswith("in" + "in"):
                return base
    if word.endswith("en") and re.search(
        r"(präsident|referent|vorsitzend|beauftragt|abgeordnet|"
        r"bezirksverordnet|bürgerdeputiert|ehrenamtlich)en$",
        word,
        re.I,
    ):
        return (
            word[:-1]
            if word.lower().endswith(("nden", "ten")) and not word.lower().endswith(("präsidenten", "referenten"))
            else word[:-2]
        )
    return word


def is_role(word: str) -> bool:
    return bool(_cap(word) and ROLE_HEAD.search(word) and word not in ROLE_NOT)


def looks_like_name(word: str) -> bool:
    if not _cap(word) or word in NOT_NAME or (word.isupper() and len(word) > 1):
        return False
    if STREET_SUFFIX.search(word) or is_role(word) or AMT.match(word):
        return False
    if word.endswith(("ung", "ungen", "heit", "keit", "schaft", "schaften", "tion", "tionen", "ismus", "tät")):
        return False
    return bool(NAME_WORD.fullmatch(word))


class Recogniser:
    """Finds mentions in text segments."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gaz = gazetteer

    # ------------------------------------------------------------ helpers

    def _area_like(self, text: str, tokens: list[Token], i: int, limit: int = 4) -> int:
        """How many tokens from i form an area name (0 if none): a curated name, or a place-like phrase."""
        for n in range(min(limit, len(tokens) - i), 0, -1):
            if not _joined(text, tokens, i, i + n):
                continue
            key = " ".join(t.text for t in tokens[i : i + n])
            if any(self.gaz.get(iri).category == "area" for iri in self.gaz.lookup(key)):
                return n
        complete = 0
        for k in range(i, min(i + limit, len(tokens))):
            word = tokens[k].text
            if k > i and not _joined(text, tokens, k - 1, k + 1):
                break
            if not _cap(word) or (word in NOT_NAME and word not in STREET_WORDS):
                break
            if complete and word not in (*COMPASS, "Mitte", "II", "III"):
                break
            if AREA_SUFFIX.search(word) or ("-" in word and word[-1] != "-") or word in COMPASS:
                complete = k - i + 1
        return complete

    def _mk(self, text: str, tokens: list[Token], i: int, j: int, category: str, **kw: object) -> Mention:
        end = tokens[j - 1].end
        if end < len(text) and text[end] == "." and "." in tokens[j - 1].text:
            end += 1  # "e.V.", "L.I.S.T."
        m = Mention(tokens[i].start, end, text[tokens[i].start : end], category, first_token=i, last_token=j)
        iris = kw.pop("iris", None)
        if iris:
            m.iris = list(iris)  # type: ignore[call-overload]
        m.data = {k: str(v) for k, v in kw.items() if v is not None}
        return m

    # ------------------------------------------------------------ the passes

    def recognise(self, text: str) -> list[Mention]:
        tokens = tokenize(text)
        taken: set[int] = set()
        mentions: list[Mention] = []
        n = len(tokens)

        def take(m: Mention) -> None:
            mentions.append(m)
            taken.update(range(m.first_token, m.last_token))

        def free(i: int, j: int) -> bool:
            return j <= n and taken.isdisjoint(range(i, j))

        # 1. names that contain a place: teams, associations, companies, buildings, parks, estates
        self._teams(text, tokens, free, take)
        self._head_nouns(text, tokens, free, take, taken)
        self._legal_forms(text, tokens, free, take, taken)
        self._units(text, tokens, free, take, phrases_only=True)
        # 2. curated names
        for i, j, iris in list(self.gaz.matches(tokens, taken)):
            if not free(i, j):
                continue
            cats = {self.gaz.get(iri).category for iri in iris}
            category = next(iter(cats)) if len(cats) == 1 else self._prefer(cats)
            chosen = [iri for iri in iris if self.gaz.get(iri).category == category]
            take(self._mk(text, tokens, i, j, category, iris=chosen))
        # 3. bodies named by their remit: "Senatsverwaltung für A, B und C", "Ministerium für ..."
        self._remits(text, tokens, free, take)
        # 4. organisational units: "Pressestelle", "SPK", "Stadtentwicklungsamt"
        self._units(text, tokens, free, take, phrases_only=False)
        # 5. references the context resolves: "das Bezirksamt", "das BENN-Team", "der Quartiersrat"
        self._references(text, tokens, free, take)
        # 6. people
        self._people(text, tokens, taken, free, take, mentions)
        # 7. places by their form: streets, parks, quarters
        self._places(text, tokens, taken, take)
        # 8. phases, fields of action, programmes introduced as such
        self._programme_parts(text, tokens, free, take)
        mentions.sort(key=lambda m: m.start)
        self._cues(text, tokens, mentions)
        for m in mentions:
            if m.category == "area":
                m.data["context"] = text[max(0, m.start - 16) : m.start]
        return mentions

    def _teams(
        self, text: str, tokens: list[Token], free: Callable[[int, int], bool], take: Callable[[Mention], None]
    ) -> None:
        """Local teams: "BENN Allende-Viertel", "BENN-Team Wittenau-Süd", "QM am Mehringplatz"."""
        n = len(tokens)
        for i, tok in enumerate(tokens):
            word = tok.text
            if word in ("BENN", "BENN-Team", "BENN-Teams"):
                programme = "BENN"
            elif word in ("QM", "QM-Team", "Quartiersmanagement", "Quartiersmanagements", "QM-Teams"):
                programme = "Quartiersmanagement"
            else:
                continue
            if i + 1 >= n or not free(i, i + 1) or _gap(text, tok, tokens[i + 1]).strip():
                continue
            start = i + 1
            preposition = ""
            if tokens[start].text in ("am", "im") or (
                tokens[start].text == "an" and start + 1 < n and tokens[start + 1].text == "der"
            ):
                preposition = tokens[start].text + (" der" if tokens[start].text == "an" else "")
                start += 2 if tokens[start].text == "an" else 1
            if start >= n:
                continue
            length = self._area_like(text, tokens, start)
            if length and free(i, start + length) and _joined(text, tokens, i, start + length):
                area = " ".join(t.text for t in tokens[start : start + length])
                name = f"{programme} {preposition + ' ' if preposition else ''}{area}"
                take(self._mk(text, tokens, i, start + length, "team", programme=programme, area=area, name=name))

    def _head_nouns(
        self,
        text: str,
        tokens: list[Token],
        free: Callable[[int, int], bool],
        take: Callable[[Mention], None],
        taken: set[int],
    ) -> None:
        n = len(tokens)
        for i, tok in enumerate(tokens):
            word = tok.text
            compound = None
            if word not in ALL_HEADS and word not in GENITIVE_HEADS:
                # "Gutspark Marienfelde", "Dorfkirche Marienfelde": a place noun with the name of its place
                if not (word[:1].isupper() and (OPEN_SPACE_SUFFIX.match(word) or BUILDING_SUFFIX.match(word))):
                    continue
                if word in OPEN_SPACE_NOT or word.lower() in GENERIC_PLACES or i + 1 >= n:
                    continue
                if not any(self.gaz.get(iri).category == "area" for iri in self.gaz.lookup(tokens[i + 1].text)):
                    continue
                compound = "Freiflaeche" if OPEN_SPACE_SUFFIX.match(word) else "Gebaeude"
            if not free(i, i + 1) or i + 1 >= n or not _joined(text, tokens, i, i + 2):
                continue
            head = word if compound or word in ALL_HEADS else GENITIVE_HEADS.get(word)
            if head is None:
                continue
            start = i + 1
            if head in QUARTIER_HEADS and tokens[start].text in ("an", "am", "in", "im"):
                start += 1
                if start < n and tokens[start].text in ("der", "den", "dem"):
                    start += 1
            if start >= n:
                continue
            quoted = re.match(r"\s*[„\"«]([^“”\"»]{2,60})[“”\"»]", text[tok.end : tok.end + 80])
            if quoted and head not in QUARTIER_HEADS and not compound:
                j = i + 1
                while j < n and tokens[j].end <= tok.end + quoted.end():
                    j += 1
                if free(i, j):
                    kind = "Gebaeude" if head in BUILDING_HEADS else "Freiflaeche" if head in OPEN_SPACE_HEADS else None
                    name = f"{head} „{quoted.group(1).strip()}“"
                    if kind:
                        take(self._mk(text, tokens, i, j, "area", kind=kind, name=name))
                    else:
                        take(self._mk(text, tokens, i, j, "org", name=name, kind="Organization"))
                continue
            if head in PLACE_BOUND_ORGS or compound:
                # a council or a park takes the name of its place, never a common noun ("Aktionsfondsjury Anträge")
                length = self._area_like(text, tokens, start)
            else:
                length = self._area_like(text, tokens, start) or self._name_run(text, tokens, start, taken)
            if not length or not free(i, start + length):
                continue
            if (
                start + length < n
                and re.fullmatch(r"\d{1,3}[a-z]?", tokens[start + length].text)
                and _joined(text, tokens, start + length - 1, start + length + 1)
            ):
                length += 1
            end = start + length
            if (
                end < n
                and (tokens[end].text in LEGAL_FORMS or tokens[end].text == "e.")
                and _joined(text, tokens, end - 1, end + 1)
            ):
                end += 2 if tokens[end].text == "e." else 1
            first = i
            if (
                i > 0
                and (i - 1) not in taken
                and re.fullmatch(r"[A-ZÄÖÜ][a-zäöüß]+(e|er|es|en)", tokens[i - 1].text)
                and tokens[i - 1].text not in NOT_NAME
                and _joined(text, tokens, i - 1, i + 1)
            ):
                first = i - 1  # "Evangelische Schule Neukölln"
            surface = text[tokens[first].start : tokens[end - 1].end]
            base = f"{head}{surface[len(word) :]}" if first == i else surface
            if first < i and tokens[first].text.endswith("en"):
                # "in der Evangelischen Schule" -> "Evangelische Schule"
                base = tokens[first].text[:-1] + text[tokens[first].end : tokens[end - 1].end]
            if compound:
                take(self._mk(text, tokens, first, end, "area", kind=compound, name=base))
                continue
            if head in FACILITIES:
                # a facility is a place where something happens in it, an organisation where it acts
                before = text[max(0, tokens[first].start - 12) : tokens[first].start]
                if re.search(r"\b(im|in|ins|am|beim|vor dem|zum|in das)\s+$", before):
                    take(self._mk(text, tokens, first, end, "area", kind="Gebaeude", name=base))
                    continue
            if head in HEAD_ORGS:
                key = normalize(base)
                found = [iri for iri in self.gaz.lookup(key) if self.gaz.get(iri).category == "org"]
                take(self._mk(text, tokens, i, end, "org", iris=found or None, name=base, kind="Organization"))
            else:
                kind = (
                    "Gebaeude" if head in BUILDING_HEADS else "Freiflaeche" if head in OPEN_SPACE_HEADS else "Quartier"
                )
                take(self._mk(text, tokens, i, end, "area", kind=kind, name=base))

    def _legal_forms(
        self,
        text: str,
        tokens: list[Token],
        free: Callable[[int, int], bool],
        take: Callable[[Mention], None],
        taken: set[int],
    ) -> None:
        """Companies and associations by their legal form: "Mieterberatung Prenzlauer Berg GmbH"."""
        n = len(tokens)
        for i, tok in enumerate(tokens):
            word = tok.text
            legal = word in LEGAL_FORMS or (word == "e." and i + 1 < n and tokens[i + 1].text.startswith("V"))
            if not legal or not free(i, i + 1):
                continue
            end = i + 2 if word == "e." else i + 1
            j = i
            while j > 0:
                prev = tokens[j - 1].text
                gap = _gap(text, tokens[j - 1], tokens[j]).strip()
                if (j - 1) in taken or gap not in ("", "–", "-", "+", "&"):
                    break
                if prev in NOT_NAME and prev not in ("Neue",):
                    break
                if (
                    _cap(prev)
                    or prev in ("–", "+", "&")
                    or re.match(r"^[A-ZÄÖÜ][\w.]*\.$", prev)
                    or prev[:1].isdigit()
                    or (
                        prev in NAME_CONNECTORS
                        and j - 2 >= 0
                        and _cap(tokens[j - 2].text)
                        and (j - 2) not in taken
                        and tokens[j - 2].text not in NOT_NAME
                    )
                ):
                    j -= 1
                else:
                    break
            while j < i and (tokens[j].text in NAME_CONNECTORS or not _cap(tokens[j].text)):
                j += 1
            if j < i and free(j, end):
                name = text[tokens[j].start : tokens[end - 1].end]
                if word in ("e.V", "e."):
                    name = name if name.endswith(".") else name + "."
                key = normalize(name)
                found = [iri for iri in self.gaz.lookup(key) if self.gaz.get(iri).category == "org"]
                kind = "NGO" if word.startswith("e.") else "Corporation"
                take(self._mk(text, tokens, j, end, "org", iris=found or None, name=name, kind=kind))

    def _remits(
        self, text: str, tokens: list[Token], free: Callable[[int, int], bool], take: Callable[[Mention], None]
    ) -> None:
        n = len(tokens)
        for i, tok in enumerate(tokens):
            if (
                tok.text
                not in (
                    "Senatsverwaltung",
                    "Ministerium",
                    "Ministeriums",
                    "Landesamt",
                    "Bundesamt",
                    "Bundesministerium",
                    "Bundesministeriums",
                    "Senatskanzlei",
                    "Stiftung",
                )
                or i + 2 >= n
                or tokens[i + 1].text != "für"
                or not free(i, i + 3)
            ):
                continue
            j = i + 2
            last_und = None
            while j < n and j - i < 14:
                word = tokens[j].text
                gap = _gap(text, tokens[j - 1], tokens[j]).strip()
                if gap not in ("", ","):
                    break
                if word == "und":
                    last_und = j
                elif not _cap(word) or word in ("Pressestelle",) or STREET_SUFFIX.search(word) or is_role(word):
                    break
                j += 1
            if last_und is not None and last_und + 1 < j:
                end = last_und + 2
            elif any(_gap(text, tokens[k - 1], tokens[k]).strip() == "," for k in range(i + 3, j)):
                end = next(k for k in range(i + 3, j) if _gap(text, tokens[k - 1], tokens[k]).strip() == ",")
            else:
                end = min(j, i + 3)
            if end > i + 2 and free(i, end):
                head = re.sub(r"s$", "", tok.text) if tok.text.endswith("iums") else tok.text
                name = head + text[tok.end : tokens[end - 1].end]
                take(self._mk(text, tokens, i, end, "org", name=name, kind="GovernmentOrganization"))

    def _units(
        self,
        text: str,
        tokens: list[Token],
        free: Callable[[int, int], bool],
        take: Callable[[Mention], None],
        phrases_only: bool,
    ) -> None:
        n = len(tokens)
        for i in range(n):
            first = tokens[i].text
            if phrases_only:
                if first not in ("Büro", "Büros", "Fachbereich"):
                    continue
                m = re.match(
                    r"(?:Büro|Büros)\s+(?:der|des)\s+(Bezirksbürgermeisterin|Bezirksbürgermeisters|"
                    r"Bezirksstadträtin|Bezirksstadtrats|Integrationsbeauftragten|Beauftragten\s+für\s+\w+)",
                    text[tokens[i].start :],
                )
                if m and free(i, i + 3):
                    j = i
                    while j < n and tokens[j].end <= tokens[i].start + m.end():
                        j += 1
                    take(self._mk(text, tokens, i, j, "unit", unit=re.sub(r"^Büros", "Büro", m.group(0))))
                elif tokens[i].text == "Fachbereich" and i + 1 < n and free(i, i + 2) and _cap(tokens[i + 1].text):
                    take(self._mk(text, tokens, i, i + 2, "unit", unit=f"Fachbereich {tokens[i + 1].text}"))
                continue
            for length in (3, 2, 1) if first in UNIT_FIRST_WORDS else ():
                j = i + length
                if j > n or not free(i, j) or not _joined(text, tokens, i, j):
                    continue
                phrase = " ".join(t.text for t in tokens[i:j])
                unit = next((u for pattern, u in UNIT_PATTERNS if pattern.match(phrase)), None)
                if unit:
                    take(self._mk(text, tokens, i, j, "unit", unit=unit))
                    break
            if not free(i, i + 1):
                continue
            word = tokens[i].text
            if (AMT.match(word) and word not in AMT_NOT) or word in UNIT_WORDS:
                start = i
                if i >= 2 and tokens[i - 1].text == "und" and tokens[i - 2].text.endswith("-") and free(i - 2, i):
                    start = i - 2
                unit = text[tokens[start].start : tokens[i].end]
                unit = re.sub(r"(es|s)$", "", unit) if re.search(r"amt(es|s)$", unit) else unit
                take(self._mk(text, tokens, start, i + 1, "unit", unit=unit))

    def _references(
        self, text: str, tokens: list[Token], free: Callable[[int, int], bool], take: Callable[[Mention], None]
    ) -> None:
        n = len(tokens)
        for i, tok in enumerate(tokens):
            if not free(i, i + 1):
                continue
            word = tok.text
            before = tokens[i - 1].text if i else ""
            after = tokens[i + 1].text if i + 1 < n else ""
            if word in ("Bezirksamt", "Bezirksamtes", "Bezirksamts"):
                take(self._mk(text, tokens, i, i + 1, "bare-org", ref="Bezirksamt"))
            elif word == "Senatsverwaltung":
                take(self._mk(text, tokens, i, i + 1, "bare-org", ref="Senatsverwaltung"))
            elif word in ("BENN-Team", "BENN-Teams", "QM-Team", "QM-Teams", "QM"):
                take(
                    self._mk(
                        text,
                        tokens,
                        i,
                        i + 1,
                        "team-ref",
                        programme="BENN" if word.startswith("BENN") else "Quartiersmanagement",
                    )
                )
            elif (
                word in ("Quartiersmanagement", "Quartiersmanagements")
                and before in ("Das", "das", "des")
                and (after[:1].islower() or not after)
            ):
                # "Das Quartiersmanagement lädt ein": the team acting, not the instrument
                take(self._mk(text, tokens, i, i + 1, "team-ref", programme="Quartiersmanagement"))
            elif GENITIVE.sub("", word) in ("Quartiersrat", "Aktionsfondsjury", "Vergabebeirat") and before in (
                "der",
                "Der",
                "die",
                "Die",
                "des",
                "dem",
                "den",
                "im",
                "vom",
                "beim",
                "zum",
                "zur",
            ):
                take(self._mk(text, tokens, i, i + 1, "head-ref", head=GENITIVE.sub("", word)))

    def _programme_parts(
        self, text: str, tokens: list[Token], free: Callable[[int, int], bool], take: Callable[[Mention], None]
    ) -> None:
        n = len(tokens)
        for i, tok in enumerate(tokens):
            if not tok.text.startswith(("Förder", "Handlungsfeld")) or not free(i, i + 1):
                continue
            if re.match(r"^Förder(phase|periode)n?$", tok.text) and i > 0:
                prev = tokens[i - 1].text.lower().rstrip(".")
                number = {
                    "1": 1,
                    "ersten": 1,
                    "erste": 1,
                    "2": 2,
                    "zweiten": 2,
                    "zweite": 2,
                    "3": 3,
                    "dritten": 3,
                    "dritte": 3,
                }.get(prev)
                if number and free(i - 1, i + 1):
                    take(self._mk(text, tokens, i - 1, i + 1, "phase", number=number))
            elif re.match(r"^Handlungsfeld(es|s)?$", tok.text) and i + 1 < n:
                quoted = re.match(r"\s*[„\"«»“]([^“”\"«»]{3,80})[“”\"«»]", text[tok.end : tok.end + 120])
                if quoted:
                    name = quoted.group(1).strip()
                    j = i + 1
                    while j < n and tokens[j].end <= tok.end + quoted.end():
                        j += 1
                    if free(i + 1, j):
                        entity = self.gaz.find_by_name(name, "field")
                        take(
                            self._mk(text, tokens, i + 1, j, "field", iris=[entity.iri] if entity else None, name=name)
                        )
        for m in re.finditer(
            r"(?:Förder|Landes|Senats|Bundes|Bund-Länder-)?[Pp]rogramm(?:s|e|en)?\s+[„\"«]"
            r"(?P<name>[^“”\"«»]{3,80})[“”\"»]",
            text,
        ):
            name = m.group("name").strip()
            first = next((k for k, t in enumerate(tokens) if t.start >= m.start("name")), None)
            last = next((k for k, t in enumerate(tokens) if t.end >= m.end("name")), None)
            if first is None or last is None or not free(first, last + 1):
                continue
            entity = self.gaz.find_by_name(name, "programme")
            take(self._mk(text, tokens, first, last + 1, "programme", iris=[entity.iri] if entity else None, name=name))

    @staticmethod
    def _prefer(categories: set[str]) -> str:
        for category in ("org", "programme", "person", "area", "phase", "field", "unit"):
            if category in categories:
                return category
        return sorted(categories)[0]

    def _name_run(self, text: str, tokens: list[Token], i: int, taken: set[int]) -> int:
        """Capitalised tokens from i that form a proper name (at most 5), 0 if none."""
        j = i
        while j < len(tokens) and j - i < 5 and j not in taken:
            word = tokens[j].text
            if j > i and not _joined(text, tokens, j - 1, j + 1):
                break
            if (_cap(word) and word not in NOT_NAME) or (word in ("an", "der", "am") and j > i):
                j += 1
            else:
                break
        while j > i and not _cap(tokens[j - 1].text):
            j -= 1
        return j - i

    def _person_name(
        self, text: str, tokens: list[Token], i: int, taken: set[int], limit: int = 3
    ) -> tuple[int, int, str | None]:
        """A person's name starting at token i, after an optional academic title: (start, end, title)."""
        title = None
        start = i
        if i < len(tokens) and (tokens[i].text in TITLES or tokens[i].text + "." in TITLES):
            title = "Dr." if tokens[i].text.startswith("Dr") else tokens[i].text.rstrip(".") + "."
            i += 1
        j = i
        while j < len(tokens) and j - i < limit and j not in taken:
            word = tokens[j].text
            if j > i and _gap(text, tokens[j - 1], tokens[j]).strip():
                break
            if looks_like_name(word) or (
                word in PARTICLES and j > i and j + 1 < len(tokens) and looks_like_name(tokens[j + 1].text)
            ):
                j += 1
            else:
                break
        while j > i and tokens[j - 1].text in PARTICLES:
            j -= 1
        if j - i >= 2:
            return start, j, title
        return start, start, None

    def _role_before(self, text: str, tokens: list[Token], s: int) -> str | None:
        """The role phrase that ends right before token s ("Bezirksbürgermeisterin und Stadträtin")."""
        k = s - 1
        if k >= 0 and tokens[k].text in TITLES:
            k -= 1
        if k < 0 or not is_role(tokens[k].text) or not _joined(text, tokens, k, k + 2):
            # "Role für X und Y Name": walk back over the für-phrase
            j = k
            while j >= 0 and j > s - 10 and (_cap(tokens[j].text) or tokens[j].text in ("und", "für")):
                if _gap(text, tokens[j], tokens[j + 1]).strip() not in ("", ","):
                    return None
                if tokens[j].text == "für" and j > 0 and is_role(tokens[j - 1].text):
                    role_start = j - 1
                    if role_start > 0 and re.fullmatch(
                        r"(Bezirkliche|Stellvertretende|stellvertretende)[nr]?", tokens[role_start - 1].text
                    ):
                        role_start -= 1
                    words = [t.text for t in tokens[role_start : k + 1]]
                    words = [nominative_role(w) if is_role(w) else w for w in words]
                    return " ".join(words).replace(" ,", ",") if words else None
                j -= 1
            return None
        start = k
        if k >= 2 and tokens[k - 1].text == "und" and is_role(tokens[k - 2].text):
            start = k - 2
        while (
            start > 0
            and (
                re.fullmatch(r"(Bezirkliche|Stellvertretende|Kommissarische)[nr]?", tokens[start - 1].text)
                or LOWER_ROLE_ADJECTIVE.fullmatch(tokens[start - 1].text)
            )
            and tokens[start - 2].text not in ("der", "die", "den", "dem", "des")
            if start > 1
            else False
        ):
            start -= 1
        words = [nominative_role(t.text) if is_role(t.text) else t.text for t in tokens[start : k + 1]]
        return " ".join(words)

    def _role_after(self, text: str, tokens: list[Token], e: int) -> tuple[str, int] | None:
        """The role in "Name, Role für X:" after the name ending before token e, and where it ends."""
        n = len(tokens)
        separator = ","
        if e < n and text[tokens[e - 1].end : tokens[e].start].strip() == "(":
            # "Jörn Oltmann (Grüne), Bezirksstadtrat für ...": past the party first
            while e + 1 < n and not _gap(text, tokens[e], tokens[e + 1]).strip().startswith(")"):
                e += 1
            e += 1
            separator = "),"
        if e >= n or text[tokens[e - 1].end : tokens[e].start].strip() != separator:
            return None
        r = e
        while r < n and LOWER_ROLE_ADJECTIVE.fullmatch(tokens[r].text):
            r += 1
        if r >= n or not is_role(tokens[r].text):
            return None
        j = r + 1
        while j < n and (_cap(tokens[j].text) or tokens[j].text in ("für", "und", "des", "der")) and j - e < 12:
            if _gap(text, tokens[j - 1], tokens[j]).strip() not in ("", ","):
                break
            if tokens[j].text == "und" and j + 1 < n and not (_cap(tokens[j + 1].text)):
                break
            j += 1
        while j > r + 1 and tokens[j - 1].text in ("und", "für", "des", "der"):
            j -= 1
        words = text[tokens[e].start : tokens[j - 1].end].rstrip(",").split(" ")
        words = [nominative_role(w) if is_role(w) else w for w in words]
        return " ".join(words), j

    def _people(
        self,
        text: str,
        tokens: list[Token],
        taken: set[int],
        free: Callable[[int, int], bool],
        take: Callable[[Mention], None],
        mentions: list[Mention],
    ) -> None:
        n = len(tokens)
        known = {m.first_token: m for m in mentions if m.category == "person"}
        role_tokens: set[int] = set()
        for m in known.values():
            role = self._role_before(text, tokens, m.first_token)
            after = None if role else self._role_after(text, tokens, m.last_token)
            if after:
                role = after[0]
                role_tokens.update(range(m.last_token, after[1]))
            if role:
                m.data["role"] = role
        for i in range(n):
            if i in taken or i in role_tokens or not (tokens[i].text[:1].isupper()):
                continue
            if tokens[i].text not in TITLES and not looks_like_name(tokens[i].text):
                continue
            s, e, title = self._person_name(text, tokens, i, taken)
            if e <= s or not free(s, e) or any(k in role_tokens for k in range(s, e)):
                continue
            first = s + (1 if title else 0)
            name = " ".join(t.text for t in tokens[first:e])
            role = self._role_before(text, tokens, s)
            after = None if role else self._role_after(text, tokens, e)
            if after:
                role = after[0]
                role_tokens.update(range(e, after[1]))
            quoted = bool(_COLON_QUOTE.match(text, tokens[e - 1].end))
            spoken = bool(
                re.match(
                    rf"\s*[.!?]?[“”\"»]?\s*,?\s*(?:{SPEECH_VERB_WORDS})\s*$",
                    text[max(0, tokens[s].start - 40) : tokens[s].start],
                )
            )
            party = (
                text[tokens[e - 1].end : tokens[e - 1].end + 3].lstrip().startswith("(")
                and e < n
                and any(self.gaz.get(iri).cls == "PoliticalParty" for iri in self.gaz.lookup(tokens[e].text))
            )
            if role or quoted or title or party or spoken:
                take(self._mk(text, tokens, first, e, "person", name=name, role=role, title=title))

    def _places(self, text: str, tokens: list[Token], taken: set[int], take: Callable[[Mention], None]) -> None:
        for i, tok in enumerate(tokens):
            word = tok.text
            if i in taken or not word[:1].isupper():
                continue
            if BUILDING_SUFFIX.match(word) and word not in BUILDING_HEADS and word.lower() not in GENERIC_PLACES:
                take(self._mk(text, tokens, i, i + 1, "area", kind="Gebaeude", name=word))
                continue
            # streets
            street = self._street(text, tokens, i, taken)
            if street:
                s, e, name = street
                take(self._mk(text, tokens, s, e, "area", kind="Strasse", name=name))
                continue
            if OPEN_SPACE_SUFFIX.match(word) and word not in OPEN_SPACE_NOT and word.lower() not in GENERIC_PLACES:
                take(self._mk(text, tokens, i, i + 1, "area", kind="Freiflaeche", name=word))
                continue
            # "Kosmosviertel", "Kölner Viertel", "Wittenau-Süd"
            if QUARTER_WORD.match(word) and _cap(word):
                s = i
                if word in ("Viertel", "Kiez", "Siedlung"):
                    if i > 0 and (i - 1) not in taken and re.match(r"^[A-ZÄÖÜ]\w*(er|es|en)$", tokens[i - 1].text):
                        s = i - 1
                    else:
                        continue
                name = text[tokens[s].start : tok.end]
                name = re.sub(r"(\w)s$", r"\1", name) if name.endswith(("viertels", "kiezes", "Viertels")) else name
                name = (
                    re.sub(r"^(\w+)en (Viertel)", r"\1es \2", name)
                    if s < i and tokens[s].text.endswith("en") and not tokens[s].text.endswith("ner")
                    else name
                )
                take(self._mk(text, tokens, s, i + 1, "area", kind="Quartier", name=name))
                continue
            if QUARTER_PART.match(word):
                take(self._mk(text, tokens, i, i + 1, "area", kind="Quartier", name=word))

    def _street(self, text: str, tokens: list[Token], i: int, taken: set[int]) -> tuple[int, int, str] | None:
        """A street name ending at token i: (start, end, name in its base form)."""
        word = tokens[i].text
        standalone = word in STREET_WORDS
        if not standalone and not (_cap(word) and STREET_SUFFIX.search(word) and len(word) > 5):
            return None
        if not standalone and re.search(r"(hof|berg|markt|graben|brücke|steg|anger)$", word, re.IGNORECASE):
            # too often a common noun (Bahnhof, Friedhof, Wochenmarkt); only curated names match these
            return None
        if word.lower() in GENERIC_PLACES and not standalone:
            return None
        s = i
        k = i - 1
        adjectives = 0
        while k >= 0 and k not in taken and adjectives < 2:
            prev = tokens[k].text
            if not _joined(text, tokens, k, k + 2):
                break
            if (
                standalone
                and re.fullmatch(r"[A-ZÄÖÜ][\wäöüß-]*(er|e|es|en|sche|schen|sches)", prev)
                and (prev not in NOT_NAME or prev in ("Neue", "Neuen"))
                and not prev.endswith(("stelle", "ung", "ion"))
                and not is_role(prev)
            ) or prev in STREET_ADJECTIVES:
                s = k
                k -= 1
                adjectives += 1
            elif prev in ("Alt", "Alt-", "Neu", "Am", "An", "Unter", "Hinter") and standalone:
                s = k
                k -= 1
            else:
                break
        if standalone and s == i:
            return None
        if any(j in taken for j in range(s, i + 1)):
            return None
        words = [t.text for t in tokens[s : i + 1]]
        # base form: "an der Alten Hellersdorfer Straße" -> "Alte Hellersdorfer Straße"
        if (
            s < i
            and words[0].endswith("en")
            and s > 0
            and tokens[s - 1].text in ("der", "den", "dem", "am", "im", "zur", "zum", "vom", "beim")
        ):
            last = words[-1].lower()
            if last.endswith(FEMININE_STREETS):
                words[0] = words[0][:-1]
            elif last.endswith(NEUTER_STREETS):
                words[0] = words[0][:-1] + "s"
            elif not words[0].endswith(("ner", "der", "ger", "ler", "ter", "ser")):
                words[0] = words[0][:-1] + "r"
        return s, i + 1, " ".join(words)

    def _cues(self, text: str, tokens: list[Token], mentions: list[Mention]) -> None:
        """Area kinds the text states: "Bezirksregionen Altglienicke und Allende-Viertel", "Ortsteil Staaken"."""
        previous: Mention | None = None
        for m in mentions:
            if m.category != "area":
                previous = m
                continue
            i = m.first_token
            cue = None
            if i > 0 and tokens[i - 1].text in CUE_KINDS and _joined(text, tokens, i - 1, i + 1):
                cue = CUE_KINDS[tokens[i - 1].text]
            elif (
                previous is not None
                and previous.category == "area"
                and "cue" in previous.data
                and i > 0
                and tokens[i - 1].text in ("und", "sowie", "oder")
                and previous.last_token == i - 1
            ) or (
                previous is not None
                and previous.category == "area"
                and "cue" in previous.data
                and previous.last_token == i
                and text[previous.end : m.start].strip() == ","
            ):
                cue = previous.data["cue"]
            if cue:
                m.data["cue"] = cue
            previous = m
