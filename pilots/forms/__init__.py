"""Web forms: they parse and validate input; the services decide and write.

Model forms are used for their field types, help texts and the models'
constraints (e.g. "the target lies beyond the baseline"), never to save:
views pass ``cleaned_data`` to a service.
"""
