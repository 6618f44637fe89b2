"""A pilot's approved contract: its versions, the drift, and a lead's acknowledgement."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from pilots.api import serializers as s
from pilots.frame.api.views import ApiView, SignedInApiRequest
from pilots.selectors.contract import contract_overview
from pilots.services import contract


class Contract(ApiView):
    serializer_class = s.ContractSerializer

    @extend_schema(
        summary="The approved contract and its drift",
        description="Every approved version (the first taken at approval, the next at each "
        "acknowledgement), the contract as it stands now, the fields changed since the latest "
        "version with each change's reason (`drift`), and every change since approval.",
    )
    def get(self, request: Request, reference: str) -> Response:
        return Response(s.ContractSerializer(contract_overview(self.pilot)).data)


class ContractAcknowledge(ApiView):
    serializer_class = s.ContractSerializer

    @extend_schema(
        summary="Acknowledge the changes to the approved contract",
        description="A portfolio lead who is neither the pilot's sponsor nor its business "
        "owner (otherwise a 403 naming the rule). Every open change is closed and the "
        "contract as it stands becomes the next approved version; a 409 when no change "
        "waits or the pilot is not approved.",
        request=s.AcknowledgeInput,
    )
    def post(self, request: SignedInApiRequest, reference: str) -> Response:
        data = self.parse(s.AcknowledgeInput)
        contract.contract_acknowledge(pilot=self.pilot, by=request.user, note=data["note"])
        return Response(s.ContractSerializer(contract_overview(self.pilot)).data)
