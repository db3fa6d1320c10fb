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


RELEASES_DOC = ROOT / "docs" / "kata-releases.md"
RELEASES_BEGIN = "<!-- releases table: begin -->\n"
RELEASES_END = "<!-- releases table: end -->\n"


def test_the_releases_page_has_the_profiles_table() -> None:
    from danmodel.check.profiles import changes_markdown

    text = RELEASES_DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(RELEASES_BEGIN)
    table, _, tail = rest.partition(RELEASES_END)
    if os.environ.get("DANMODEL_REGENERATE_DOCS") and table != changes_markdown():
        RELEASES_DOC.write_text(
            head + RELEASES_BEGIN + changes_markdown() + RELEASES_END + tail, encoding="utf-8"
        )
        table = changes_markdown()
    assert table == changes_markdown(), (
        "docs/kata-releases.md is out of date: run "
        "DANMODEL_REGENERATE_DOCS=1 python -m pytest --no-cov tests/test_runtimes_docs.py"
    )
    assert "| 3.20.0 | runtime-rs | sends only neighbors whose state is exactly PERMANENT" in table


def test_the_rules_table_has_ranges() -> None:
    table = rules_markdown()
    assert "| `rs-neighbor-not-sent` | runtime-rs | 3.20.0 and later | warning |" in table
    assert "| `go-neighbor-not-sent` | go-runtime | before 3.29.0 | warning |" in table
    assert "| `go-neighbor-not-sent` | go-runtime | 3.29.0 and later | warning |" in table
