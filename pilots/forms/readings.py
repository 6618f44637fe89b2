"""Recording readings, one at a time or from a CSV file."""

import csv
import io
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from pilots.forms.widgets import DateInput
from pilots.frame.formats import plural_suffix
from pilots.services.ingest import max_rows

User = get_user_model()


class ReadingEditForm(forms.Form):
    """A correction: the value and note of a reading whose day stays."""

    value = forms.DecimalField(max_digits=16, decimal_places=4)
    note = forms.CharField(max_length=500, required=False)


class ReadingForm(ReadingEditForm):
    observed_on = forms.DateField(label="Date", widget=DateInput())

    field_order = ["observed_on", "value", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"observed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


CSV_COLUMNS = ("metric", "observed_on", "value", "note")
CSV_REQUIRED_COLUMNS = ("metric", "observed_on", "value")
CSV_MAX_BYTES = 2 * 1024 * 1024  # 2 MB


@dataclass(frozen=True)
class CsvReadings:
    """A CSV file's readings as the ingest service takes them, and where each came from."""

    text: str
    rows: list[dict[str, str]]
    lines: list[int]  # the file line of each row (line 1 is the header)

    def line_of(self, row: int) -> int:
        """The file line of the service's row ``row`` (counted from 1)."""
        return self.lines[row - 1] if 0 < row <= len(self.lines) else row + 1


def csv_readings(text: str) -> CsvReadings:
    """Read a CSV file's header and rows; a file that cannot be read raises ValidationError.

    Only the file's shape is checked here (columns, row count); the ingest
    service validates each row's values.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""), restval="")
    try:
        header = reader.fieldnames
        if not header:
            raise ValidationError("The file is empty: it needs a header line and readings.")
        reader.fieldnames = [(name or "").strip().lower() for name in header]
        missing = [name for name in CSV_REQUIRED_COLUMNS if name not in reader.fieldnames]
        if missing:
            hint = ""
            if ";" in header[0] or "\t" in header[0]:
                hint = " The values seem separated by semicolons or tabs: save it with commas."
            raise ValidationError(
                f"The header line lacks the column{plural_suffix(len(missing))} "
                f"{', '.join(missing)}. Expected: metric, observed_on, value, note (optional)."
                + hint
            )
        rows: list[dict[str, str]] = []
        lines: list[int] = []
        too_long: list[int] = []
        for record in reader:
            if None in record:  # more values than the header has columns
                too_long.append(reader.line_num)
            rows.append({name: record[name] for name in CSV_COLUMNS if name in record})
            lines.append(reader.line_num)
    except csv.Error as error:
        raise ValidationError(
            f"Line {reader.line_num} could not be read as CSV: {error}."
        ) from None
    if too_long:
        shown = ", ".join(str(line) for line in too_long[:10]) + ("…" if len(too_long) > 10 else "")
        which = f"Line {shown} has" if len(too_long) == 1 else f"Lines {shown} have"
        raise ValidationError(
            f"{which} more values than the header has columns: "
            "put a note that contains a comma in double quotes."
        )
    if not rows:
        raise ValidationError("The file has a header line but no readings below it.")
    if len(rows) > max_rows():
        raise ValidationError(
            f"The file has {len(rows):,} readings; at most {max_rows():,} are imported at once: "
            "split it into several files."
        )
    return CsvReadings(text=text, rows=rows, lines=lines)


def uploaded_text(upload: Any) -> str:
    """An uploaded file's text; a file too large or not UTF-8 raises ValidationError."""
    if upload.size > CSV_MAX_BYTES:
        raise ValidationError(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 2 MB: "
            "split it into several files."
        )
    try:
        return upload.read().decode("utf-8-sig")  # Excel starts UTF-8 files with a BOM
    except UnicodeDecodeError:
        raise ValidationError(
            "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”; "
            "elsewhere, choose the UTF-8 encoding when you export."
        ) from None


class ReadingImportForm(forms.Form):
    """A CSV file of readings (the upload), or its text again (the confirmation).

    ``readings`` holds what was read. Errors of the file go on its field, errors
    of the text sent back by the confirmation (a hidden field) on the form.
    """

    file = forms.FileField(
        label="CSV file",
        required=False,
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        help_text="Columns: metric, observed_on (YYYY-MM-DD), value, note (optional). "
        "UTF-8, at most 2 MB.",
    )
    csv_text = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (typed as possibly None)
        upload, text = data.get("file"), data.get("csv_text")
        try:
            if upload is not None:
                data["readings"] = csv_readings(uploaded_text(upload))
            elif text:
                if len(text) > CSV_MAX_BYTES:
                    raise ValidationError("The file is larger than 2 MB: split it.")
                data["readings"] = csv_readings(text)
            elif not self.errors:
                raise ValidationError("Choose a CSV file to import.")
        except ValidationError as error:
            self.add_error("file" if upload is not None or not text else None, error)
        return data

    @property
    def readings(self) -> CsvReadings:
        """After ``is_valid()``: the file's readings."""
        return self.cleaned_data["readings"]
