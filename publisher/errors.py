"""Typed errors, each with an HTTP status and a message a person can act on."""

from __future__ import annotations

from pathlib import Path


class PublisherError(Exception):
    """Base class: ``str(error)`` is one line that names what is wrong and where."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(PublisherError):
    """A source document cannot be read as a press release."""

    status = 400

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


class DuplicateIdentityError(PublisherError):
    """Two source documents describe the same press release."""

    status = 409

    def __init__(self, identifier: str, first: str, second: str) -> None:
        super().__init__(f"{second}: same press release as {first} (identity {identifier})")
        self.identifier = identifier
        self.first = first
        self.second = second


class ReferenceDataError(PublisherError):
    """The curated reference data is broken."""

    status = 500


class ConfigError(PublisherError):
    """A setting has a value that cannot be used."""

    status = 400


class StoreError(PublisherError):
    """The store cannot be opened, read or written. ``transient``: it is away or too slow for now (a remote store
    unreachable, timed out, or failing on its side), so asking again later may succeed; not so for a store that
    refuses the credentials or whose state cannot be read."""

    status = 503

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class NotFoundError(PublisherError):
    """No resource with that IRI."""

    status = 404


class NotAcceptableError(PublisherError):
    """The client accepts none of the formats a resource is available in."""

    status = 406

    def __init__(self, accept: str, available: list[str]) -> None:
        super().__init__(
            f"none of the requested types ({accept or 'none given'}) is available; available: {', '.join(available)}"
        )
        self.available = available


class HttpError(PublisherError):
    """An HTTP error that has no cause in the publisher's own terms (a wrong method, a malformed request)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class QueryError(PublisherError):
    """A SPARQL request the endpoint will not or cannot answer. ``headers`` go into the response (Retry-After)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
