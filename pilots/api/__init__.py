"""The REST API, version 1: the web app's journeys for integrations and pipelines.

Views parse with a serializer, fetch with a visibility-scoped selector, call
one service and render with an output serializer. Errors have one shape
(``pilots.frame.api.errors``); the OpenAPI schema documents every one of them.
"""
