"""Excel import of the planning documents: Perjanjian Kinerja (annual targets), Rencana Aksi (quarterly
targets) and DPA (budget lines) — templates, a preview listing every problem, and an all-or-nothing commit.

Natural keys: indicator code + year for PK/RA, budget code + year for DPA; importing a file again
updates the rows instead of duplicating them.

The package: `templates` (the Excel templates), `preview` (reading an uploaded file into a preview),
`apply` (the commit), `common` (the documents and their columns). The names below are its interface.
"""

from core.imports.apply import ImportResult, commit
from core.imports.common import COLUMNS, KIND_LABELS, KINDS
from core.imports.preview import ACTION_LABELS, MAX_FILE_BYTES, MAX_ROWS, Preview, Problem, parse
from core.imports.templates import COMBINE_TEXT, ENTRY_FILL, HEADER_FILL, REF_FILL, template

__all__ = [
    # the documents
    "KINDS", "KIND_LABELS", "COLUMNS",
    # templates
    "COMBINE_TEXT", "HEADER_FILL", "REF_FILL", "ENTRY_FILL", "template",
    # reading a file
    "MAX_FILE_BYTES", "MAX_ROWS", "Problem", "Preview", "parse", "ACTION_LABELS",
    # commit
    "ImportResult", "commit",
]
