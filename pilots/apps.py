from django.apps import AppConfig


class PilotsConfig(AppConfig):
    name = "pilots"
    verbose_name = "Pilots"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from pilots.accounts.sessions import session_started

        # Session clocks (idle renewal, absolute cap) start at sign-in, whichever door.
        user_logged_in.connect(session_started, dispatch_uid="pilotgate-session-started")
