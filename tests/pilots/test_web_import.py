"""CSV import of readings: upload, preview (a dry run), apply; errors write nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from pilots.enums import MetricKind, ReadingSource
from pilots.models import Metric, MetricReading, Pilot, PilotEvent
from pilots.services import gates
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
HEADER = "metric,observed_on,value,note\n"


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Inside the fixtures' pilot dates, for every fixture and request."""
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def metric(running) -> Metric:
    metric = running.metrics.get()
    metric.name = "Invoices per hour"
    metric.save(update_fields=["name"])
    return metric


@pytest.fixture
def segment(running) -> Metric:
    return factories.MetricFactory(
        pilot=running, name="Invoices over 10k", kind=MetricKind.CRITICAL_SEGMENT
    )


def url(pilot: Pilot) -> str:
    return reverse("pilots:reading_import", args=[pilot.reference])


def csv_file(text: str, name: str = "readings.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def preview(client, pilot: Pilot, text: str, **extra):
    return client.post(url(pilot), {"file": csv_file(text), "action": "preview"}, **extra)


def apply(client, pilot: Pilot, text: str, **extra):
    return client.post(url(pilot), {"csv_text": text, "action": "apply"}, **extra)


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def weekly(name: str, n: int, start: date = date(2026, 1, 5)) -> str:
    """``n`` weekly readings of the metric ``name``, values 10, 11, …"""
    return HEADER + "".join(f"{name},{start + timedelta(weeks=i)},{10 + i},\n" for i in range(n))


def stored(metric: Metric) -> list[tuple[date, Decimal, str]]:
    return list(
        MetricReading.objects.filter(metric=metric)
        .order_by("observed_on")
        .values_list("observed_on", "value", "note")
    )


def problems(response) -> list[tuple[str, str, str]]:
    """The invalid rows' table: (line, column, message)."""
    table = re.search(r"<caption>Invalid rows.*?</table>", response.content.decode(), re.S)
    assert table, "the invalid rows are listed"
    return [
        (line, re.sub(r"</?code>", "", column), message)
        for line, column, message in re.findall(
            r"<tr><td>(\d+)</td><td>(.*?)</td><td>(.*?)</td></tr>", table.group()
        )
    ]


# --- Step 1: the form -------------------------------------------------------------------


def test_import_form_explains_the_file(client, running, metric, owner, settings):
    settings.PILOTGATE_INGEST_MAX_ROWS = 5000
    client.force_login(owner)
    response = client.get(url(running))
    assert response.status_code == 200
    html = response.content.decode()
    assert url(running) == f"/pilots/{running.reference}/readings/import/"
    assert '<label for="id_file">CSV file</label>' in html
    assert 'accept=".csv,text/csv"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "Columns: metric, observed_on (YYYY-MM-DD), value, note (optional)." in html
    assert f"“Invoices per hour” ({metric.pk})" in html
    assert "Invoices per hour,2026-02-02,31.5," in html  # the example uses the pilot's metric
    assert "At most 5,000 readings and 2 MB per file" in html
    assert '<progress id="upload-progress"' in html
    assert '<label for="upload-progress">Upload progress</label>' in html
    assert 'role="status" aria-live="polite"' in html
    assert re.search(r'<script src="/static/js/upload-progress\.js" defer></script>', html)
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script


def test_import_link_shows_to_those_who_record_readings(client, running, metric, request):
    link = url(running)
    for role, offered in [("owner", True), ("member", True), ("ops", False), ("sponsor", False)]:
        client.force_login(request.getfixturevalue(role))
        page = client.get(reverse("pilots:detail", args=[running.reference])).content.decode()
        assert (f'href="{link}"' in page) is offered, role
        if offered:
            assert "Import readings from CSV" in page


# --- Step 2: the preview ------------------------------------------------------------------


def test_import_preview_counts_and_writes_nothing(client, running, metric, segment, owner):
    factories.ReadingFactory(metric=metric, observed_on=date(2026, 1, 5), value=Decimal("10"))
    factories.ReadingFactory(metric=metric, observed_on=date(2026, 1, 12), value=Decimal("99"))
    client.force_login(owner)
    text = (
        HEADER
        + "Invoices per hour,2026-01-05,10,\n"  # unchanged
        + "Invoices per hour,2026-01-12,11,\n"  # changed 99 → 11
        + "Invoices per hour,2026-01-19,12.5,Late invoices\n"  # new
        + f"{segment.pk},2026-01-19,3,\n"  # by id: new
    )
    events_before = PilotEvent.objects.count()
    response = preview(client, running, text)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Check before importing" in html
    assert '<tr><th scope="row">Invoices per hour</th><td>1</td><td>1</td><td>1</td></tr>' in html
    assert '<tr><th scope="row">Invoices over 10k</th><td>1</td><td>0</td><td>0</td></tr>' in html
    assert (
        '<td>12 Jan 2026</td><td>99 cases a day</td><td aria-hidden="true">→</td>'
        "<td>11 cases a day</td>"
    ) in html
    assert '<td>19 Jan 2026</td><td><span class="badge">new</span></td>' in html
    assert 'name="action" value="apply">Import 3 readings</button>' in html
    hidden = re.search(r'<input type="hidden" name="csv_text" value="([^"]*)"', html)
    assert hidden
    assert "Invoices per hour,2026-01-19,12.5,Late invoices" in hidden.group(1)
    assert stored(metric) == [
        (date(2026, 1, 5), Decimal("10"), ""),
        (date(2026, 1, 12), Decimal("99"), ""),
    ]
    assert not MetricReading.objects.filter(metric=segment).exists()
    assert PilotEvent.objects.count() == events_before


def test_import_preview_with_htmx_sends_only_the_changing_part(client, running, metric, owner):
    client.force_login(owner)
    response = preview(client, running, weekly("Invoices per hour", 2), **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="import-heading"' in html
    assert "Import 2 readings" in html
    assert not MetricReading.objects.exists()


def test_import_preview_lists_the_first_20_changes(client, running, metric, owner):
    client.force_login(owner)
    html = preview(
        client,
        running,
        weekly("Invoices per hour", 8, date(2025, 9, 1))
        + "".join(f"Invoices per hour,2026-02-{day:02d},{day},\n" for day in range(1, 18)),
    ).content.decode()
    assert "Invoices per hour: the first 20 of 25 changes" in html
    assert "and 5 more changes." in html
    assert "Import 25 readings" in html


def test_import_preview_of_nothing_new_offers_no_confirmation(client, running, metric, owner):
    factories.ReadingFactory(metric=metric, observed_on=date(2026, 1, 5), value=Decimal("10"))
    client.force_login(owner)
    response = preview(client, running, weekly("Invoices per hour", 1))
    assert shows(response, "Nothing to import: every reading in the file is already recorded")
    assert 'value="apply"' not in response.content.decode()


def test_import_accepts_an_excel_bom_and_crlf_and_header_case(client, running, metric, owner):
    client.force_login(owner)
    text = "Metric, Observed_On ,VALUE\r\nInvoices per hour,2026-01-05,10\r\n"
    response = preview(client, running, "\ufeff" + text)
    assert "Import 1 reading</button>" in response.content.decode()


# --- Applying ---------------------------------------------------------------------------------


def test_import_apply_writes_and_redirects_with_the_counts(client, running, metric, owner):
    factories.ReadingFactory(metric=metric, observed_on=date(2026, 1, 5), value=Decimal("10"))
    factories.ReadingFactory(metric=metric, observed_on=date(2026, 1, 12), value=Decimal("5"))
    client.force_login(owner)
    text = weekly("Invoices per hour", 3) + 'Invoices per hour,2026-01-26,13,"Late, by hand"\n'
    response = apply(client, running, text)
    assert response.status_code == 302
    assert response["Location"] == reverse("pilots:detail", args=[running.reference]) + "#metrics"
    page = client.get(response["Location"])
    assert shows(page, "Imported: 2 new, 1 changed, 1 unchanged.")
    assert stored(metric) == [
        (date(2026, 1, 5), Decimal("10"), ""),
        (date(2026, 1, 12), Decimal("11"), ""),
        (date(2026, 1, 19), Decimal("12"), ""),
        (date(2026, 1, 26), Decimal("13"), "Late, by hand"),
    ]
    new = MetricReading.objects.get(metric=metric, observed_on=date(2026, 1, 19))
    assert (new.recorded_by, new.source) == (owner, ReadingSource.IMPORT)
    event = running.events.get(action=PilotEvent.Action.READINGS_INGESTED)
    assert event.actor == owner
    assert event.subject == "Invoices per hour: 2 new, 1 changed (import)"


def test_import_the_whole_flow_preview_then_apply(client, running, metric, member):
    client.force_login(member)
    html = preview(client, running, weekly("Invoices per hour", 4)).content.decode()
    text = re.search(r'name="csv_text" value="([^"]*)"', html).group(1)
    response = apply(client, running, text.replace("&#x27;", "'"), follow=True)
    assert shows(response, "Imported: 4 new, 0 changed, 0 unchanged.")
    assert len(stored(metric)) == 4


def test_import_apply_validates_again_what_changed_since_the_preview(
    client, running, metric, owner, lead
):
    client.force_login(owner)
    text = weekly("Invoices per hour", 2)
    assert "Import 2 readings" in preview(client, running, text).content.decode()
    gates.pilot_stop(pilot=running, by=lead, rationale="No value.", lessons_learned="Data.")
    response = apply(client, running, text)
    assert response.status_code == 403  # a stopped pilot takes no readings
    assert not MetricReading.objects.exists()


def test_import_apply_with_an_invalid_row_writes_nothing(client, running, metric, owner):
    client.force_login(owner)
    response = apply(client, running, weekly("Invoices per hour", 3) + "Nope,2026-01-05,1,\n")
    assert response.status_code == 200
    assert problems(response) == [
        ("5", "metric", "No metric named &quot;Nope&quot; on " + running.reference + ".")
    ]
    assert not MetricReading.objects.exists()


# --- Errors: shown with the form, nothing written -----------------------------------------


def test_import_bad_rows_are_listed_by_file_line_and_nothing_is_written(
    client, running, metric, owner
):
    client.force_login(owner)
    text = (
        HEADER
        + "Invoices per hour,2026-01-05,10,\n"  # line 2: fine
        + "Invoices per hour,2026-01-12,lots,\n"  # line 3: value
        + "\n"  # line 4: blank, skipped
        + "Invoices per hour,2026-02-30,12,\n"  # line 5: no such day
        + "Invoices per hour,2026-01-05,13,\n"  # line 6: day already given on line 2
        + "Invoices per hour,2026-03-02,14,\n"  # line 7: in the future
    )
    response = preview(client, running, text)
    assert response.status_code == 200
    assert shows(response, "4 of 5 rows cannot be imported, so nothing was saved.")
    assert problems(response) == [
        (
            "3",
            "value",
            escape(
                "Enter a number with at most 12 digits before the point and 4 "
                "after, such as 12.5 (no thousands separators)."
            ),
        ),
        ("5", "observed_on", "Enter a real day as YYYY-MM-DD."),
        ("6", "observed_on", "Line 2 already gives this metric&#x27;s reading for 2026-01-05."),
        ("7", "observed_on", "A reading cannot be dated in the future."),
    ]
    assert 'type="file"' in response.content.decode()  # the form again, to upload it fixed
    assert not MetricReading.objects.exists()


def test_import_lists_the_first_50_invalid_rows(client, running, metric, owner):
    client.force_login(owner)
    text = HEADER + "".join(f"Invoices per hour,2026-01-{i % 28 + 1:02d},x,\n" for i in range(60))
    response = preview(client, running, text)
    assert len(problems(response)) == 50
    assert shows(response, "and 10 more invalid rows.")
    assert shows(response, "60 of 60 rows cannot be imported")


def test_import_unknown_metric_name(client, running, metric, owner):
    other = factories.MetricFactory(name="Elsewhere")  # another pilot's metric, by id or name
    client.force_login(owner)
    text = (
        HEADER
        + "invoices per hour,2026-01-05,10,\n"
        + f"{other.pk},2026-01-05,10,\n"
        + "Elsewhere,2026-01-05,10,\n"
        + ",2026-01-05,10,\n"
    )
    response = preview(client, running, text)
    ref = running.reference
    assert problems(response) == [
        (
            "2",
            "metric",
            escape(
                f'No metric named "invoices per hour" on {ref}. Did you mean "Invoices per hour"?'
            ),
        ),
        ("3", "metric", escape(f'No metric named "{other.pk}" on {ref}.')),
        ("4", "metric", escape(f'No metric named "Elsewhere" on {ref}.')),
        ("5", "metric", "Name the metric: its name as on the pilot, or its id."),
    ]
    assert not MetricReading.objects.exists()


def test_import_missing_columns(client, running, metric, owner):
    client.force_login(owner)
    response = preview(client, running, "metric,day,value\nInvoices per hour,2026-01-05,1\n")
    assert shows(
        response,
        "The header line lacks the column observed_on. "
        "Expected: metric, observed_on, value, note (optional).",
    )
    response = preview(client, running, "metric;observed_on;value\nx;2026-01-05;1\n")
    assert shows(response, "lacks the columns metric, observed_on, value.")
    assert shows(response, "The values seem separated by semicolons or tabs: save it with commas.")
    assert not MetricReading.objects.exists()


def test_import_too_many_values_on_a_line(client, running, metric, owner):
    client.force_login(owner)
    response = preview(client, running, HEADER + "Invoices per hour,2026-01-05,1,Late, by hand\n")
    assert shows(response, "Line 2 has more values than the header has columns")
    assert not MetricReading.objects.exists()


def test_import_non_utf8_file(client, running, metric, owner):
    client.force_login(owner)
    response = client.post(
        url(running),
        {"file": csv_file((HEADER + "Invoices per hour,2026-01-05,1,Café\n").encode("latin-1"))},
    )
    assert response.status_code == 200
    assert shows(response, "The file is not UTF-8 text.")
    assert 'aria-invalid="true"' in response.content.decode()  # on the file field
    assert not MetricReading.objects.exists()


def test_import_too_large_file(client, running, metric, owner):
    client.force_login(owner)
    big = weekly("Invoices per hour", 1) + "x" * (2 * 1024 * 1024)
    response = client.post(url(running), {"file": csv_file(big)})
    assert shows(response, "The file is 2.0 MB; the limit is 2 MB: split it into several files.")
    assert not MetricReading.objects.exists()


def test_import_too_many_rows(client, running, metric, owner, settings):
    settings.PILOTGATE_INGEST_MAX_ROWS = 3
    client.force_login(owner)
    response = preview(client, running, weekly("Invoices per hour", 4))
    assert shows(response, "The file has 4 readings; at most 3 are imported at once")
    assert not MetricReading.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Choose a CSV file to import."),
        ({"file": csv_file("")}, "The submitted file is empty."),
        ({"file": csv_file(HEADER)}, "The file has a header line but no readings below it."),
    ],
)
def test_import_without_readings(client, running, metric, owner, files, message):
    client.force_login(owner)
    response = client.post(url(running), files)
    assert response.status_code == 200
    assert shows(response, message)


# --- Who may import -----------------------------------------------------------------------


def test_import_outsider_gets_404(client, running, metric, outsider):
    client.force_login(outsider)
    text = weekly("Invoices per hour", 1)
    responses = [
        client.get(url(running)),
        preview(client, running, text),
        apply(client, running, text),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert not MetricReading.objects.exists()


@pytest.mark.parametrize("role", ["ops", "sponsor", "lead"])
def test_import_by_someone_who_sees_but_does_not_record_is_403(
    client, running, metric, request, role
):
    client.force_login(request.getfixturevalue(role))
    text = weekly("Invoices per hour", 1)
    responses = [
        client.get(url(running)),
        preview(client, running, text),
        apply(client, running, text),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert shows(responses[0], "Only the pilot's business owner and team record readings.")
    assert not MetricReading.objects.exists()


def test_import_on_a_draft_is_hidden_and_403(client, draft, member):
    client.force_login(member)
    page = client.get(reverse("pilots:detail", args=[draft.reference])).content.decode()
    assert url(draft) not in page
    name = draft.metrics.get().name
    assert client.get(url(draft)).status_code == 403
    assert preview(client, draft, weekly(name, 1)).status_code == 403
    assert not MetricReading.objects.exists()


def test_import_anonymous_is_sent_to_sign_in(client, running):
    response = client.get(url(running))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 50])
def test_import_preview_query_count_does_not_grow(
    client, running, metric, owner, n, django_assert_num_queries
):
    client.force_login(owner)
    text = weekly("Invoices per hour", n, date(2025, 1, 6))
    # session, user, the user's groups and the pilot (visibility), the user's membership
    # and budget holding (roles), the pilot's metrics; the service: its savepoint, the
    # metrics, their pilots, the user's memberships, the readings already stored, its
    # savepoint's release, the unread reminders (the header's inbox badge)
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(15):
        response = preview(client, running, text)
    assert f"Import {n} readings" in response.content.decode()
