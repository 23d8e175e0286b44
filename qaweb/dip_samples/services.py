"""Dip samples: who may do what, setting one up from typed or imported cases, and answers.

Source: Wokingham QA framework §4 (dip sampling by managers, a large number of cases, set
by the QA team and the QA Operational Group). Case numbers are checked as the case-file
audits' case list checks them (``qaweb.case_audits.case_import``): present, no spaces or
hidden characters, at most 40 characters, not repeated.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, delete, exists, func, insert, or_, select, true

from qaweb.core import spreadsheets
from qaweb.core.db import utcnow
from qaweb.core.permissions import (
    QA_BOARD,
    QA_OFFICER,
    SERVICE_MANAGER,
    TEAM_MANAGER,
    has_any_role,
    manages_area,
    service_area_of,
)
from qaweb.dip_samples.models import (
    ANSWERS,
    DONE,
    TO_DO,
    DipSample,
    DipSampleAnswer,
    DipSampleCase,
)
from qaweb.extensions import db
from qaweb.organisation.models import Team, User, UserRole

TOOL_KIND = "dip_sample"
MAX_CASES = 2000
CASE_NUMBER_LENGTH = 40
HEADERS = {"case number": "Case number", "team": "Team", "sampler email": "Sampler email"}
REQUIRED = ("case number",)
LIMITS = spreadsheets.Limits(max_rows=MAX_CASES)
#: Who may sample a case: managers (Wokingham §4: "dip-samples completed by managers").
SAMPLER_ROLES = (TEAM_MANAGER, SERVICE_MANAGER)


class DipSampleError(Exception):
    """A rule broken: the message says which, in words for the person who broke it."""


class CasesRefused(DipSampleError):
    """Cases that cannot be saved: ``problems`` names each line, nothing is saved."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


# -- who may do what --------------------------------------------------------------------------


def can_set_up(user) -> bool:
    """The QA team sets up dip samples and sees every one."""
    return has_any_role(user, QA_OFFICER)


def can_see_list(user) -> bool:
    """The dip samples page: the QA team and QA Board, service managers (their area's) and
    team managers (the cases they sample)."""
    return has_any_role(user, QA_OFFICER, QA_BOARD, SERVICE_MANAGER, TEAM_MANAGER)


def can_read_results(user) -> bool:
    """Results: the QA team and the QA Board all of them, a service manager their area's."""
    return has_any_role(user, QA_OFFICER, QA_BOARD, SERVICE_MANAGER)


def results_area(user) -> int | None:
    """The service area whose results ``user`` sees (their own, for a service manager who is
    not in the QA team or on the QA Board); None for the whole council."""
    if has_any_role(user, QA_OFFICER, QA_BOARD):
        return None
    return service_area_of(user) or -1  # a service manager without a team sees nothing


def can_answer(user, case: DipSampleCase) -> bool:
    """The manager the case is assigned to answers it (the QA team can, for cover)."""
    if not (user and user.is_authenticated and user.active):
        return False
    return case.sampler_id == user.id or has_any_role(user, QA_OFFICER)


def can_view_case(user, case: DipSampleCase) -> bool:
    """Its sampler and the QA team; the QA Board; the service manager of the case's area."""
    return can_answer(user, case) or has_any_role(user, QA_BOARD) or manages_area(user, case.team)


def can_raise_action(user, case: DipSampleCase) -> bool:
    """An action from a case answered "no": the QA team, or the area's service manager."""
    return has_any_role(user, QA_OFFICER) or manages_area(user, case.team)


def case_conditions(user) -> list:
    """The SQL side of ``can_view_case`` for lists of cases (or them): none for nobody."""
    if has_any_role(user, QA_OFFICER, QA_BOARD):
        return [true()]
    conditions = [DipSampleCase.sampler_id == user.id]
    area = service_area_of(user)
    if area is not None and has_any_role(user, SERVICE_MANAGER):
        conditions.append(
            DipSampleCase.team_id.in_(select(Team.id).where(Team.service_area_id == area))
        )
    return conditions


def can_view_sample(user, sample: DipSample) -> bool:
    """The sample's page: anyone who sees one of its cases, or its results."""
    if has_any_role(user, QA_OFFICER, QA_BOARD):
        return True
    if not can_see_list(user):
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    DipSampleCase.dip_sample_id == sample.id, or_(*case_conditions(user))
                )
            )
        )
    )


def can_read_sample_results(user, sample: DipSample) -> bool:
    """A sample's results: ``can_read_results`` and a case of it in what ``user`` sees."""
    return can_read_results(user) and can_view_sample(user, sample)


# -- the question set -------------------------------------------------------------------------


def current_tool():
    """The dip-sample tool version new dip samples use (``tools.services.current_version``);
    None when the council has published none."""
    from qaweb.tools.services import current_version

    return current_version(TOOL_KIND)


def tool_choices():
    """(version id, label) of each dip-sample tool's current published version."""
    from qaweb.tools.services import published_versions

    return [(v.id, f"{v.tool.name}, version {v.number}") for v in published_versions(TOOL_KIND)]


# -- cases: typed or imported -----------------------------------------------------------------


def parse_typed(text: str) -> list[dict]:
    """Typed lines, one case a line: ``case number[, team[, sampler email]]``. Returns
    rows as ``read_file`` does ({"row": line number, "case number", "team", "sampler
    email"}); blank lines are skipped (and still counted, so a line number is the one the
    person sees)."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [spreadsheets.clean_identifier(p) for p in line.split(",")]
        parts += [""] * (3 - len(parts))
        rows.append(
            {
                "row": number,
                "case number": parts[0],
                "team": parts[1],
                "sampler email": parts[2],
                "extra": len(parts) > 3,
            }
        )
    return rows


def read_file(filename: str, data: bytes) -> list[dict]:
    """The rows of an uploaded case list (.xlsx or .csv with Case number, and optionally
    Team and Sampler email; other columns ignored). Raises ``spreadsheets.SpreadsheetError``
    for a file that cannot be read, or one with a column naming a child."""
    from qaweb.case_audits.case_import import read_case_list

    table = read_case_list(filename, data, HEADERS, REQUIRED, LIMITS)
    return [
        {
            "row": number,
            **{
                key: spreadsheets.clean_identifier(spreadsheets.cell_text(values.get(key)))
                for key in HEADERS
            },
        }
        for number, values in table
    ]


@dataclass(frozen=True)
class CaseLine:
    """One checked case to sample: its case number (as typed, cleaned), the team that holds
    it and the manager who samples it (``check_cases``)."""

    case_number: str
    team: Team
    sampler: User


def team_managers(team_ids) -> dict[int, User]:
    """Each team's manager (the first by name of its active team managers), one query."""
    found: dict[int, User] = {}
    people = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active, User.team_id.in_(team_ids), UserRole.role == TEAM_MANAGER)
        .order_by(User.last_name, User.first_name, User.id)
    )
    for person in people:
        found.setdefault(person.team_id, person)
    return found


def _case_number_problems(r: dict, at: str, where: str, first_seen: dict[str, int]) -> list[str]:
    """What is wrong with row ``r``'s case number (and extra columns), each message starting
    with ``at``; records the number's first row in ``first_seen`` when it is fine."""
    number = r["case number"]
    mine = []
    if r.get("extra"):
        mine.append(f"{at}: give at most a case number, a team and an email, with commas")
    if not number:
        mine.append(f"{at}: enter a case number")
    elif not spreadsheets.is_plain_identifier(number):
        mine.append(f"{at}: case number '{number}' has spaces or hidden characters in it")
    elif len(number) > CASE_NUMBER_LENGTH:
        mine.append(f"{at}: a case number must be {CASE_NUMBER_LENGTH} characters or fewer")
    elif number.lower() in first_seen:
        mine.append(
            f"{at}: case {number} is already on {where.lower()} {first_seen[number.lower()]}"
        )
    else:
        first_seen[number.lower()] = r["row"]
    return mine


def _row_team(r: dict, at: str, teams: dict, by_id: dict, listed: dict):
    """(row ``r``'s team or None, problems): the team named, else the case's team on the case
    list (``listed``: lower-case case number -> team id)."""
    number = r["case number"]
    mine = []
    team = None
    if r["team"]:
        team = teams.get(r["team"].lower())
        if team is None:
            mine.append(f"{at}: '{r['team']}' is not a team in qaweb")
    elif number and number.lower() in listed:
        team = by_id.get(listed[number.lower()])
    if team is None and not r["team"] and number:
        mine.append(
            f"{at}: case {number} is not on the case list, so give its team after a "
            f"comma, like '{number}, Brambles'"
        )
    return team, mine


def _row_sampler(r: dict, at: str, samplers: dict):
    """(row ``r``'s sampler or None, problems): the active member of staff whose email is
    given, who must hold a sampler role (``SAMPLER_ROLES``); None when no email is given."""
    mine = []
    sampler = None
    if r["sampler email"]:
        sampler = samplers.get(r["sampler email"].lower())
        if sampler is None:
            mine.append(f"{at}: {r['sampler email']} is not a current member of staff")
        elif not sampler.has_any_role(*SAMPLER_ROLES):
            mine.append(f"{at}: {sampler.name} is not a team or service manager")
    return sampler, mine


def check_cases(rows: list[dict], where: str = "Line") -> list[CaseLine]:
    """The rows as cases to sample, or CasesRefused naming every problem by ``where`` and
    number ("Line 3: ..."). A row's team, when not given, is the case's team on the
    case-file audits' case list; its sampler, when not given, is the team's manager (a
    sample "per team"); a sampler given must be an active team or service manager."""
    from qaweb.case_audits.models import CaseFile

    if not rows:
        raise CasesRefused(["Enter at least one case number"])
    if len(rows) > MAX_CASES:
        raise CasesRefused([f"A dip sample has at most {MAX_CASES:,} cases: split the list"])
    numbers = [r["case number"].lower() for r in rows if r["case number"]]
    listed = {
        c.case_number.lower(): c.team_id
        for c in db.session.scalars(
            select(CaseFile).where(func.lower(CaseFile.case_number).in_(numbers))
        )
    }
    teams = {t.name.lower(): t for t in db.session.scalars(select(Team).where(Team.active))}
    by_id = {t.id: t for t in teams.values()}
    emails = {r["sampler email"].lower() for r in rows if r["sampler email"]}
    samplers = {
        u.email.lower(): u
        for u in db.session.scalars(
            select(User).where(User.active, func.lower(User.email).in_(emails))
        )
    }
    first_seen: dict[str, int] = {}
    resolved = []
    problems = []
    for r in rows:
        at = f"{where} {r['row']}"
        mine = _case_number_problems(r, at, where, first_seen)
        team, team_problems = _row_team(r, at, teams, by_id, listed)
        sampler, sampler_problems = _row_sampler(r, at, samplers)
        resolved.append((r, team, sampler))
        problems.extend(mine + team_problems + sampler_problems)
    managers = team_managers({t.id for _, t, s in resolved if t is not None and s is None})
    lines = []
    for r, team, sampler in resolved:
        if team is not None and sampler is None and not r["sampler email"]:
            sampler = managers.get(team.id)
            if sampler is None:
                problems.append(
                    f"{where} {r['row']}: {team.name} has no team manager in qaweb, so give "
                    "the sampler's email after the team"
                )
        if team is not None and sampler is not None:
            lines.append(CaseLine(r["case number"], team, sampler))
    if problems:
        raise CasesRefused(problems)
    return lines


def create(title: str, version, starts_on: date, ends_on: date, lines, by) -> DipSample:
    """A new dip sample with its cases (``CaseLine``s), each to do by ``ends_on``. Raises
    DipSampleError for a version that is not a published dip-sample tool or a period
    ending before it starts. Added and flushed; the view commits."""
    if version is None or version.tool.kind != TOOL_KIND or not version.is_published:
        raise DipSampleError("Select a published dip-sample question set")
    if ends_on < starts_on:
        raise DipSampleError("The period must end on or after the day it starts")
    sample = DipSample(
        title=title.strip(),
        tool_version_id=version.id,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=by.id,
    )
    db.session.add(sample)
    db.session.flush()
    db.session.add_all(
        DipSampleCase(
            dip_sample_id=sample.id,
            case_number=line.case_number,
            team_id=line.team.id,
            sampler_id=line.sampler.id,
        )
        for line in lines
    )
    db.session.flush()
    return sample


def change_details(sample: DipSample, title: str, starts_on: date, ends_on: date) -> None:
    """Change ``sample``'s title and period after set-up; its question set and cases stay
    (answers already given are on those questions). The cases fall due on the new last day.
    Raises DipSampleError for an empty title or a period ending before it starts. The view
    saves it as a versioned edit (a stale copy is refused)."""
    title = title.strip()
    if not title:
        raise DipSampleError("Enter a title")
    if ends_on < starts_on:
        raise DipSampleError("The period must end on or after the day it starts")
    sample.title, sample.starts_on, sample.ends_on = title, starts_on, ends_on


# -- answering a case -------------------------------------------------------------------------


def answers_of(case: DipSampleCase) -> dict[str, str]:
    """Question key -> answer code ("yes", "partly", "no", "na") stored for ``case``."""
    return dict(
        db.session.execute(
            select(DipSampleAnswer.question_key, DipSampleAnswer.answer).where(
                DipSampleAnswer.case_id == case.id
            )
        ).all()
    )


def save_answers(
    case: DipSampleCase, answers: dict[str, str], note: str, *, done: bool = False
) -> None:
    """Store ``answers`` (question key -> answer code; keys the case's tool does not ask, and
    codes other than ``models.ANSWERS``, raise DipSampleError) as the case's answers, one row
    each, replacing those stored, and the note. With ``done``, every question must be
    answered (CasesRefused lists each one missing) and the case is marked done. The case's
    version moves on with every save, so a save from a stale page is refused."""
    questions = case.dip_sample.questions()
    keys = {q["key"] for q in questions}
    for key, code in answers.items():
        if key not in keys or code not in ANSWERS:
            raise DipSampleError("That answer is not one of the choices")
    if done:
        missing = [q for q in questions if q["key"] not in answers]
        if missing:
            raise CasesRefused([f"Answer '{q['label']}'" for q in missing])
    before = answers_of(case)
    labels = {q["key"]: q["label"] for q in questions}
    changed = {
        labels[key]: [ANSWERS.get(before.get(key)), ANSWERS.get(answers.get(key))]
        for key in labels
        if before.get(key) != answers.get(key)
    }
    if changed:
        # The answers are rows of their own: the case's change log names each one changed,
        # so a colleague whose save is refused sees what was answered meanwhile.
        case.__dict__["_history_extra"] = changed
    db.session.execute(delete(DipSampleAnswer).where(DipSampleAnswer.case_id == case.id))
    if answers:
        db.session.execute(
            insert(DipSampleAnswer),
            [{"case_id": case.id, "question_key": k, "answer": v} for k, v in answers.items()],
        )
    case.note = note
    if changed:
        case.updated_at = utcnow()  # an answer changed moves the version on
    if done and case.status != DONE:
        case.status = DONE
        case.done_at = utcnow()
    db.session.flush()


def only_own_saves_since(case: DipSampleCase, submitted_version, user) -> bool:
    """True when every save of ``case`` after ``submitted_version`` (a posted version) was
    ``user``'s own: their answers saved as they chose them, still on its way back to the
    page when they pressed a button. Such a save is not someone else's change to refuse."""
    from qaweb.core.history import changes_since

    try:
        behind = case.version - int(submitted_version)
    except (TypeError, ValueError):
        return False
    if behind <= 0:
        return False
    entries = changes_since(db.session, case, submitted_version)
    return len(entries) == behind and all(e.changed_by_id == user.id for e in entries)


def next_to_do(case: DipSampleCase) -> DipSampleCase | None:
    """The sampler's next case still to do in the same dip sample, by case number."""
    return db.session.scalar(
        select(DipSampleCase)
        .where(
            DipSampleCase.dip_sample_id == case.dip_sample_id,
            DipSampleCase.sampler_id == case.sampler_id,
            DipSampleCase.status == TO_DO,
            DipSampleCase.id != case.id,
        )
        .order_by(DipSampleCase.case_number)
        .limit(1)
    )


# -- lists ------------------------------------------------------------------------------------


def progress_counts(sample_ids, user=None) -> dict[int, tuple[int, int]]:
    """Sample id -> (cases done, cases), of the cases ``user`` sees (all without a user)."""
    stmt = select(
        DipSampleCase.dip_sample_id,
        func.count().filter(DipSampleCase.status == DONE),
        func.count(),
    ).where(DipSampleCase.dip_sample_id.in_(sample_ids))
    if user is not None:
        stmt = stmt.where(or_(*case_conditions(user)))
    rows = db.session.execute(stmt.group_by(DipSampleCase.dip_sample_id)).all()
    return {sample_id: (done, total) for sample_id, done, total in rows}


def samples_statement(user):
    """The dip samples ``user`` sees, latest period first: every one for the QA team and
    Board; those holding a case ``user`` sees for anyone else."""
    stmt = select(DipSample).order_by(DipSample.ends_on.desc(), DipSample.id.desc())
    if has_any_role(user, QA_OFFICER, QA_BOARD):
        return stmt
    return stmt.where(
        exists().where(
            and_(DipSampleCase.dip_sample_id == DipSample.id, or_(*case_conditions(user)))
        )
    )
