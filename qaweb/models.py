"""Every model, imported in one place so the metadata (and Alembic) sees them all."""

from qaweb.actions.models import Action
from qaweb.auth.models import SignInFailure
from qaweb.case_audits.models import CaseAudit, CaseFile, CaseImport, CaseSample
from qaweb.complaints.log_import import ComplaintImport
from qaweb.complaints.models import (
    CategoryOption,
    Complaint,
    ComplaintStage,
    Compliment,
    ComplimentThemeOption,
)
from qaweb.core.council_template import CouncilTemplate
from qaweb.core.grading import GradeLevel
from qaweb.core.history import ChangeLog
from qaweb.core.jobs import BackgroundJob
from qaweb.core.notify import DigestHour, NotificationChoice, OutboxMessage
from qaweb.core.references import ReferenceCounter
from qaweb.core.settings import Setting
from qaweb.core.submissions import FormSubmission
from qaweb.core.workdays import ClosureDay
from qaweb.dip_samples.models import DipSample, DipSampleAnswer, DipSampleCase
from qaweb.moderation.models import ModerationLine, ModerationSample
from qaweb.organisation.models import ServiceArea, Team, User, UserRole
from qaweb.organisation.staff_import import StaffImport
from qaweb.practice_week.models import (
    LearningMaterial,
    LearningSession,
    LearningTheme,
    MeetingType,
    Observation,
    PracticeWeek,
    ScheduleImport,
    SessionBooking,
)
from qaweb.qa_report.models import QAReport, QAReportVersion
from qaweb.supervision.models import FeedbackRequest, SupervisionAudit
from qaweb.thematic.models import Finding, TermsVersion, ThematicAudit, Theme
from qaweb.tools.models import Answer, Response, Tool, ToolVersion

__all__ = [
    "Action",
    "Answer",
    "BackgroundJob",
    "CaseAudit",
    "CaseFile",
    "CaseImport",
    "CaseSample",
    "CategoryOption",
    "ChangeLog",
    "ClosureDay",
    "Complaint",
    "ComplaintImport",
    "ComplaintStage",
    "Compliment",
    "ComplimentThemeOption",
    "CouncilTemplate",
    "DigestHour",
    "NotificationChoice",
    "OutboxMessage",
    "FeedbackRequest",
    "Finding",
    "FormSubmission",
    "TermsVersion",
    "Theme",
    "ThematicAudit",
    "SupervisionAudit",
    "GradeLevel",
    "ModerationLine",
    "ModerationSample",
    "ReferenceCounter",
    "LearningMaterial",
    "LearningSession",
    "LearningTheme",
    "MeetingType",
    "Observation",
    "PracticeWeek",
    "ScheduleImport",
    "SessionBooking",
    "QAReport",
    "QAReportVersion",
    "Response",
    "Tool",
    "ToolVersion",
    "ServiceArea",
    "Setting",
    "SignInFailure",
    "StaffImport",
    "Team",
    "User",
    "UserRole",
    "DipSample",
    "DipSampleAnswer",
    "DipSampleCase",
]
