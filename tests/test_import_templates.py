"""Every downloadable import template: the cells' pop-up help (input messages) fits Excel's
255 characters without being cut mid-word, and each column's meaning reads as sentences
(qaweb.core.import_template)."""

import io
import re

import pytest
from openpyxl import load_workbook
from support import sign_in

from qaweb.core.import_template import input_message, sentences

#: Each template: (its address, the role that downloads it).
TEMPLATES = {
    "staff": ("/admin/users/import-template.xlsx", "admin"),
    "case list": ("/case-audits/cases/import-template.xlsx", "qa_officer"),
    "DIP sample": ("/dip-samples/template.xlsx", "qa_officer"),
    "schedule": ("/practice-weeks/import-template.xlsx", "qa_officer"),
    "complaints": ("/complaints/import/template-complaints.xlsx", "admin"),
    "compliments": ("/complaints/import/template-compliments.xlsx", "admin"),
}


def _meanings(book) -> dict[str, str]:
    """The Instructions sheet's "What to enter" by column title."""
    rows = list(book["Instructions"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[:3] == ("Column", "Required", "What to enter"))
    return {r[0]: r[2] for r in rows[start + 1 :] if r and r[0]}


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_pop_up_help_is_cut_mid_word_and_every_meaning_reads_as_sentences(
    client, make_user, make_team, name
):
    """Found walking the complaints import: the "Closed date" pop-up ended "...Date closed;
    Closed; Closed on; Cl" (cut at Excel's 255 characters), and meanings ran into the next
    part without a full stop ("Stage 1 starts that day Allowed: A date...")."""
    make_team("Oaks")
    address, role = TEMPLATES[name]
    sign_in(client, make_user(role))
    response = client.get(address)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    data = book.worksheets[0]
    titles = [c.value for c in data[1] if c.value]
    meanings = _meanings(book)
    assert set(meanings) == set(titles)
    prompts = {}
    for validation in data.data_validations.dataValidation:
        column = next(iter(validation.sqref.ranges)).min_col
        prompts[data.cell(1, column).value] = validation.prompt
    assert set(prompts) == set(titles), "every column has its pop-up help"
    for title, prompt in prompts.items():
        full = meanings[title]
        assert prompt and len(prompt) <= 255, title
        if prompt == full:
            continue
        # Shortened: the whole sentences, or whole words then "…"; never a word cut off.
        kept = prompt.removesuffix("…")
        assert full.startswith(kept), title
        next_character = full[len(kept) : len(kept) + 1]
        assert not kept[-1:].isalnum() or next_character.isspace(), (title, prompt)
        assert prompt.endswith(("…", ".")), (title, prompt)
    for title, meaning in meanings.items():
        assert not re.search(r"[^.!?…] (Allowed|Also accepted as the heading):", meaning), (
            title,
            meaning,
        )


def test_a_long_input_message_keeps_whole_sentences_or_whole_words():
    meaning = sentences(
        "The day the complaint was closed",
        "Allowed: A date: a date cell, or typed as dd/mm/yyyy (also 2025-04-01 or 1 April 2025)",
        "Also accepted as the heading: " + "; ".join(f"Closed heading {n}" for n in range(20)),
    )
    assert meaning.startswith("The day the complaint was closed. Allowed: A date: a date cell")
    assert meaning.count(". ") == 2 and meaning.endswith("19.")
    assert input_message(meaning) == meaning[: meaning.index(" Also accepted")]
    words = " ".join(["Unbreakable"] * 40)
    shortened = input_message(words)
    assert len(shortened) <= 255 and shortened.endswith("Unbreakable…")
    assert input_message("Short help") == "Short help"
    assert sentences("Ends here.", "", "Then this") == "Ends here. Then this."
