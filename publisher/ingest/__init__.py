"""Ingest: a source document -> a typed record (no RDF) -> an RDF graph (a pure mapping)."""
