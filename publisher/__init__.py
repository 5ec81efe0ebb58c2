"""The publisher: press releases as linked open data, checked against SHACL shapes before they are published."""

__version__ = "0.1.0"
