"""The OpenAPI 3.1 document of the JSON API, made from the same declarations the API validates requests with."""

from __future__ import annotations

from typing import Any

from publisher.api.declarations import FORMAT, KINDS, Kind, Param, list_params

OPENAPI_VERSION = "3.1.0"

_NULLABLE_TEXT: dict[str, Any] = {"type": ["string", "null"]}
_TEXTS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _refs() -> dict[str, Any]:
    return {"type": "array", "items": _ref("Ref")}


def _nullable(name: str) -> dict[str, Any]:
    return {"oneOf": [_ref(name), {"type": "null"}]}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _schema_of(param: Param, max_page_size: int) -> dict[str, Any]:
    if param.type == "integer":
        schema: dict[str, Any] = {"type": "integer", "minimum": 0 if param.name == "offset" else 1}
        if param.name in ("per_page", "limit"):
            schema["maximum"] = max_page_size
        return schema
    if param.type == "date":
        return {"type": "string", "format": "date"}
    if param.type == "choice":
        return {"type": "string", "enum": list(param.choices)}
    return {"type": "string"}


def _parameter(param: Param, max_page_size: int) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "required": False,
        "description": param.description,
        "schema": _schema_of(param, max_page_size),
    }
    if param.example is not None:
        described["example"] = int(param.example) if param.type == "integer" else param.example
    return described


_HEAD: dict[str, Any] = {
    "id": {"type": ["string", "null"], "description": "The id in the API's paths: /api/{kind}/{id}."},
    "iri": {"type": "string", "format": "iri", "description": "The resource's IRI."},
    "document": {"type": ["string", "null"], "description": "The URL of the Linked Data document about it."},
    "api": {"type": ["string", "null"], "description": "This item in the API (a path on this server)."},
}
_LINKS: dict[str, Any] = {
    "type": "object",
    "description": "Listings of the API about this item (paths on this server).",
    "additionalProperties": {"type": "string"},
}


def _item_schemas() -> dict[str, Any]:
    role = _object(
        {
            "role": _NULLABLE_TEXT,
            "organisation": _nullable("Ref"),
            "start": _NULLABLE_TEXT,
            "end": _NULLABLE_TEXT,
        }
    )
    location = {
        "oneOf": [
            _object(
                {
                    "name": _NULLABLE_TEXT,
                    "street": _NULLABLE_TEXT,
                    "postal_code": _NULLABLE_TEXT,
                    "locality": _NULLABLE_TEXT,
                }
            ),
            {"type": "null"},
        ]
    }
    release = {
        **_HEAD,
        "headline": {"type": "string"},
        "date_published": {"type": "string", "format": "date"},
        "date_modified": _NULLABLE_TEXT,
        "number": {**_NULLABLE_TEXT, "description": "The press release number the source states."},
        "publisher": _nullable("Ref"),
        "areas": {**_refs(), "description": "The areas it is about (schema:spatialCoverage)."},
        "programmes": {**_refs(), "description": "Programmes and phases it is about or mentions."},
        "organisations": {**_refs(), "description": "Organisations it mentions."},
        "people": {**_refs(), "description": "People it mentions."},
        "events": {**_refs(), "description": "Events it tells of."},
    }
    snippet = {"snippet": {"type": "string", "description": "Text around the first match (with q only)."}}
    quotation = _object({"text": _NULLABLE_TEXT, "speaker": _nullable("Ref")})
    release_detail = {
        **release,
        "body": {"type": "string"},
        "language": _NULLABLE_TEXT,
        "license": _NULLABLE_TEXT,
        "quotations": {"type": "array", "items": quotation},
    }
    organisation = {
        **_HEAD,
        "name": _NULLABLE_TEXT,
        "alternate_names": _TEXTS,
        "types": {**_TEXTS, "description": "schema.org classes (local names)."},
        "parent": _nullable("Ref"),
        "founded": _NULLABLE_TEXT,
        "dissolved": _NULLABLE_TEXT,
        "links": _LINKS,
    }
    person = {
        **_HEAD,
        "name": _NULLABLE_TEXT,
        "given_name": _NULLABLE_TEXT,
        "family_name": _NULLABLE_TEXT,
        "honorific_prefix": _NULLABLE_TEXT,
        "roles": {"type": "array", "items": role},
        "member_of": {**_refs(), "description": "Organisations (parties) the person is a member of."},
        "links": _LINKS,
    }
    area = {
        **_HEAD,
        "name": _NULLABLE_TEXT,
        "type": {**_NULLABLE_TEXT, "description": "The kind of area: the first segment of its id."},
        "code": {**_NULLABLE_TEXT, "description": "The LOR code."},
        "parents": {**_refs(), "description": "The areas it lies in (schema:containedInPlace)."},
        "same_as": _TEXTS,
        "links": _LINKS,
    }
    programme = {
        **_HEAD,
        "name": _NULLABLE_TEXT,
        "alternate_names": _TEXTS,
        "description": _NULLABLE_TEXT,
        "funders": _refs(),
        "phases": _refs(),
        "founded": _NULLABLE_TEXT,
        "dissolved": _NULLABLE_TEXT,
        "links": _LINKS,
    }
    event = {
        **_HEAD,
        "name": _NULLABLE_TEXT,
        "start": {**_NULLABLE_TEXT, "description": "An ISO date, or a date and time with its offset."},
        "organizer": _nullable("Ref"),
        "about": _refs(),
        "releases": {**_refs(), "description": "The press releases that tell of it."},
        "location": location,
    }
    return {
        "Release": _object({**release, **snippet}, required=list(release)),
        "ReleaseDetail": _object(release_detail),
        "Organisation": _object(organisation),
        "OrganisationDetail": _object({**organisation, "units": _refs()}),
        "Person": _object(person),
        "PersonDetail": _object(person),
        "Area": _object(area),
        "AreaDetail": _object({**area, "contains": _refs()}),
        "Programme": _object(programme),
        "ProgrammeDetail": _object(programme),
        "Event": _object(event),
        "EventDetail": _object(event),
    }


def _list_schema(kind: Kind) -> dict[str, Any]:
    links = {rel: {"type": "string"} for rel in ("self", "first", "last", "prev", "next")}
    return _object(
        {
            "total": {"type": "integer", "minimum": 0, "description": "Entries that match, on all pages."},
            "page": {"type": ["integer", "null"], "description": "This page's number (page style only)."},
            "per_page": {"type": ["integer", "null"]},
            "pages": {"type": "integer", "minimum": 1},
            "offset": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
            "sort": {"type": "string", "enum": [s.name for s in kind.sorts]},
            "parameters": {
                "type": "object",
                "description": "The filters and options as given.",
                "additionalProperties": {"type": "string"},
            },
            "items": {"type": "array", "items": _ref(kind.singular.capitalize())},
            "links": {
                "type": "object",
                "properties": links,
                "required": ["self", "first", "last"],
                "additionalProperties": False,
            },
        }
    )


_ERROR = _object(
    {
        "ok": {"const": False},
        "status": {"type": "integer"},
        "error": {"type": "string", "description": "What is wrong, naming the parameter and what it accepts."},
        "parameter": {"type": "string", "description": "The parameter at fault (400 only)."},
        "available": {"type": "array", "items": {"type": "string"}, "description": "Media types offered (406)."},
        "@context": {"type": "object", "description": "In the JSON-LD form of an error only."},
    },
    required=["ok", "status", "error"],
)
_REF = _object(
    {
        "iri": {"type": "string"},
        "name": _NULLABLE_TEXT,
        "id": {"type": "string"},
        "api": {"type": "string"},
        "document": _NULLABLE_TEXT,
    },
    required=["iri", "name"],
)
_JSONLD = {
    "type": "object",
    "description": "JSON-LD, compact against the publisher's context (schema.org, pm:, Hydra for paging).",
    "required": ["@context"],
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}, "application/ld+json": {"schema": _ref("Error")}},
    }


def _ok(description: str, schema: str, paged: bool) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema)}, "application/ld+json": {"schema": _JSONLD}},
    }
    if paged:
        response["headers"] = {
            "Link": {
                "description": "The first, last, previous and next pages (rel first, last, prev, next).",
                "schema": {"type": "string"},
            },
            "X-Total-Count": {"description": "Entries that match, on all pages.", "schema": {"type": "integer"}},
        }
    return response


def openapi_document(*, root: str, page_size: int, max_page_size: int, version: str) -> dict[str, Any]:
    """The OpenAPI document of the API served under ``root`` (the app's script root)."""
    paths: dict[str, Any] = {}
    for kind in KINDS.values():
        schema = kind.singular.capitalize()
        paths[f"/api/{kind.name}"] = {
            "get": {
                "operationId": f"list_{kind.name}",
                "summary": f"List {kind.name}",
                "description": (
                    f"{kind.german}: every filter narrows the list; pages of {page_size} entries unless per_page "
                    f"or limit says otherwise (at most {max_page_size}, setting PUBLISHER_API_MAX_PAGE_SIZE)."
                ),
                "tags": [kind.name],
                "parameters": [_parameter(p, max_page_size) for p in list_params(kind)],
                "responses": {
                    "200": _ok(f"A page of {kind.name}", f"{schema}List", paged=True),
                    "400": _error("A parameter is malformed, unknown, or names nothing"),
                    "404": _error("The page does not exist"),
                    "406": _error("Neither JSON nor JSON-LD is acceptable"),
                },
            }
        }
        paths[f"/api/{kind.name}/{{id}}"] = {
            "get": {
                "operationId": f"get_{kind.singular}",
                "summary": f"One {kind.singular}",
                "tags": [kind.name],
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "description": (
                            "The item's id (its IRI after /id/"
                            + ("" if kind.keeps_segment else f"{kind.segments[0]}/")
                            + "); it may hold '/', sent as it is."
                        ),
                        "schema": {"type": "string"},
                    },
                    _parameter(FORMAT, max_page_size),
                ],
                "responses": {
                    "200": _ok(f"The {kind.singular}", f"{schema}Detail", paged=False),
                    "400": _error("A parameter other than format is given, or format is malformed"),
                    "404": _error(f"No {kind.singular} has that id"),
                    "406": _error("Neither JSON nor JSON-LD is acceptable"),
                },
            }
        }
    schemas: dict[str, Any] = {"Error": _ERROR, "Ref": _REF, **_item_schemas()}
    for kind in KINDS.values():
        schemas[f"{kind.singular.capitalize()}List"] = _list_schema(kind)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Press releases as linked open data: JSON API",
            "version": version,
            "description": (
                "Press releases and the organisations, people, areas, programmes and events they name, as plain "
                "JSON or as JSON-LD (Accept: application/ld+json, or format=jsonld), whose IRIs are those of the "
                "Linked Data documents. Errors have one shape: {ok: false, status, error}. Everything is also "
                "available through SPARQL at /sparql."
            ),
            "license": {"name": "Datenlizenz Deutschland – Namensnennung – 2.0", "identifier": "DL-DE-BY-2.0"},
        },
        "servers": [{"url": root or "/"}],
        "tags": [{"name": k.name, "description": k.german} for k in KINDS.values()],
        "paths": paths,
        "components": {"schemas": schemas},
    }


__all__ = ["OPENAPI_VERSION", "openapi_document"]
