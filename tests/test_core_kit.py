"""Small pieces of the shared kit (``qaweb/core``) that several features use, tested once
here rather than in each feature."""

import pytest

from qaweb.core.jobs import run_rounds


def test_a_worker_round_that_fails_is_reported_and_the_worker_keeps_going(app, capsys, monkeypatch):
    rounds = iter([RuntimeError("database gone"), 3, KeyboardInterrupt()])

    def work():
        result = next(rounds)
        if isinstance(result, BaseException):
            raise result
        return result

    monkeypatch.setattr("qaweb.core.jobs.time.sleep", lambda seconds: None)
    run_rounds(work, 0, False, "This round failed", lambda n: f"Ran {n}." if n else None)
    out, err = capsys.readouterr()
    assert err == "This round failed: database gone\n"
    assert out == "Ran 3.\nStopped.\n"


@pytest.mark.parametrize("result, shown", [(0, ""), (2, "Ran 2.\n")])
def test_once_runs_one_round_and_says_only_what_there_is_to_say(app, capsys, result, shown):
    calls = []
    run_rounds(
        lambda: calls.append(1) or result, 0, True, "failed", lambda n: f"Ran {n}." if n else None
    )
    assert calls == [1]
    assert capsys.readouterr().out == shown


@pytest.mark.parametrize("stored, read", [("7", 7), (" 7 ", 7), ("seven", 2), ("51", 2), ("0", 0)])
def test_a_mistyped_number_setting_acts_as_its_default(app, stored, read):
    from qaweb.core.settings import set_setting, whole_number

    set_setting("case_audit_per_team", stored)
    assert whole_number("case_audit_per_team", 2, 0, 50) == read


def test_rule_lines_skip_blank_lines_but_count_them():
    from qaweb.core.samples import rule_lines

    typed = "  every  child protection \n\n1 child in care\nevery"
    assert list(rule_lines(typed)) == [
        (1, "every", "child protection"),
        (3, "1", "child in care"),
        (4, "every", ""),
    ]
