"""The markup the list pages remember (GOV.UK macros by params, long selects' options by
their options and chosen value) is the markup they would write afresh."""

import pytest
from flask import url_for
from markupsafe import Markup

from qaweb.core import forms, templating
from qaweb.core.forms import IdSelectField, choices
from qaweb.core.lists import FilterForm


class _PersonFilter(FilterForm):
    person = IdSelectField("Person")


def _people():
    # Over LongGovSelect.LONG options, with text that needs escaping.
    return choices(((n, f"O'Brien & Co <{n}>") for n in range(1, 61)), blank="Anyone")


def _select(app, query):
    with app.test_request_context(f"/list?{query}"):
        form = _PersonFilter()
        form.person.choices = _people()
        form.validate()
        return str(form.person())


def test_long_select_is_remembered_per_chosen_value(app):
    forms._OPTIONS_CACHE.clear()
    fresh_7 = _select(app, "person=7")
    fresh_none = _select(app, "")
    assert len(forms._OPTIONS_CACHE) == 2

    # From the cache: the same markup, each with its own option selected.
    assert _select(app, "person=7") == fresh_7
    assert _select(app, "") == fresh_none
    assert '<option value="7" selected>O&#39;Brien &amp; Co &lt;7&gt;</option>' in fresh_7
    assert fresh_7.count(" selected") == 1
    assert fresh_none.count(" selected") == 1
    assert '<option value="" selected>Anyone</option>' in fresh_none
    assert _select(app, "person=8").count(" selected") == 1
    assert '<option value="8" selected>' in _select(app, "person=8")


def test_govuk_macro_is_remembered_by_params(app):
    tag = app.jinja_env.globals["govukTag"]
    templating._MACRO_CACHE.clear()
    with app.test_request_context("/"):
        plain = tag({"text": "<b>Open</b>"})
        assert ("govukTag", ("list", (("text", "<b>Open</b>"),))) in templating._MACRO_CACHE
        again = tag({"text": "<b>Open</b>"})
        # Markup with the same characters is not the same params: it is not escaped.
        marked = tag({"html": Markup("<b>Open</b>")})
        other = tag({"text": "Closed"})
    assert again == plain
    assert "&lt;b&gt;Open&lt;/b&gt;" in plain
    assert "<b>Open</b>" in marked
    assert "Closed" in other and "Open" not in other


def test_record_url_for_gives_each_row_the_url_url_for_gives(app):
    with app.test_request_context("/"):
        team_url = templating.record_url_for("organisation.team_form", "team_id")
        for team_id in (1, 7, 12345):
            assert team_url(team_id) == url_for("organisation.team_form", team_id=team_id)
        line_url = templating.record_url_for("moderation.line", "line_id")
        assert line_url(3) == url_for("moderation.line", line_id=3)
        with pytest.raises(ValueError):
            templating.record_url_for("organisation.teams", "team_id")  # no id in its URL
