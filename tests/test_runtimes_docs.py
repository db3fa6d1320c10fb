"""docs/runtimes.md holds the table that the rules themselves render."""

from __future__ import annotations

import os

from conftest import ROOT
from danmodel.check import rules_markdown

DOC = ROOT / "docs" / "runtimes.md"
BEGIN = "<!-- rules table: begin -->\n"
END = "<!-- rules table: end -->\n"


def test_the_docs_table_is_the_rules_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    table, _, tail = rest.partition(END)
    if os.environ.get("DANMODEL_REGENERATE_DOCS") and table != rules_markdown():
        DOC.write_text(head + BEGIN + rules_markdown() + END + tail, encoding="utf-8")
        table = rules_markdown()
    assert table == rules_markdown(), (
        "docs/runtimes.md is out of date: run "
        "DANMODEL_REGENERATE_DOCS=1 python -m pytest --no-cov tests/test_runtimes_docs.py"
    )


def test_the_table_has_a_row_per_rule() -> None:
    rows = rules_markdown().splitlines()
    assert (
        rows[0] == "| rule | runtime | releases | severity | input | what the runtime does | fix |"
    )
    assert rows[2] == (
        "| `json-invalid` | both | all | error | a document that is not JSON text in UTF-8 "
        "| both runtimes reject the file | write valid JSON |"
    )
    assert "| `go-vfio-too-old` | go-runtime | before 3.10.0 | error |" in rules_markdown()
