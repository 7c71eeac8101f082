"""tei-edition: TEI P5 encoding, validation and HTML reading editions of archival documents."""

__version__ = "0.1.0"
