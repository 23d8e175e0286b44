"""The case-file audits list's rows as plain objects: the columns a row shows, read as Row
tuples, not the ORM's audit, case and people instances (``core.lists.Rows``)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import aliased

from qaweb.case_audits.models import CaseAudit, CaseFile
from qaweb.core.lists import Rows
from qaweb.organisation.listing import ListedPerson
from qaweb.organisation.models import User


@dataclass(frozen=True, slots=True)
class ListedCase:
    """The audit's case as the row shows it: its number and type."""

    case_number: str
    case_type: str


@dataclass(frozen=True, slots=True)
class ListedAudit:
    """One row of the case-file audits list (templates/case_audits/index.html), with the
    CaseAudit's own ``reference``, ``status_label``, ``kind_label``, ``is_open`` and
    ``is_overdue``."""

    id: int
    month: date
    kind: str
    status: str
    due_on: date | None
    case: ListedCase | None
    practitioner: ListedPerson | None
    auditor: ListedPerson | None

    reference = CaseAudit.reference
    status_label = CaseAudit.status_label
    kind_label = CaseAudit.kind_label
    is_open = CaseAudit.is_open
    is_overdue = CaseAudit.is_overdue


#: The case, the practitioner and the auditor, aliased once (a filter may select from
#: ``user`` itself; an alias made afresh each request costs SQLAlchemy its cache key again).
_CASE = aliased(CaseFile, name="audited_case")
_PRACTITIONER = aliased(User, name="practitioner")
_AUDITOR = aliased(User, name="auditor")
_COLUMNS = (
    CaseAudit.id,
    CaseAudit.month,
    CaseAudit.kind,
    CaseAudit.status,
    CaseAudit.due_on,
    _CASE.id,
    _CASE.case_number,
    _CASE.case_type,
    _PRACTITIONER.id,
    _PRACTITIONER.first_name,
    _PRACTITIONER.last_name,
    _AUDITOR.id,
    _AUDITOR.first_name,
    _AUDITOR.last_name,
)


def list_columns(stmt):
    """``services.filtered``'s statement (the same audits, in the same order) as the columns a
    ``ListedAudit`` is made of: joined as the audit's own relationships join them."""
    return (
        stmt.with_only_columns(*_COLUMNS)
        .outerjoin(_CASE, _CASE.id == CaseAudit.case_id)
        .outerjoin(_PRACTITIONER, _PRACTITIONER.id == CaseAudit.practitioner_id)
        .outerjoin(_AUDITOR, _AUDITOR.id == CaseAudit.auditor_id)
    )


def listed(rows) -> list[ListedAudit]:
    """The ``ListedAudit`` of each row of ``list_columns``'s statement, in order."""
    made = []
    for row in rows:
        (id_, month, kind, status, due_on, case_id, case_number, case_type,
         practitioner_id, practitioner_first, practitioner_last,
         auditor_id, auditor_first, auditor_last) = row  # fmt: skip
        made.append(
            ListedAudit(
                id_,
                month,
                kind,
                status,
                due_on,
                None if case_id is None else ListedCase(case_number, case_type),
                None
                if practitioner_id is None
                else ListedPerson(practitioner_first, practitioner_last),
                None if auditor_id is None else ListedPerson(auditor_first, auditor_last),
            )
        )
    return made


#: The case-file audits list's rows (``core.lists.paginate``'s ``rows``).
LIST_ROWS = Rows(list_columns, listed)
