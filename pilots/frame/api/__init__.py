"""The API's frame: base view, routing, pagination, JSON errors, strict fields, schema."""
