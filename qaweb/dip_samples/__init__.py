"""Dip samples: short yes / partly / no checklists managers apply to many cases quickly.

Source: Wokingham QA framework §4 (dip sampling).
"""


def init_app(app) -> None:
    from qaweb.core.features import add_feature
    from qaweb.dip_samples import hooks
    from qaweb.dip_samples.views import bp

    # Reached from My work and the case-file audits page, not the navigation (one row).
    add_feature(app, bp, hooks=hooks.register)
