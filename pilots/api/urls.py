"""/api/v1/: pilots by reference (PIL-0042), their parts by id."""

from __future__ import annotations

from pilots.api.views import (
    checkins,
    contract,
    handover,
    lessons,
    metrics,
    operation,
    people,
    pilots,
    succession,
)
from pilots.frame.api.routing import P, route

app_name = "api"


urlpatterns = [
    route("auth/token/", people.TokenObtain, "token-obtain"),
    route("auth/tokens/", people.TokenList, "token-list"),
    route("auth/tokens/<int:token_id>/", people.TokenRevoke, "token-revoke"),
    route("auth/me/", people.Me, "me"),
    route("users/", people.UserList, "user-list"),
    route("business-units/", people.BusinessUnitList, "business-unit-list"),
    route("lessons/", lessons.LessonList, "lesson-list"),
    route("pilots/", pilots.PilotList, "pilot-list"),
    route(P, pilots.PilotDetail, "pilot-detail"),
    route(P + "submit/", pilots.Submit, "pilot-submit"),
    route(P + "accept-ownership/", pilots.AcceptOwnership, "pilot-accept-ownership"),
    route(P + "decline-ownership/", pilots.DeclineOwnership, "pilot-decline-ownership"),
    route(P + "accept-budget/", pilots.AcceptBudget, "pilot-accept-budget"),
    route(P + "decline-budget/", pilots.DeclineBudget, "pilot-decline-budget"),
    route(P + "approve/", pilots.Approve, "pilot-approve"),
    route(P + "reject/", pilots.Reject, "pilot-reject"),
    route(P + "start/", pilots.Start, "pilot-start"),
    route(P + "graduate/", pilots.Graduate, "pilot-graduate"),
    route(P + "stop/", pilots.Stop, "pilot-stop"),
    route(P + "accept-operations/", pilots.AcceptOperations, "pilot-accept-operations"),
    route(P + "succession/", succession.SuccessionCreate, "pilot-succession"),
    route(
        "successions/<int:succession_id>/accept/", succession.SuccessionAccept, "succession-accept"
    ),
    route(
        "successions/<int:succession_id>/decline/",
        succession.SuccessionDecline,
        "succession-decline",
    ),
    route(P + "decisions/", pilots.DecisionList, "decision-list"),
    route(P + "checkpoints/", pilots.CheckpointList, "checkpoint-list"),
    route(P + "value-reviews/", operation.ValueReviewList, "value-review-list"),
    route(
        P + "value-reviews/<int:review_id>/sign-off/",
        operation.ValueReviewSignOff,
        "value-review-sign-off",
    ),
    route(P + "events/", pilots.EventList, "event-list"),
    route(P + "check-ins/", checkins.CheckInList, "checkin-list"),
    route(P + "contract/", contract.Contract, "contract"),
    route(P + "contract/acknowledge/", contract.ContractAcknowledge, "contract-acknowledge"),
    route(P + "members/", handover.MemberList, "member-list"),
    route(P + "members/<int:membership_id>/", handover.MemberDetail, "member-detail"),
    route(P + "infrastructure/", handover.Infrastructure, "infrastructure"),
    route(P + "infrastructure/<infrastructure_item:item>/waiver/", handover.Waiver, "waiver"),
    route(
        P + "infrastructure/<infrastructure_item:item>/waiver/approve/",
        handover.WaiverApprove,
        "waiver-approve",
    ),
    route(P + "operating-plan/", handover.OperatingPlanView, "operating-plan"),
    route(P + "metrics/", metrics.MetricList, "metric-list"),
    route(P + "metrics/<int:metric_id>/", metrics.MetricDetail, "metric-detail"),
    route(P + "metrics/<int:metric_id>/readings/", metrics.ReadingList, "reading-list"),
    route(P + "readings/<int:reading_id>/", metrics.ReadingDetail, "reading-detail"),
    route(P + "tasks/", handover.TaskList, "task-list"),
    route(P + "tasks/order/", handover.TaskOrder, "task-order"),
    route(P + "tasks/<int:task_id>/", handover.TaskDetail, "task-detail"),
    route(P + "tasks/<int:task_id>/complete/", handover.TaskComplete, "task-complete"),
    route(P + "tasks/<int:task_id>/reopen/", handover.TaskReopen, "task-reopen"),
    route(P + "tasks/<int:task_id>/confirm/", handover.TaskConfirm, "task-confirm"),
    route(P + "tasks/<int:task_id>/decline/", handover.TaskDecline, "task-decline"),
    route("readings/bulk/", metrics.BulkReadings, "readings-bulk"),
]
