"""Text -> typed record: the press release and everything it talks about, linked to curated entities.

The extractor reads the page (``page``), finds mentions (``recognise``), then settles what the mentions
refer to with the context of the whole release: who published it, which Bezirksamt "das Bezirksamt" is,
which team "das BENN-Team" is, which kind of area a name is when the text says so. Unknown entities get
deterministic IRIs and are listed as new, for an editor to curate.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time

from publisher.ingest import uris
from publisher.ingest.contacts import ParsedContact, parse_contact
from publisher.ingest.dates import find_dates, find_time, weekday_names
from publisher.ingest.gazetteer import Entity, Gazetteer, normalize
from publisher.ingest.page import Page, parse_page
from publisher.ingest.recognise import (
    STREET_NAME,
    STREET_SUFFIX,
    Mention,
    Recogniser,
    is_role,
    looks_like_name,
    nominative_role,
)
from publisher.ingest.record import (
    Area,
    ContactPoint,
    Event,
    Organisation,
    Person,
    PressRelease,
    Programme,
    Quotation,
)
from publisher.ingest.source import SourceDocument

KIND_OF_CLASS = {
    "Bezirk": "Bezirk",
    "Ortsteil": "Ortsteil",
    "Bezirksregion": "Bezirksregion",
    "Prognoseraum": "Bezirksregion",
    "Planungsraum": "Quartier",
    "Quartier": "Quartier",
    "Strasse": "Strasse",
    "Gebaeude": "Gebaeude",
    "Freiflaeche": "Freiflaeche",
}
CLASS_OF_CUE = {
    "Bezirk": "Bezirk",
    "Ortsteil": "Ortsteil",
    "Bezirksregion": "Bezirksregion",
    "Planungsraum": "Planungsraum",
    "Prognoseraum": "Prognoseraum",
    "Quartier": "Quartier",
}
AREA_PRIORITY = ["Bezirk", "Ortsteil", "Quartier", "Bezirksregion", "Planungsraum", "Prognoseraum"]
QUOTE_PAIRS = {"„": "“”", "“": "”", '"': '"', "«": "»", "»": "«"}
SPEECH_VERBS = (
    r"sagt|sagte|so|erklärt|erklärte|betont|betonte|ergänzt|ergänzte|meint|meinte|berichtet|berichtete|"
    r"unterstreicht|unterstrich|fügt|fügte|freut sich|freute sich|hebt|hob|resümiert|resümierte|ruft|rief|"
    r"wirbt|warb|appelliert|appellierte|verspricht|versprach|kündigt|kündigte|bilanziert|bilanzierte|"
    r"zeigt sich|zeigte sich|findet|fand|weiß|wünscht|wünschte|dankt|dankte|lobt|lobte"
)
EVENT_NOUNS = re.compile(
    r"(Treffen|Austauschtreffen|Eröffnung|Einweihung|Fest|Feier|Veranstaltung|Workshop|Sitzung|Rundgang|"
    r"Infoabend|Informationsveranstaltung|Versammlung|Konferenz|Aktionstag|Kiezfest|Sommerfest|"
    r"Nachbarschaftsfest|Spaziergang|Kiezspaziergang|Führung|Ausstellung|Vernissage|Lesung|Konzert|"
    r"Kick-off|Auftakt|Jahresauftakt|Forum|Stadtteilkonferenz|Fachtag|Tag der offenen Tür|Tag der|"
    r"Beteiligungsveranstaltung|Werkstatt|Zukunftswerkstatt|Diskussion|Podiumsdiskussion|Markt|Flohmarkt|"
    r"Pflanzaktion|Aufräumaktion|Putzaktion|Sprechstunde|Empfang|Spatenstich|Richtfest|Übergabe|Sitzung|"
    r"Dialog|Dialogveranstaltung|Bürgerversammlung|Einwohnerversammlung|Wahl|Quartiersratswahl|"
    r"Mitmachaktion|Aktion|Picknick|Frühstück|Café|Kinoabend|Turnier|Lauf|Wettbewerb|Präsentation)",
)
EVENT_VERBS = re.compile(
    r"\b(statt|stattfinden|stattgefunden|findet|fand|finden|lädt|laden|luden|lud|eingeladen|eröffnet|"
    r"eröffnen|eingeweiht|einweihen|feiert|feiern|veranstaltet|präsentiert|beginnt|startet|trifft|treffen)\b"
)
NOT_EVENT_BEFORE = re.compile(
    r"(seit|bis|bis zum|bis zur|zum|ab|ab dem|spätestens|Stand|vom|Frist|"
    r"Antragsschluss|verlängert|gültig|befristet)\s*$",
    re.IGNORECASE,
)
EVENT_HEAD = re.compile(
    r"(treffen|konferenz|empfang|fest|feier|abend|veranstaltung|workshop|sitzung|rundgang|versammlung|aktionstag|"
    r"spaziergang|führung|ausstellung|vernissage|lesung|konzert|spatenstich|eröffnung|einweihung|übergabe|wahl|"
    r"forum|werkstatt|dialog|picknick|frühstück|turnier|präsentation|tisch|fachtag|infotag|kiezfest|markt|"
    r"flohmarkt|pflanzaktion|putzaktion|aufräumaktion|mitmachaktion|sprechstunde|richtfest|begehung|"
    r"besichtigung|diskussion|gespräch|kick-off|auftakt)$",
    re.IGNORECASE,
)
NOT_EVENT_WORDS = {"Gespräch", "Abend", "Markt", "Dialog", "Wohnungsmarkt", "Arbeitsmarkt", "Auftakt"}
WEEKDAYS = set(weekday_names())
_ARTICLES = {"der", "die", "das", "dem", "den", "des", "ein", "eine", "einen", "einem", "einer", "zum", "zur"}
_FEMININE_EVENTS = (
    "konferenz",
    "feier",
    "veranstaltung",
    "sitzung",
    "versammlung",
    "führung",
    "ausstellung",
    "vernissage",
    "lesung",
    "eröffnung",
    "einweihung",
    "übergabe",
    "wahl",
    "werkstatt",
    "präsentation",
    "sprechstunde",
    "begehung",
    "besichtigung",
    "diskussion",
    "aktion",
)
_NEUTER_EVENTS = ("treffen", "fest", "forum", "konzert", "picknick", "frühstück", "turnier", "gespräch")


def _nominative_adjective(word: str, noun: str) -> str:
    """ "symbolischen" before "Spatenstich" -> "Symbolischer"."""
    stem = re.sub(r"(en|er|es|e)$", "", word)
    noun = noun.lower()
    ending = "e" if noun.endswith(_FEMININE_EVENTS) else "es" if noun.endswith(_NEUTER_EVENTS) else "er"
    adjective = stem + ending
    return adjective[:1].upper() + adjective[1:]


#: "das Team", "das BENN-Team": the release's local team, named before
TEAM_REFERENCE = re.compile(r"\b(das|Das)\s+(Team|BENN-Team|QM-Team)\b")


@dataclass
class Context:
    """What the whole release says about itself, for resolving mentions."""

    published: date
    publisher: Entity | None
    bezirk: Entity | None


def release_identifier(published: date, title: str) -> str:
    """A release's identity: its date and title. A long title is shortened, with a hash of the whole."""
    full = uris.slug(title, max_length=1000)
    short = uris.slug(title, max_length=60)
    if short != full:
        short = f"{short}-{uris.short_hash(title)[:6]}"
    return f"{published.isoformat()}-{short}"


def _first_words(quote: str) -> str:
    words = [w.strip(string.punctuation + '„“”"«»‚‘’–—…') for w in quote.split()]
    return " ".join(w for w in words[:5] if w) if words else ""


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Extractor:
    """Extracts press-release records from plain-text and Markdown sources."""

    def __init__(self, gazetteer: Gazetteer, base_uri: str) -> None:
        self.gaz = gazetteer
        self.base = base_uri
        self.recogniser = Recogniser(gazetteer)
        entities = list(gazetteer.entities.values())
        #: organisations with a press office, by IRI: the candidates for the publisher of a release
        self.publishers = {
            e.iri: e
            for e in entities
            if e.category == "org"
            and e.cls == "GovernmentOrganization"
            and any(u.unit_name == "Pressestelle" for u in gazetteer.units.get(e.iri, []))
        }
        #: the normalised street address of each organisation's press office, by the organisation's IRI
        self.press_addresses = {
            parent: normalize(unit.street_address).casefold()
            for parent, units in gazetteer.units.items()
            for unit in units
            if unit.unit_name == "Pressestelle" and unit.street_address
        }
        self.bezirke = [e for e in entities if e.cls == "Bezirk"]
        self.urban_development_senates = [
            e for e in entities if "senatsverwaltung-fuer-stadtentwicklung" in e.iri and e.category == "org"
        ]
        self.phases: dict[str, list[Entity]] = defaultdict(list)
        for e in entities:
            if e.cls == "FundingPhase" and e.parent is not None:
                self.phases[e.parent].append(e)

    # ------------------------------------------------------------ entry point

    def extract(self, doc: SourceDocument) -> PressRelease:
        page = parse_page(doc.path, doc.text, self.leading_name)
        return self.extract_page(doc, page)

    def leading_name(self, text: str) -> int:
        """Length of the names at the start of ``text`` ("BA Lichtenberg/Stadtentwicklungsamt Das ...")."""
        end = 0
        previous = None
        for m in self.recogniser.recognise(text[:120]):
            if m.start > end and text[end : m.start].strip() not in ("", "/", ",", "|", "&", "und"):
                break
            if m.category == "area" and previous in ("unit", "bare-org") and m.start == end + 1:
                end = m.end  # "Stadtentwicklungsamt Charlottenburg-Wilmersdorf"
                break
            if m.category not in ("org", "team", "unit", "person", "bare-org"):
                break
            end = m.end
            previous = m.category
        return end

    def extract_page(self, doc: SourceDocument, page: Page) -> PressRelease:
        body = page.body
        segments: dict[str, str] = {"title": page.title, "body": body}
        if page.image_credit:
            segments["credit"] = page.image_credit
        for index, block in enumerate(page.contacts):
            segments[f"contact{index}"] = block.text
        found = {name: self.recogniser.recognise(text) for name, text in segments.items()}
        contacts = [parse_contact(block.text, found[f"contact{i}"]) for i, block in enumerate(page.contacts)]
        publisher = self._publisher(page, found, contacts)
        bezirk = self._bezirk_of(publisher)
        ctx = Context(page.date_published, publisher, bezirk)
        identifier = release_identifier(page.date_published, page.title)
        iri = uris.thing(self.base, "PressRelease", identifier)
        record = PressRelease(
            iri=iri,
            identifier=identifier,
            source_name=doc.name,
            source_sha256=doc.sha256,
            source_format=doc.format,
            title=page.title,
            date_published=page.date_published,
            body=body,
            publisher=publisher.name if publisher else None,
            publisher_iri=publisher.iri if publisher else None,
            number=page.number,
            image_credit=page.image_credit,
        )
        orgs = _Orgs(self, ctx, record)
        teams = self._teams(found)
        self._organisations(found, contacts, segments, ctx, orgs, teams)
        people = self._people(found, contacts, segments, ctx, orgs, teams)
        record.areas = self._areas(found, ctx)
        record.programmes = self._programmes(found, segments, record)
        self._phases_and_fields(found, record)
        record.quotations = self._quotations(body, found["body"], people)
        record.persons = list(people.values())
        record.events = self._events(page, body, found, ctx, orgs, teams, record)
        record.contact_points = self._contacts(contacts, orgs, people)
        record.organisations = orgs.ordered()
        return record

    # ------------------------------------------------------------ publisher

    def _bezirk_of(self, org: Entity | None) -> Entity | None:
        if org is None:
            return None
        for entity in self.bezirke:
            if org.name.endswith(" " + entity.name):
                return entity
        return None

    def _publisher(self, page: Page, found: dict[str, list[Mention]], contacts: list[ParsedContact]) -> Entity | None:
        """The organisation whose press office page carries the release."""
        score: dict[str, float] = defaultdict(float)
        candidates = self.publishers
        for index, contact in enumerate(contacts):
            mentions = found[f"contact{index}"]
            heading = contact.text[: contact.heading_end]
            named = [
                iri
                for m in mentions
                if m.end <= contact.heading_end and m.category == "org"
                for iri in m.iris
                if iri in candidates
            ]
            for iri in named:
                score[iri] += 5 if "Pressestelle" in heading else 3
            if contact.street_address:
                key = normalize(contact.street_address).casefold()
                for iri, address in self.press_addresses.items():
                    if address == key and (not named or iri in named):
                        # the page's own press office names no organisation, only its address
                        score[iri] += 20 if not named and "Pressestelle" in heading else 2
            if contact.email:
                domain = contact.email.split("@", 1)[1].casefold()
                for iri, entity in candidates.items():
                    for alias in [entity.name, *entity.alternate]:
                        label = re.sub(r"[^a-z0-9äöü]+", "-", alias.casefold()).strip("-")
                        district = label.removeprefix("bezirksamt-").removeprefix("ba-")
                        if label in domain.split(".") or (district and district in domain.split(".")):
                            score[iri] += 3
                            break
        for name in ("credit", "title", "body"):
            for m in found.get(name, []):
                if m.category == "org":
                    for iri in m.iris:
                        if iri in candidates:
                            score[iri] += 2 if name == "credit" else 1
                if m.category == "area" and name != "credit":
                    for iri in m.iris:
                        entity = self.gaz.get(iri)
                        if entity.cls == "Bezirk":
                            for candidate in candidates.values():
                                if candidate.name == f"Bezirksamt {entity.name}":
                                    score[candidate.iri] += 0.5
                if m.category == "person":
                    for iri in m.iris:
                        for role in self.gaz.get(iri).roles:
                            if role.organisation in candidates and _active(role.start, role.end, page.date_published):
                                score[role.organisation] += 1
        if not score:
            return None
        best = max(score, key=lambda iri: (score[iri], iri))
        return candidates[best] if score[best] >= 1 else None

    # ------------------------------------------------------------ organisations

    def _teams(self, found: dict[str, list[Mention]]) -> dict[str, str]:
        """The local team "das BENN-Team" refers to, per programme: the one in the title, else the first."""
        chosen: dict[str, str] = {}
        for name in ("title", "credit", "body"):
            for m in found.get(name, []):
                if m.category == "team":
                    chosen.setdefault(m.data["programme"], m.data["name"])
        return chosen

    def _unit(self, orgs: _Orgs, unit: str, parent: Entity | Organisation | None, surface: str) -> Organisation | None:
        if parent is None:
            return None
        parent_iri = parent.iri
        parent_name = parent.name
        curated = self.gaz.unit_of(parent_iri, [unit, surface])
        if curated:
            return orgs.add_entity(curated, surface)
        name = f"{parent_name}, {unit}"
        iri = f"{parent_iri}/{uris.slug(unit)}"
        return orgs.add_new(name, iri, "GovernmentOrganization", surface, parent_iri=parent_iri)

    def _organisations(
        self,
        found: dict[str, list[Mention]],
        contacts: list[ParsedContact],
        segments: dict[str, str],
        ctx: Context,
        orgs: _Orgs,
        teams: dict[str, str],
    ) -> None:
        senate_mentions = [
            m
            for ms in found.values()
            for m in ms
            if m.category == "org" and any("senatsverwaltung" in iri for iri in m.iris)
        ]
        bezirksamt_mentions = [
            iri
            for ms in found.values()
            for m in ms
            if m.category == "org"
            for iri in m.iris
            if "/organisation/bezirksamt-" in iri
        ]
        for name in ("title", "credit", "body", *[k for k in segments if k.startswith("contact")]):
            mentions = found.get(name, [])
            contact = contacts[int(name[7:])] if name.startswith("contact") else None
            heading_parent: Entity | Organisation | None = None
            if contact:
                for m in mentions:
                    if m.category == "org" and m.end <= contact.heading_end and m.iris:
                        heading_parent = self.gaz.get(m.iris[0])
                        break
            heading_orgs: list[Organisation] = []
            for position, m in enumerate(mentions):
                added: Organisation | None = None
                if m.category == "org":
                    if m.iris:
                        added = orgs.add_entity(self.gaz.get(m.iris[0]), m.text)
                    else:
                        added = orgs.add_pattern(m.data["name"], m.data.get("kind", "Organization"), m.text)
                elif m.category == "team":
                    added = orgs.add_team(m.data["name"], m.data["programme"], m.data["area"], m.text)
                elif m.category == "team-ref":
                    team = teams.get(m.data["programme"])
                    if team:
                        added = orgs.add_team(team, m.data["programme"], None, m.text)
                elif m.category == "bare-org":
                    if m.data["ref"] == "Bezirksamt":
                        target = ctx.publisher if ctx.publisher and "bezirksamt" in ctx.publisher.iri else None
                        if target is None and len(set(bezirksamt_mentions)) == 1:
                            target = self.gaz.get(bezirksamt_mentions[0])
                        if target:
                            added = orgs.add_entity(target, m.text)
                    else:
                        iris = sorted({iri for s in senate_mentions for iri in s.iris})
                        if len(iris) == 1:
                            added = orgs.add_entity(self.gaz.get(iris[0]), m.text)
                        elif iris:
                            active = [i for i in iris if self.gaz.get(i).active_on(ctx.published)]
                            if len(active) == 1:
                                added = orgs.add_entity(self.gaz.get(active[0]), m.text)
                elif m.category == "head-ref":
                    added = self._head_reference(m, orgs, teams)
                elif m.category == "unit":
                    parent: Entity | Organisation | None = None
                    if contact and heading_orgs and m.end <= contact.heading_end:
                        parent = heading_orgs[-1]
                    elif contact and m.start >= (contact.link_label or (10**9, 0))[0]:
                        # e-mail link text "Pressestelle SenSW": the organisation named after the unit
                        later = [x for x in mentions[position + 1 :] if x.category == "org" and x.iris]
                        parent = self.gaz.get(later[0].iris[0]) if later else heading_parent
                    elif contact and heading_parent is not None:
                        parent = heading_parent
                    else:
                        before = mentions[position - 1] if position else None
                        if (
                            before is not None
                            and before.category == "org"
                            and before.iris
                            and segments[name][before.end : m.start].strip() in ("", ",")
                        ):
                            parent = self.gaz.get(before.iris[0])
                    if parent is None:
                        parent = ctx.publisher
                    added = self._unit(orgs, m.data["unit"], parent, m.text)
                if contact is not None and added is not None and m.end <= contact.heading_end:
                    heading_orgs.append(added)
            if contact is not None and heading_orgs:
                # the most specific: a unit or team over the organisation it belongs to
                specific = [o for o in heading_orgs if o.parent_iri or o.kind == "Project"]
                orgs.contact_org[int(name[7:])] = (specific or heading_orgs)[-1]

    def _head_reference(self, m: Mention, orgs: _Orgs, teams: dict[str, str]) -> Organisation | None:
        """ "der Quartiersrat": the one named in the release, else the one of the release's QM area."""
        head = m.data["head"]
        named = [o for o in orgs.ordered() if o.name.startswith(head + " ")]
        if len(named) == 1:
            return orgs._put(named[0], m.text)
        team = teams.get("Quartiersmanagement")
        if team:
            area = re.sub(r"^Quartiersmanagement\s+(?:am\s+|an der\s+|im\s+)?", "", team)
            name = f"{head} {area}"
            return orgs.add_new(name, uris.thing(self.base, "Organization", uris.slug(name)), "Organization", m.text)
        return None

    # ------------------------------------------------------------ people

    def _person_org(
        self, role: str | None, ctx: Context, orgs: _Orgs, teams: dict[str, str]
    ) -> Organisation | Entity | None:
        if not role:
            return None
        low = role.casefold()
        if (
            re.search(r"bezirks(bürgermeister|stadtr|verordnet)", low)
            or low.startswith(("stadträt", "stadtrat"))
            or "stadtrat" in low
            or "stadträtin" in low
        ):
            return (
                ctx.publisher if ctx.publisher and "bezirksamt" in ctx.publisher.iri else orgs.first_with("bezirksamt-")
            )
        if re.search(r"senator|staatssekretär|^senats", low):
            senate = [o for o in orgs.all_with("senatsverwaltung") if "senatsverwaltung" not in (o.parent_iri or "")]
            if "stadtentwicklung" in low or "wohnen" in low or "bauen" in low:
                for org in senate:
                    if "stadtentwicklung" in org.iri:
                        return org
                for entity in self.urban_development_senates:
                    if entity.active_on(ctx.published):
                        return entity
            return senate[0] if len(senate) == 1 else None
        if "quartiersmanager" in low and "Quartiersmanagement" in teams:
            return orgs.find_name(teams["Quartiersmanagement"])
        if "benn" in low and "koordinat" in low:
            return orgs.find_name_suffix(", BENN-Koordination")
        if ("team" in low or "benn" in low) and "BENN" in teams:
            return orgs.find_name(teams["BENN"])
        return None

    def _people(
        self,
        found: dict[str, list[Mention]],
        contacts: list[ParsedContact],
        segments: dict[str, str],
        ctx: Context,
        orgs: _Orgs,
        teams: dict[str, str],
    ) -> dict[str, Person]:
        people: dict[str, Person] = {}
        for name in ("title", "credit", "body"):
            mentions = found.get(name, [])
            for position, m in enumerate(mentions):
                if m.category != "person":
                    continue
                person = self._person(m, ctx, orgs, teams, people)
                after = segments[name][m.end : m.end + 3]
                if after.lstrip().startswith("(") and position + 1 < len(mentions):
                    nxt = mentions[position + 1]
                    if nxt.iris and self.gaz.get(nxt.iris[0]).cls == "PoliticalParty":
                        person.party_iri = nxt.iris[0]
                link = re.match(r"\s*,?\s*(vom|von der|von|aus dem|der|des|bei der|beim)\s+", segments[name][m.end :])
                if link and position + 1 < len(mentions) and person.organisation is None:
                    # "Katja Krause vom Mittelhof e.V.", "Sabine Reuter von der Stadtteilkoordination"
                    nxt = mentions[position + 1]
                    org = orgs.for_surface(nxt.text) if nxt.start == m.end + link.end() else None
                    if org is not None and org.kind != "PoliticalParty":
                        person.organisation, person.organisation_iri = org.name, org.iri
        credit = segments.get("credit")
        if (
            credit
            and not found.get("credit")
            and re.fullmatch(r"(?:Foto:\s*)?[A-ZÄÖÜ][\w'-]+(?:\s+(?:von|van|de)?\s*[A-ZÄÖÜ][\w'-]+){1,2}", credit)
        ):
            name = re.sub(r"^Foto:\s*", "", credit)
            if all(looks_like_name(w) or w in ("von", "van", "de") for w in name.split()):
                entity = self.gaz.find_by_name(name, "person")
                people.setdefault(
                    normalize(name),
                    Person(
                        name=entity.name if entity else name,
                        iri=entity.iri if entity else uris.thing(self.base, "Person", uris.slug(name)),
                        known=entity is not None,
                    ),
                )
        for index, contact in enumerate(contacts):
            if contact.person is None:
                continue
            text = contact.text[contact.person[0] : contact.person[1]]
            title = None
            if text.startswith("Dr. "):
                title, text = "Dr.", text[4:]
            org = orgs.contact_org.get(index)
            key = normalize(text)
            known = people.get(key)
            if known is not None:
                person = known
            else:
                entity = self.gaz.find_by_name(text, "person")
                person = Person(
                    name=entity.name if entity else text,
                    iri=entity.iri if entity else uris.thing(self.base, "Person", uris.slug(text)),
                    honorific=title or (entity.honorific if entity else None),
                    known=entity is not None,
                )
                people[key] = person
            if org and person.organisation is None:
                person.organisation = org.name
                person.organisation_iri = org.iri
        return people

    def _person(
        self, m: Mention, ctx: Context, orgs: _Orgs, teams: dict[str, str], people: dict[str, Person]
    ) -> Person:
        entity = self.gaz.get(m.iris[0]) if m.iris else None
        if entity is None:
            entity = self.gaz.find_by_name(m.data.get("name", m.text), "person")
        name = entity.name if entity else m.data.get("name", m.text)
        key = normalize(name)
        person = people.get(key)
        if person is None:
            person = Person(
                name=name,
                iri=entity.iri if entity else uris.thing(self.base, "Person", uris.slug(name)),
                honorific=m.data.get("title") or (entity.honorific if entity else None),
                known=entity is not None,
            )
            people[key] = person
        role = m.data.get("role")
        if role and person.role is None:
            person.role = role
        if person.organisation is None:
            org: Organisation | Entity | None = None
            if entity is not None:
                for r in entity.roles:
                    if r.organisation and _active(r.start, r.end, ctx.published):
                        org = self.gaz.get(r.organisation)
                        if person.role is None or _same_role(person.role, r.name, r.alternate):
                            person.role_iri = r.iri
                        break
            if org is None:
                org = self._person_org(person.role, ctx, orgs, teams)
            if org is not None:
                person.organisation = org.name
                person.organisation_iri = org.iri
        return person

    # ------------------------------------------------------------ areas

    def _areas(self, found: dict[str, list[Mention]], ctx: Context) -> list[Area]:
        mentions = [m for name in ("title", "body") for m in found.get(name, []) if m.category == "area"]
        cues: dict[str, str] = {}
        for m in mentions:
            if "cue" in m.data:
                cues.setdefault(self._area_key(m), m.data["cue"])
        areas: dict[tuple[str, str], Area] = {}
        named = {m.data.get("name", "") for m in mentions if not m.iris}
        for m in mentions:
            key = self._area_key(m)
            if m.iris and key in COMMON_NOUN_AREAS and not _named_as_place(m):
                continue  # "das Buch", "im Zentrum": a noun, not the Ortsteil or the LOR area
            if not m.iris and " " not in key and any(n.startswith(key + " ") for n in named):
                continue  # "im Gutspark" after "im Gutspark Marienfelde": the same place, named once
            street_name = bool(STREET_NAME.search(key.split(" ")[-1])) and len(key) > 6
            # a street-like name keeps the kind its own mention states: "das Quartier Alte Hellersdorfer
            # Straße" and "an der Alten Hellersdorfer Straße" are two places
            cue = m.data.get("cue") if street_name else cues.get(key)
            if street_name and cue is None and m.iris:
                area = self._new_area(self.gaz.base_form(normalize(m.text)), "Strasse", ctx)
                if not any(self.gaz.get(i).cls == "Strasse" for i in m.iris):
                    areas.setdefault((area.name, area.kind), area)
                    continue
            if m.iris:
                candidates = [self.gaz.get(i) for i in m.iris if self.gaz.get(i).cls != "City"]
                if not candidates:
                    continue
                base = self._area_key(m)
                street_like = bool(STREET_NAME.search(base.split(" ")[-1])) and len(base) > 6
                chosen: Entity | None = None
                if cue:
                    wanted = CLASS_OF_CUE[cue]
                    chosen = next((c for c in candidates if c.cls == wanted), None)
                    if chosen is None and wanted == "Quartier":
                        chosen = next((c for c in candidates if c.cls == "Planungsraum"), None)
                if (
                    chosen is None
                    and street_like
                    and all(c.cls in ("Planungsraum", "Bezirksregion", "Prognoseraum") for c in candidates)
                ):
                    area = self._new_area(base, "Strasse", ctx)
                    areas.setdefault((area.name, area.kind), area)
                    continue
                if chosen is None and cue:
                    area = self._new_area(base, CLASS_OF_CUE[cue], ctx)
                    areas.setdefault((area.name, area.kind), area)
                    continue
                if chosen is None:
                    chosen = min(candidates, key=lambda c: AREA_PRIORITY.index(c.cls) if c.cls in AREA_PRIORITY else 99)
                kind = cue if cue and cue != "Planungsraum" else KIND_OF_CLASS.get(chosen.cls, "Quartier")
                area = Area(name=base, kind=kind, iri=chosen.iri, rdf_class=chosen.cls)
                areas.setdefault((area.name, area.kind), area)
            else:
                kind = cue or m.data.get("kind", "Quartier")
                area = self._new_area(m.data.get("name", m.text), CLASS_OF_CUE.get(kind, kind), ctx)
                areas.setdefault((area.name, area.kind), area)
        return list(areas.values())

    def _area_key(self, m: Mention) -> str:
        if not m.iris:
            return m.data.get("name", m.text)
        key = normalize(m.text)
        return self.gaz.base_forms.get(key, m.text)

    def _new_area(self, name: str, cls: str, ctx: Context) -> Area:
        entity = self.gaz.find_by_name(name, "area")
        if entity is not None and entity.cls == cls:
            return Area(name=name, kind=KIND_OF_CLASS.get(cls, "Quartier"), iri=entity.iri, rdf_class=cls)
        if cls == "Strasse" and ctx.bezirk is not None:
            iri = uris.thing(self.base, "Strasse", uris.slug(ctx.bezirk.name), uris.slug(name))
        else:
            iri = uris.thing(self.base, cls, uris.slug(name))
        return Area(name=name, kind=KIND_OF_CLASS.get(cls, "Quartier"), iri=iri, rdf_class=cls, known=False)

    # ------------------------------------------------------------ programmes, phases, fields

    def _programmes(
        self, found: dict[str, list[Mention]], segments: dict[str, str], record: PressRelease
    ) -> list[Programme]:
        text = " ".join([segments["title"], segments["body"]])
        programmes: dict[str, Programme] = {}
        for name in ("title", "body"):
            for m in found.get(name, []):
                if m.category == "programme":
                    stated = re.match(
                        r"[“”\"»]?\s*\((?P<acr>[A-ZÄÖÜ][A-ZÄÖÜa-z0-9]{1,7}(?: [IVX]+)?)\)",
                        segments[name][m.end : m.end + 16],
                    )
                    if m.iris:
                        entity = self.gaz.get(m.iris[0])
                        acronym = next(
                            (
                                a
                                for a in entity.alternate
                                if _acronym(a) and re.search(rf"(?<![\w-]){re.escape(a)}(?![\w])", text)
                            ),
                            None,
                        )
                        programme = programmes.setdefault(entity.iri, Programme(entity.name, entity.iri, acronym))
                    else:
                        iri = uris.thing(self.base, "FundingScheme", uris.slug(m.data["name"]))
                        programme = programmes.setdefault(iri, Programme(m.data["name"], iri, None, known=False))
                        if not any(e[0] == iri for e in record.new_entities):
                            record.new_entities.append((iri, "FundingScheme", m.data["name"]))
                    if stated and programme.acronym is None and _acronym(stated.group("acr")):
                        programme.acronym = stated.group("acr")
                elif m.category == "team" and m.data["programme"] == "BENN":
                    benn = self.gaz.find_by_name("BENN", "programme")
                    if benn:
                        programmes.setdefault(benn.iri, Programme(benn.name, benn.iri, "BENN"))
        return list(programmes.values())

    def _phases_and_fields(self, found: dict[str, list[Mention]], record: PressRelease) -> None:
        programme_iris = [p.iri for p in record.programmes]
        for m in found.get("body", []) + found.get("title", []):
            if m.category == "phase":
                for iri in programme_iris:
                    for entity in self.phases.get(iri, []):
                        if (
                            entity.name.endswith(f"{m.data['number']}. Förderphase")
                            and entity.iri not in record.phase_iris
                        ):
                            record.phase_iris.append(entity.iri)
            elif m.category == "field":
                if m.iris:
                    iri = m.iris[0]
                elif programme_iris:
                    iri = f"{programme_iris[0]}/handlungsfeld/{uris.slug(m.data['name'])}"
                    record.new_entities.append((iri, "FieldOfAction", m.data["name"]))
                else:
                    continue
                if iri not in record.field_of_action_iris:
                    record.field_of_action_iris.append(iri)

    # ------------------------------------------------------------ quotations

    def _quotations(self, body: str, mentions: list[Mention], people: dict[str, Person]) -> list[Quotation]:
        quotes: list[Quotation] = []
        spans = _quote_spans(body)
        previous_end = 0
        last: Quotation | None = None
        for start, end in spans:
            inner = body[start + 1 : end]
            words = inner.split()
            intro_start = max(
                [previous_end, body.rfind("\n", 0, start)] + [m.end() for m in _BOUNDARY.finditer(body, 0, start)]
            )
            intro = body[intro_start:start]
            tail_match = re.match(rf"\s*,?\s*(?:{SPEECH_VERBS})\b([^.!?\n]{{0,160}})", body[end + 1 :])
            has_intro = bool(re.search(r":\s*$", intro))
            sentence_like = bool(re.search(r"[.!?…]\s*$", inner.strip())) or len(words) >= 8
            if len(words) < 5 or not (has_intro or tail_match or (sentence_like and len(words) >= 10)):
                continue
            speaker: Person | None = None
            role: str | None = None
            if has_intro:
                speaker, role = self._speaker(intro, intro_start, mentions, people)
            if speaker is None and role is None and tail_match:
                tail_start = end + 1 + tail_match.start(1)
                speaker, role = self._speaker(tail_match.group(1), tail_start, mentions, people)
            if (
                speaker is None
                and role is None
                and last is not None
                and not has_intro
                and not body[previous_end:start].strip(" \n")
            ):
                speaker_name, role = last.speaker, last.speaker_role
                speaker = people.get(normalize(speaker_name)) if speaker_name else None
            quote = Quotation(
                text=_norm(inner),
                first_words=_first_words(inner),
                speaker=speaker.name if speaker else None,
                speaker_iri=speaker.iri if speaker else None,
                speaker_role=None if speaker else role,
            )
            quotes.append(quote)
            last = quote
            previous_end = end + 1
        return quotes

    def _speaker(
        self, text: str, offset: int, mentions: list[Mention], people: dict[str, Person]
    ) -> tuple[Person | None, str | None]:
        inside = [m for m in mentions if m.category == "person" and m.start >= offset and m.end <= offset + len(text)]
        if inside:
            nearest = inside[-1] if text.rstrip().endswith(":") else inside[0]
            entity_name = self.gaz.get(nearest.iris[0]).name if nearest.iris else nearest.data.get("name", nearest.text)
            person = people.get(normalize(entity_name))
            if person is not None:
                return person, None
        words = re.findall(r"[\wÄÖÜäöüß-]+", text)
        for index, word in enumerate(words):
            if is_role(word) or re.fullmatch(r"[A-ZÄÖÜ][\w-]*(leitung|Leitung)", word):
                phrase = [nominative_role(word)]
                at = text.find(word) + len(word)
                following = re.match(r"\s+(des|der|von|vom)\s+", text[at:])
                if following:
                    # "Teamleiterin von BENN Marienfelde", "Leiter des Straßen- und Grünflächenamtes"
                    start = offset + at + following.end()
                    named = next(
                        (
                            m
                            for m in mentions
                            if m.start == start and m.category in ("org", "team", "unit", "team-ref", "bare-org")
                        ),
                        None,
                    )
                    if named is not None:
                        phrase.append(f"{following.group(1)} {named.text}")
                    else:
                        noun = re.match(r"[A-ZÄÖÜ][\w-]+", text[at + following.end() :])
                        if noun:
                            phrase.append(f"{following.group(1)} {noun.group(0)}")
                if index > 0 and re.fullmatch(r"(Bezirkliche|Stellvertretende|Kommissarische)[nr]?", words[index - 1]):
                    phrase.insert(
                        0,
                        re.sub(r"[nr]$", "", words[index - 1])
                        if words[index - 1].endswith(("en", "er"))
                        else words[index - 1],
                    )
                return None, " ".join(phrase)
        return None, None

    # ------------------------------------------------------------ events

    def _events(
        self,
        page: Page,
        body: str,
        found: dict[str, list[Mention]],
        ctx: Context,
        orgs: _Orgs,
        teams: dict[str, str],
        record: PressRelease,
    ) -> list[Event]:
        events: dict[date, Event] = {}
        sentences = _sentences(body)
        mentions = found.get("body", [])
        for index, (s_start, s_end) in enumerate(sentences):
            sentence = body[s_start:s_end]
            dates = find_dates(sentence, page.date_published)
            if not dates:
                continue
            # the sentence after, when it names no date of its own, may give the time and the place
            following: tuple[int, int] | None = None
            following_clock: tuple[time, int] | None = None
            if index + 1 < len(sentences):
                nxt = body[sentences[index + 1][0] : sentences[index + 1][1]]
                if not find_dates(nxt, page.date_published):
                    following = sentences[index + 1]
                    following_clock = find_time(nxt)
            has_event = bool(EVENT_VERBS.search(sentence) or EVENT_NOUNS.search(sentence))
            for d in dates:
                before = sentence[: d.start]
                if NOT_EVENT_BEFORE.search(before[-20:]) and not (d.is_range and before[-5:].strip().lower() == "vom"):
                    continue
                clock = find_time(sentence[d.start :])
                if clock is None:
                    # "Die Präsentation beginnt um 17.30 Uhr": the time in the sentence after
                    clock = following_clock
                if not has_event and clock is None:
                    continue
                if d.value in events:
                    continue
                event = self._event(
                    d.value,
                    clock[0] if clock else None,
                    sentence,
                    s_start,
                    mentions,
                    page,
                    ctx,
                    orgs,
                    teams,
                    record,
                    following,
                )
                events[d.value] = event
        return list(events.values())

    def _event(
        self,
        day: date,
        clock: time | None,
        sentence: str,
        offset: int,
        mentions: list[Mention],
        page: Page,
        ctx: Context,
        orgs: _Orgs,
        teams: dict[str, str],
        record: PressRelease,
        following: tuple[int, int] | None = None,
    ) -> Event:
        """The event on ``day`` that ``sentence`` (at ``offset`` in the body) names; ``following``, the span of the
        sentence after, when that sentence names no date of its own."""
        inside = [m for m in mentions if offset <= m.start < offset + len(sentence)]
        organiser = self._organiser(sentence, offset, inside, mentions, record, ctx, orgs, teams)
        address = None
        nearby = inside
        around = sentence
        if following is not None:
            # "Treffpunkt ist vor Haus 1 in der Ruschestraße 103."
            nearby = inside + [m for m in mentions if following[0] <= m.start < following[1]]
            around = record.body[offset : following[1]]
        for m in nearby:
            if m.category == "area" and (m.data.get("kind") == "Strasse" or STREET_SUFFIX.search(m.text)):
                number = re.match(r"\s+(\d+[a-zA-Z]?(?:\s?[-/–]\s?\d+[a-zA-Z]?)?)(?!\w|\.\d)", record.body[m.end :])
                if number:
                    street = m.data.get("name") or self.gaz.base_form(normalize(m.text))
                    address = f"{street} {number.group(1)}"
                    break
        name = self._event_name(sentence, page.title, organiser)
        venue = self._venue(sentence, inside, organiser) or self._venue(around, nearby, organiser)
        about = [p.iri for p in record.programmes]
        # the release's own hash keeps two releases' events apart, however alike their names
        iri = uris.thing(
            self.base, "Event", f"{day.isoformat()}-{uris.slug(name, max_length=50)}-{uris.short_hash(record.iri)[:6]}"
        )
        return Event(
            name=name,
            iri=iri,
            start_date=day,
            start_time=clock,
            venue=venue,
            address=address,
            organiser=organiser.name if organiser else None,
            organiser_iri=organiser.iri if organiser else None,
            about_iris=about,
        )

    def _organiser(
        self,
        sentence: str,
        offset: int,
        inside: list[Mention],
        mentions: list[Mention],
        record: PressRelease,
        ctx: Context,
        orgs: _Orgs,
        teams: dict[str, str],
    ) -> Organisation | None:
        inviting = re.search(
            r"\b(lädt|laden|lud|luden|veranstaltet|veranstalten|organisiert|organisieren|richtet|"
            r"richten|bittet|bitten|ruft|rufen|eröffnet|eröffnen|feiert|feiern)\b",
            sentence,
        )
        if inviting:
            # the subject of "lädt ... ein": the organisation named nearest to the verb
            near = sorted(
                (m for m in inside if m.category in ("team", "unit", "org", "bare-org", "team-ref")),
                key=lambda m: abs(m.start - offset - inviting.start()),
            )
            for m in near:
                org = orgs.for_surface(m.text)
                if org and org.kind != "PoliticalParty":
                    return org
            if TEAM_REFERENCE.search(sentence) and teams:
                return orgs.find_name(next(iter(teams.values())))
        for m in inside:
            if m.category in ("team", "unit"):
                org = orgs.for_surface(m.text)
                if org:
                    return org
        if TEAM_REFERENCE.search(sentence) and teams:
            return orgs.find_name(next(iter(teams.values())))
        for m in mentions:
            if m.category in ("unit", "team", "org") and re.search(
                r"\b(organisiert|veranstaltet|lädt|laden|richtet)\b", record.body[m.end : m.end + 120].split(".")[0]
            ):
                org = orgs.for_surface(m.text)
                if org:
                    return org
        if teams:
            return orgs.find_name(next(iter(teams.values())))
        if ctx.publisher is not None:
            return orgs.by_iri.get(ctx.publisher.iri) or orgs.add_entity(ctx.publisher, ctx.publisher.name)
        return None

    def _venue(self, sentence: str, inside: list[Mention], organiser: Organisation | None) -> str | None:
        for mention in inside:
            if mention.category == "area" and mention.data.get("kind") in ("Gebaeude", "Freiflaeche"):
                # "im BVV-Saal des Rathauses Schöneberg" -> "BVV-Saal, Rathaus Schöneberg"
                room = re.search(
                    r"\b(?:im|in der|in den)\s+([A-ZÄÖÜ][\w-]*(?:saal|raum|aula|Saal|Aula|halle|foyer))\s+"
                    r"(?:des|der)\s*$",
                    sentence[: sentence.find(mention.text)],
                )
                name = mention.data.get("name", mention.text)
                return f"{room.group(1)}, {name}" if room else name
        m = re.search(
            r"\b(?:im|in der|in die|in den|ins|auf dem|vor dem|an der)\s+(?P<v>(?:[A-ZÄÖÜ][\w-]*\s+)?"
            r"[A-ZÄÖÜ][\w-]*(?:saal|Saal|aula|Aula|raum|Raum|räume|Räume|büro|Büro|zentrum|haus|Haus|café|Café|"
            r"laden|treff|garten|hof|gelände|Gelände|halle|kirche|schule|Schule|foyer))"
            r"(?:\s+(?P<gen>(?:des|der)\s+(?:[A-ZÄÖÜ][\w.-]*|ehemaligen|neuen)(?:\s+(?:[A-ZÄÖÜ][\w.-]*|für))*))?",
            sentence,
        )
        if m:
            venue = m.group("v")
            if re.search(r"(büro|Büro|räume|Räume)$", venue) and organiser is not None and organiser.kind == "Project":
                return f"{'Büro' if venue.endswith(('räume', 'Räume')) else venue} {organiser.name}"
            if m.group("gen"):
                gen = m.group("gen")
                genitive = re.match(r"des\s+([A-ZÄÖÜ]\w+?)(?:es|s)\s+(.*)$", gen)
                if genitive and genitive.group(1) in (
                    "Rathaus",
                    "Nachbarschaftshaus",
                    "Stadtteilzentrum",
                    "Gemeinschaftshaus",
                ):
                    return f"{venue}, {genitive.group(1)} {genitive.group(2)}".strip()
                return f"{venue} {gen}"
            return venue
        if organiser is not None and organiser.kind == "Project":
            office = re.search(r"\b(Vor-Ort-Büro|Stadtteilbüro|Kiezbüro|Büro|Räume|Laden|Stadtteilladen)s?\b", sentence)
            if office:
                noun = "Büro" if office.group(1) == "Räume" else office.group(1)
                return f"{noun} {organiser.name}"
        return None

    def _event_name(self, sentence: str, title: str, organiser: Organisation | None) -> str:
        # a title that names an event: "3. Bezirkliches BENN Treffen hat stattgefunden"
        words = title.split(": ", 1)[-1]
        title_match = re.match(
            r"^(.*?\b(?:Treffen|Fest|Feier|Konferenz|Forum|Workshop|Aktionstag|Kiezfest|"
            r"Sommerfest|Nachbarschaftsfest|Rundgang|Fachtag|Werkstatt))\b",
            words,
        )
        if title_match and len(title_match.group(1).split()) <= 8:
            return title_match.group(1)
        for text in (sentence, title):
            named = self._event_phrase(text, organiser)
            if named:
                return named
        opening = re.search(r"\b(eröffne\w*|einweih\w*|eingeweiht|weiht)\b", sentence)
        if opening:
            # "eröffnet das Team sein neues Büro", "wird es ... eingeweiht": the opening of the office
            office = re.search(r"\b(Vor-Ort-Büro|Stadtteilbüro|Kiezbüro|Büro|Stadtteilzentrum|Räume)\w*", sentence)
            name = "Eröffnung"
            if office:
                noun = office.group(1)
                name += " der Räume" if noun == "Räume" else f" des {noun}s"
            if organiser is not None and organiser.kind == "Project":
                name += f" von {organiser.name}"
            return name
        return title

    def _event_phrase(self, sentence: str, organiser: Organisation | None) -> str | None:
        tokens = sentence.split()
        for index, raw in enumerate(tokens):
            word = raw.strip(string.punctuation + '„“”"«»')
            head = EVENT_HEAD.search(word)
            if not head or not word[:1].isupper() or word in NOT_EVENT_WORDS:
                continue
            if word == "Tisch" and not (index and re.fullmatch(r"(Langen|Runden|Langer|Runder)", tokens[index - 1])):
                continue
            phrase = [word]
            # an adjective before the noun, in its nominative form: "zum symbolischen Spatenstich"
            if index > 0:
                prev = tokens[index - 1].strip(string.punctuation)
                if (
                    re.fullmatch(r"[a-zäöüA-ZÄÖÜ]\w*(en|er|es|e)", prev)
                    and prev.lower() not in _ARTICLES
                    and (
                        prev[:1].isupper()
                        or (
                            index > 1
                            and tokens[index - 2].lower()
                            in ("zum", "zur", "beim", "dem", "den", "einem", "einen", "zu")
                        )
                    )
                ):
                    phrase.insert(0, _nominative_adjective(prev, head.group(1)))
            # its complement: "zur Entwicklung des ehemaligen MfS-Geländes", "des Quartiersmanagements Letteplatz"
            rest: list[str] = []
            for nxt in tokens[index + 1 : index + 10]:
                clean = nxt.strip('„“”"«»')
                bare = clean.rstrip(",.;:!?)")
                if not rest and bare not in ("zum", "zur", "des", "der", "von", "vom", "über", "für", "am", "mit"):
                    break
                if (
                    (rest and bare in ("in", "im", "um", "ab", "bis", "auf", "und", "mit", "ein", "statt", "ein."))
                    or bare[:1].isdigit()
                    or bare in WEEKDAYS
                ):
                    break
                if rest and not (
                    bare[:1].isupper()
                    or bare in ("des", "der", "für", "am", "und")
                    or re.fullmatch(r"[a-zäöü]+(en|er|es|e)", bare)
                ):
                    break
                rest.append(
                    re.sub(
                        r"^seines$",
                        "des",
                        re.sub(r"^seiner$", "der", re.sub(r"^ihres$", "des", re.sub(r"^ihrer$", "der", bare))),
                    )
                )
                if clean != bare or nxt.endswith((",", ".", ";", ":", "!", "?")):
                    break
            while rest and rest[-1] in ("des", "der", "für", "am", "und", "zum", "zur", "von", "vom"):
                rest.pop()
            rest = [w for w in rest if w not in ("neuen", "neuer", "neues", "eigenen")]
            name = " ".join(phrase + rest)
            if (
                organiser is not None
                and organiser.kind == "Project"
                and organiser.name not in name
                and not any(w in ("des", "von", "vom") for w in rest)
            ):
                name = f"{name} von {organiser.name}"
            return name
        return None

    # ------------------------------------------------------------ contacts

    def _contacts(self, contacts: list[ParsedContact], orgs: _Orgs, people: dict[str, Person]) -> list[ContactPoint]:
        result: list[ContactPoint] = []
        for index, contact in enumerate(contacts):
            org = orgs.contact_org.get(index)
            office = contact.office or (org.name if org else "Kontakt")
            iri_org = org.iri if org else uris.thing(self.base, "Organization", uris.slug(office))
            iri = f"{iri_org}/kontakt/" + uris.short_hash(
                office,
                contact.street_address or "",
                contact.postcode or "",
                contact.telephone or "",
                contact.fax or "",
                contact.email or "",
            )
            person = None
            if contact.person:
                person = people.get(normalize(contact.text[contact.person[0] : contact.person[1]].removeprefix("Dr. ")))
            result.append(
                ContactPoint(
                    office=office,
                    iri=iri,
                    organisation=org.name if org else None,
                    organisation_iri=org.iri if org else None,
                    street_address=contact.street_address,
                    postcode=contact.postcode,
                    city=contact.city,
                    telephone=contact.telephone,
                    fax=contact.fax,
                    email=contact.email,
                    person_iri=person.iri if person else None,
                )
            )
        return result


class _Orgs:
    """The organisations of one release, in order of first mention, with their surface forms."""

    def __init__(self, extractor: Extractor, ctx: Context, record: PressRelease) -> None:
        self.x = extractor
        self.ctx = ctx
        self.record = record
        self.by_iri: dict[str, Organisation] = {}
        self.surface: dict[str, Organisation] = {}
        self.contact_org: dict[int, Organisation] = {}

    def ordered(self) -> list[Organisation]:
        return list(self.by_iri.values())

    def _put(self, org: Organisation, surface: str) -> Organisation:
        existing = self.by_iri.setdefault(org.iri, org)
        existing.add_form(surface)
        self.surface.setdefault(surface, existing)
        return existing

    def add_entity(self, entity: Entity, surface: str) -> Organisation:
        return self._put(Organisation(entity.name, entity.iri, entity.cls, parent_iri=entity.parent), surface)

    def add_new(self, name: str, iri: str, kind: str, surface: str, parent_iri: str | None = None) -> Organisation:
        org = self._put(Organisation(name, iri, kind, parent_iri=parent_iri, known=False), surface)
        if (iri, kind, name) not in self.record.new_entities and not any(e[0] == iri for e in self.record.new_entities):
            self.record.new_entities.append((iri, kind, name))
        return org

    def add_pattern(self, name: str, kind: str, surface: str) -> Organisation:
        entity = self.x.gaz.find_by_name(name, "org")
        if entity:
            return self.add_entity(entity, surface)
        name = re.sub(r"^(?:der|die|das|des|dem|den)\s+", "", name)
        return self.add_new(name, uris.thing(self.x.base, "Organization", uris.slug(name)), kind, surface)

    def add_team(self, name: str, programme: str, area: str | None, surface: str) -> Organisation:
        entity = self.x.gaz.find_by_name(name, "org")
        if entity:
            return self.add_entity(entity, surface)
        if area is not None:
            same = next(
                (
                    o
                    for o in self.by_iri.values()
                    if o.kind == "Project"
                    and o.name.startswith(programme)
                    and re.sub(r"^\S+\s+(?:am\s+|an der\s+|im\s+)?", "", o.name) == area
                ),
                None,
            )
            if same is not None:
                return self._put(same, surface)
        org = self.add_new(name, uris.thing(self.x.base, "Organization", uris.slug(name)), "Project", surface)
        return org

    def first_with(self, fragment: str) -> Organisation | None:
        return next((o for o in self.by_iri.values() if fragment in o.iri), None)

    def all_with(self, fragment: str) -> list[Organisation]:
        return [o for o in self.by_iri.values() if fragment in o.iri]

    def find_name(self, name: str) -> Organisation | None:
        return next((o for o in self.by_iri.values() if o.name == name), None)

    def find_name_suffix(self, suffix: str) -> Organisation | None:
        return next((o for o in self.by_iri.values() if o.name.endswith(suffix)), None)

    def for_surface(self, surface: str) -> Organisation | None:
        return self.surface.get(surface)


#: Area names that are also everyday nouns; they count as places only after a place preposition.
COMMON_NOUN_AREAS = {"Buch", "Zentrum", "Mitte", "Heide", "Grund", "Aue", "Insel", "Wald", "Feld", "Dorf", "Park"}


def _named_as_place(m: Mention) -> bool:
    text = m.data.get("context", "")
    return bool(re.search(r"(\b(in|nach|aus|von|Bezirk|Bezirks|Ortsteil|Ortsteils|Bezirksregion)|\bBerlin-)\s*$", text))


def _active(start: date | None, end: date | None, day: date) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def _same_role(stated: str, name: str, alternate: list[str]) -> bool:
    return stated.casefold() in {n.casefold() for n in [name, *alternate]}


def _acronym(alias: str) -> bool:
    letters = alias.replace(" ", "")
    return 2 <= len(letters) <= 8 and letters.upper() == letters and any(c.isalpha() for c in letters)


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """(opening mark, closing mark) offsets of every quoted passage."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        closers = QUOTE_PAIRS.get(ch)
        if closers and (ch != "»" or "«" in text[i + 1 :]):
            if ch == '"' and i + 1 < len(text) and text[i + 1].isspace():
                i += 1
                continue
            end = min((p for p in (text.find(c, i + 1) for c in closers) if p != -1), default=-1)
            if end != -1:
                spans.append((i, end))
                i = end + 1
                continue
        i += 1
    return spans


_BOUNDARY = re.compile(r"(?<!\bDr)(?<!\bProf)(?<!\bNr)(?<!\bca)(?<!\bbzw)(?<!\d)[.!?]\s")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; quotation marks and abbreviations ("Dr.", "Nr.", "z. B.") do not end a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in re.finditer(
        r"(?<!\bDr)(?<!\bNr)(?<!\bca)(?<!\bz\.\sB)(?<!\bbzw)(?<!\bu\.\sa)(?<!\d)[.!?](?=\s+[A-ZÄÖÜ„\"«])|\n\n", text
    ):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


__all__ = ["Extractor"]
