"""The web app's pages. Pilots are addressed by their reference (PIL-0042).

The pilot list (``/pilots/``) shows each pilot's risk: ``scorecards.urls`` serves it.
"""

from django.urls import path

from pilots.views import (
    calendar,
    checkins,
    gates,
    handover,
    imports,
    lessons,
    operation,
    people,
    pilot,
    readings,
    registration,
    reminders,
    search,
    succession,
    tokens,
)

app_name = "pilots"

P = "pilots/<str:reference>/"

urlpatterns = [
    path("pilots/new/", registration.pilot_new, name="new"),
    path("search/", search.search, name="search"),
    path("lessons/", lessons.lesson_library, name="lessons"),
    path("pilots/similar/", lessons.similar, name="similar"),
    path("review/", pilot.review_queue_view, name="review"),
    path("reminders/", reminders.reminder_log_view, name="reminders"),
    path("inbox/", reminders.inbox, name="inbox"),
    path("inbox/read-all/", reminders.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:reminder_id>/read/", reminders.inbox_read, name="inbox_read"),
    path("account/", reminders.profile, name="profile"),
    path("account/calendar/reset/", calendar.calendar_reset, name="calendar_reset"),
    path("people/", people.people_search, name="people"),
    path("successions/", succession.successions, name="successions"),
    path(
        "successions/<int:succession_id>/accept/",
        succession.succession_accept,
        name="succession_accept",
    ),
    path(
        "successions/<int:succession_id>/decline/",
        succession.succession_decline,
        name="succession_decline",
    ),
    path("account/tokens/", tokens.token_list, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
    # The calendar feed needs no session: the secret in the address is the key.
    path("calendar/<slug:secret>.ics", calendar.calendar_feed, name="calendar_feed"),
    path(P, pilot.pilot_detail, name="detail"),
    path(P + "history/", pilot.pilot_history, name="history"),
    path(P + "register/<slug:step>/", registration.pilot_register, name="register"),
    path(P + "metrics/new/", registration.metric_edit, name="metric_new"),
    path(P + "metrics/<int:metric_id>/", pilot.metric_detail, name="metric"),
    path(P + "metrics/<int:metric_id>/edit/", registration.metric_edit, name="metric_edit"),
    path(P + "metrics/<int:metric_id>/readings/", readings.reading_create, name="reading_new"),
    path(P + "readings/import/", imports.reading_import, name="reading_import"),
    path(P + "readings/<int:reading_id>/edit/", readings.reading_edit, name="reading_edit"),
    path(P + "readings/<int:reading_id>/delete/", readings.reading_delete, name="reading_delete"),
    path(P + "team/<int:membership_id>/remove/", registration.member_remove, name="member_remove"),
    path(P + "check-ins/", checkins.checkin_create, name="checkin_new"),
    path(P + "ownership/", gates.ownership_respond, name="ownership"),
    path(P + "budget/", gates.budget_respond, name="budget"),
    path(P + "decide/", gates.pilot_decide, name="decide"),
    path(P + "succession/", succession.pilot_succession, name="succession"),
    path(P + "checkpoint/", gates.checkpoint_decide, name="checkpoint"),
    path(P + "value-reviews/", operation.value_review_create, name="value_review_new"),
    path(
        P + "value-reviews/<int:review_id>/sign/",
        operation.value_review_sign,
        name="value_review_sign",
    ),
    path(P + "operations/accept/", gates.operations_accept, name="operations_accept"),
    path(
        P + "infrastructure/<slug:item>/approve-waiver/",
        gates.waiver_approve,
        name="waiver_approve",
    ),
    path(P + "contract/acknowledge/", gates.contract_acknowledge, name="contract_acknowledge"),
    path(P + "tasks/new/", handover.task_edit, name="task_new"),
    path(P + "tasks/<int:task_id>/edit/", handover.task_edit, name="task_edit"),
    path(P + "tasks/<int:task_id>/complete/", handover.task_complete, name="task_complete"),
    path(P + "tasks/<int:task_id>/reopen/", handover.task_reopen, name="task_reopen"),
    path(P + "tasks/<int:task_id>/confirm/", handover.task_confirm, name="task_confirm"),
    path(P + "tasks/<int:task_id>/decline/", handover.task_decline, name="task_decline"),
    path(P + "tasks/<int:task_id>/move/", handover.task_move, name="task_move"),
]
