"""What a bibliographic service (arXiv, Crossref) says about a work, in the catalog's own terms.

Each client maps its answer onto this one record, so that ``ppml add
reference`` drafts from any of them the same way: the canonical address, the
reference type the catalog uses (``paper``, ``book``, ``report``) and the
venue are decided by the client that knows its source's conventions.
"""

from __future__ import annotations

from ppml_cli.model import Record


class Publication(Record):
    #: The service that answered, as a person names it ("arXiv", "Crossref").
    source: str
    #: The canonical address of the work (its arXiv abstract page, its doi.org link).
    url: str
    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str | None = None
    #: The catalog's reference type: paper, book or report.
    type: str = "paper"
    abstract: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
