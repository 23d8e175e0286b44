"""The QA Board's quarterly report across every module, its sign-off, the Word board paper
and the figures workbook."""


def init_app(app) -> None:
    from qaweb.core import jobs
    from qaweb.core.features import add_feature
    from qaweb.qa_report import (
        pack,
        sections,  # noqa: F401  (the modules' sections, registered)
    )
    from qaweb.qa_report.views import bp

    add_feature(app, bp)
    jobs.register(pack.KIND, pack.TITLE, pack.build)
