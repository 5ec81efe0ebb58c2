"""The JSON API for developers who do not write SPARQL: press releases with filters, and the organisations,
people, areas, programmes and events they name, as plain JSON or JSON-LD, described by an OpenAPI document.

``declarations`` says what the API offers (kinds, parameters, filters, sort orders), ``core`` answers requests
over a store, ``openapi`` describes it all. The web layer (``publisher.web.api``) only parses requests and
renders what the core answers.
"""

from publisher.api.core import Api, Item, Listing, ListQuery, Paging, ParameterError
from publisher.api.declarations import KINDS, Kind, Param

__all__ = ["KINDS", "Api", "Item", "Kind", "ListQuery", "Listing", "Paging", "Param", "ParameterError"]
