"""Load: signed-in users of every demo role on their usual journeys.

    .venv/bin/locust -f tests/load/locustfile.py --host http://127.0.0.1:8000

Needs the demo data (`make seed`: password pilotgate-demo). Every user signs in
through the login form once, then browses: home, the pilot list, a pilot's
page, the portfolio dashboard, the API's pilot list (with the session), and
the business owners and team members record readings (POST
/api/v1/readings/bulk/, one row for today: an upsert, so repeats are fine).
Any answer but the expected one counts as a failure; tests/integration/
test_load.py fails on any.

The server may run production settings over plain http on loopback (standing
in for the TLS proxy): its cookies are marked Secure, so the client is told to
send Secure cookies over http too.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from locust import HttpUser, between, task

PASSWORD = "pilotgate-demo"
READING_STAGES = {"approved", "running", "graduated"}


def today() -> date:
    return datetime.now(tz=UTC).date()


class Pilotgate(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    accounts: ClassVar[itertools.cycle[str]]
    records_readings = False

    def on_start(self) -> None:
        send = self.client.request

        def request(*args: Any, **kwargs: Any) -> Any:
            # Secure cookies go over http too: the server is on loopback, no TLS proxy.
            for cookie in self.client.cookies:
                cookie.secure = False
            return send(*args, **kwargs)

        self.client.request = request  # type: ignore[method-assign]
        self.username = next(self.accounts)
        self.client.get("/accounts/login/", name="/accounts/login/")
        with self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                # The cookie's secret is accepted as the form's token: no HTML to parse.
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            headers={"Referer": self.host + "/accounts/login/"},
            allow_redirects=False,
            catch_response=True,
            name="/accounts/login/ (sign in)",
        ) as response:
            if response.status_code != 302:
                response.failure(f"{self.username} could not sign in ({response.status_code})")
        self.pilots = self.visible_pilots()
        self.recording = [p for p in self.pilots if self.records_readings and self.recordable(p)]

    def visible_pilots(self) -> list[dict[str, Any]]:
        response = self.client.get("/api/v1/pilots/?page_size=100", name="/api/v1/pilots/")
        return response.json()["results"] if response.ok else []

    def recordable(self, pilot: dict[str, Any]) -> bool:
        """A pilot in a recording stage the user owns (accepted) or works on."""
        if pilot["stage"] not in READING_STAGES:
            return False
        started = pilot["started_on"] or pilot["planned_start"]
        if started and date.fromisoformat(started) > today():
            return False
        owner = (pilot["owner"] or {}).get("username")
        if self.username.startswith("owner"):
            return owner == self.username and pilot["owner_status"] == "accepted"
        others = {
            owner,
            pilot["sponsor"]["username"],
            (pilot["operations_owner"] or {}).get("username"),
        }
        return self.username not in others  # a member sees only the pilots they work on

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="/")

    @task(2)
    def pilot_list(self) -> None:
        self.client.get("/pilots/", name="/pilots/")

    @task(4)
    def pilot_page(self) -> None:
        if self.pilots:
            reference = random.choice(self.pilots)["reference"]
            self.client.get(f"/pilots/{reference}/", name="/pilots/[reference]/")

    @task(2)
    def dashboard(self) -> None:
        self.client.get("/portfolio/", name="/portfolio/")

    @task(2)
    def api_list(self) -> None:
        self.client.get("/api/v1/pilots/", name="/api/v1/pilots/")

    @task(3)
    def record_reading(self) -> None:
        """Open one of one's pilots' metrics, and record today's value of one."""
        if not self.recording:
            return
        reference = random.choice(self.recording)["reference"]
        response = self.client.get(
            f"/api/v1/pilots/{reference}/metrics/", name="/api/v1/pilots/[reference]/metrics/"
        )
        metrics = response.json()["results"] if response.ok else []
        if not metrics:
            return
        row = {
            "metric": random.choice(metrics)["id"],
            "observed_on": today().isoformat(),
            "value": f"{random.uniform(1, 100):.2f}",
        }
        with self.client.post(
            "/api/v1/readings/bulk/",
            json={"readings": [row]},
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            catch_response=True,
            name="/api/v1/readings/bulk/",
        ) as posted:
            if posted.status_code != 200:
                posted.failure(f"{posted.status_code}: {posted.text[:300]}")


def accounts(*names: str) -> itertools.cycle[str]:
    return itertools.cycle(names)


class Sponsor(Pilotgate):
    weight = 2
    accounts = accounts("sponsor", "sponsor2")


class Owner(Pilotgate):
    weight = 3
    accounts = accounts("owner", "owner2", "owner3")
    records_readings = True


class Member(Pilotgate):
    weight = 2
    accounts = accounts("member", "member2")
    records_readings = True


class Operations(Pilotgate):
    weight = 1
    accounts = accounts("ops", "ops2")


class Lead(Pilotgate):
    weight = 2
    accounts = accounts("lead")
