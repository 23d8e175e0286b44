"""Moderation of case-file audits: the month's moderation sample drawn from completed audits.

Source: Wokingham QA framework §2 (the Moderation Panel selects 20-30% of each month's
completed audits and moderates them within 2 weeks); Halton QA framework (004: 10 days).
"""


def init_app(app) -> None:
    from qaweb.core.features import add_feature
    from qaweb.moderation import hooks
    from qaweb.moderation.views import bp

    # Reached from the case-file audits page (it checks those audits), not the navigation.
    add_feature(app, bp, hooks=hooks.register)
