"""The pilots app's models, a module per subject (one Django app: the tables keep their names).

Models hold data and invariants (choices, unique and check constraints), not
workflows. A pilot's ``stage`` changes only in ``pilots.services.gates``; no
other code writes it. Choices and stage policy live in ``pilots.enums``.
"""

from pilots.models.accounts import ApiToken, CalendarFeed
from pilots.models.channels import Channel, ChannelDelivery
from pilots.models.checkins import CheckIn
from pilots.models.contract import ContractChange, ContractSnapshot
from pilots.models.handover import KnowledgeTransferTask
from pilots.models.health import Heartbeat
from pilots.models.history import CheckpointDecision, GateDecision, PilotEvent
from pilots.models.lessons import Lesson
from pilots.models.metrics import Metric, MetricReading
from pilots.models.operation import ValueReview, ValueReviewSignOff
from pilots.models.outbox import OutboxMessage
from pilots.models.pilot import BusinessUnit, Pilot, PilotMembership
from pilots.models.readiness import InfrastructureAnswer, OperatingPlan
from pilots.models.reminders import Digest, DigestChoice, Reminder, ReminderMute
from pilots.models.succession import Succession

__all__ = [
    "ApiToken",
    "BusinessUnit",
    "CalendarFeed",
    "Channel",
    "ChannelDelivery",
    "CheckIn",
    "CheckpointDecision",
    "ContractChange",
    "ContractSnapshot",
    "Digest",
    "DigestChoice",
    "GateDecision",
    "Heartbeat",
    "InfrastructureAnswer",
    "KnowledgeTransferTask",
    "Lesson",
    "Metric",
    "MetricReading",
    "OperatingPlan",
    "OutboxMessage",
    "Pilot",
    "PilotEvent",
    "PilotMembership",
    "Reminder",
    "ReminderMute",
    "Succession",
    "ValueReview",
    "ValueReviewSignOff",
]
