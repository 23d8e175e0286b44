"""What dip samples add to the shared pieces: My work and the action source."""

from flask import url_for
from sqlalchemy import func, select

from qaweb.core import mywork, sources
from qaweb.core.timefmt import today_london
from qaweb.dip_samples.models import TO_DO, DipSample, DipSampleCase
from qaweb.extensions import db


def my_cases(user, limit):
    """The dip samples ``user`` has cases to answer in, one item per sample (a manager may
    have dozens of cases in one), due on the period's last day, soonest first."""
    stmt = (
        select(DipSample, func.count(DipSampleCase.id))
        .join(DipSampleCase, DipSampleCase.dip_sample_id == DipSample.id)
        .where(DipSampleCase.sampler_id == user.id, DipSampleCase.status == TO_DO)
        .group_by(DipSample.id)
    )
    today = today_london()
    rows = db.session.execute(stmt.order_by(DipSample.ends_on, DipSample.id).limit(limit)).all()
    items = [
        mywork.WorkItem(
            kind="Dip sample",
            title=f"{sample.title}: {count} case{'s' if count != 1 else ''} to answer",
            url=url_for("dip_samples.sample", sample_id=sample.id),
            due_on=sample.ends_on,
            detail=f"{sample.reference} · {sample.tool_version.tool.name}",
            overdue=sample.ends_on < today,
        )
        for sample, count in rows
    ]
    if len(items) < limit:
        return items, len(items)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return items, total


def _case_url(case_id: int) -> str:
    return url_for("dip_samples.case", case_id=case_id)


def register() -> None:
    mywork.register(
        mywork.WorkSource("Dip samples to answer", my_cases, lambda u: url_for("dip_samples.index"))
    )
    sources.register(sources.SourceType("dip_sample_case", "Dip sample", url=_case_url))
