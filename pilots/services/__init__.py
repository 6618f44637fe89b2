"""Writes: every change to pilots goes through these functions.

Each service is keyword-only, owns its transaction, validates before it saves,
and records an audit event in the same transaction. Split by subject:

- ``registration``: create and edit a pilot, its team, checklist and plan
- ``ownership``: nominate, accept, decline; operations acceptance
- ``gates``: the stage machine (submit, approve, reject, start, graduate, stop)
- ``metrics``: metrics, the baseline/target lock, readings
- ``handover``: knowledge-transfer tasks
"""
