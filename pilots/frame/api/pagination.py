"""Page-number pagination with a client-chosen page size, checked strictly.

DRF ignores a malformed ``page_size`` and falls back to the default, and
answers a malformed ``page`` with a 404; the schema promises whole numbers in
a range, so a malformed one is a 400 here, and the schema states the range. A
page past the end is a 404, as in DRF.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


def _whole_number(raw: str, name: str, low: int, high: int | None = None) -> int:
    number = int(raw) if raw.isascii() and raw.isdigit() else None
    if number is None or number < low or (high is not None and number > high):
        upper = f"from {low} to {high}" if high is not None else f"of {low} or more"
        raise ValidationError({name: [f"Give a whole number {upper}."]})
    return number


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()  # the schema says a page is a number

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return _whole_number(raw, self.page_size_query_param, 1, self.max_page_size)

    def get_page_number(self, request: Request, paginator: Paginator) -> int:
        raw = request.query_params.get(self.page_query_param)
        return 1 if raw is None else _whole_number(raw, self.page_query_param, 1)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {
                "minimum": 1,
                "maximum": self.max_page_size,
                "default": self.page_size,
            },
        }
        for parameter in parameters:
            parameter["schema"].update(bounds[parameter["name"]])
        return parameters
