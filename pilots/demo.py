"""The demo portfolio: its people and about 25 pilots over every stage and risk situation.

Data only; ``manage.py seed_demo`` builds it through the services. Days are
relative to the day of the first run, so each risk situation is live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pilots.enums import (
    PORTFOLIO_LEADS_GROUP,
    SPONSORS_GROUP,
    Confidence,
    FailureMode,
    Stage,
    TaskKind,
    TaskStatus,
)

DEMO_PASSWORD = "pilotgate-demo"

# username: (first name, last name, groups, superuser)
USERS = {
    "sponsor": ("Priya", "Sharma", [SPONSORS_GROUP], False),
    "sponsor2": ("Tom", "Becker", [SPONSORS_GROUP], False),
    "owner": ("Maria", "Lopez", [], False),
    "owner2": ("James", "Okafor", [], False),
    "owner3": ("Lena", "Fischer", [], False),
    "member": ("Alex", "Chen", [], False),
    "member2": ("Nora", "Haddad", [], False),
    "ops": ("Daniel", "Kim", [], False),
    "ops2": ("Grace", "Mensah", [], False),
    "owner4": ("Sam", "Patel", [], False),  # left the company: deactivated (orphaned demo)
    "lead": ("Helen", "Murray", [PORTFOLIO_LEADS_GROUP], False),
    "admin": ("Site", "Administrator", [], True),
    # The budget holder who accepts the demo pilots' 12-month run costs.
    "finance": ("Olivia", "Grant", [], False),
}


@dataclass
class Spec:
    """One demo pilot: what it is, and how far along its life it has come."""

    title: str
    unit: str
    problem: str
    metric: tuple[str, str, str, str, str]  # name, unit, direction, baseline, target
    start: int  # days from today
    end: int
    stage: str = Stage.DRAFT
    sponsor: str = "sponsor"
    owner: str | None = "owner"
    owner_answer: str = "accept"  # accept | decline | pending
    nominated_days_ago: int = 0  # a pending nomination this old (reminders chase it)
    ops: str | None = "ops"
    member: str | None = "member"
    complete: bool = True  # registration complete (checklist and plan)
    progress: float = 1.0  # reached share of the straight line (1.0 on track)
    last_reading: int = 0  # days ago of the most recent reading
    # title, kind, due, status: to do; waiting (completed by its giver 5 days ago, waiting
    # for the receiver's confirmation); done (completed and confirmed by the receiver)
    tasks: Sequence[tuple[str, str, int, str]] = field(default_factory=list)
    # A critical-segment metric: the demo's rate and share pilots define one, as the
    # default PILOTGATE_SEGMENT_METRIC_REQUIRED=rates asks before submission.
    segment: tuple[str, str, str, str, str] | None = None
    segment_progress: float = 1.1  # its readings' share of the straight line (>1 ahead)
    model_metric: bool = False
    rejected_once: bool = False
    operations_accepted: bool = False
    lessons: str = ""
    # The structured lesson of a stop or a graduation (the lessons library): what worked,
    # what failed, the failure modes that bit, tags (separated by commas).
    lesson: tuple[str, str, tuple[FailureMode, ...], str] | None = None
    # The baseline's provenance (when, how, from what); a draft may not have it yet.
    provenance: bool = True
    # The business owner's latest check-in: confidence, narrative, blockers.
    checkin: tuple[str, str, str] | None = None
    # An infrastructure waiver: "planned" (security review planned, waiver approved) or
    # "expired" (monitoring "no", its waiver past its expiry date: WAIVER_EXPIRED).
    waiver: str = ""
    # The lead's checkpoint decision, taken today in the open window: (decision, rationale);
    # an extension moves the end from ``end`` to ``extend_to`` (days from today).
    checkpoint: tuple[str, str] | None = None
    extend_to: int | None = None
    # The operating phase: graduated this many days ago (None: on the day of the seed),
    # and its value reviews, each recorded by the owner on its review day and signed off
    # by the sponsor and the lead: (proposal, narrative, lessons learned for a retire).
    graduated_days_ago: int | None = None
    value_reviews: Sequence[tuple[str, str, str]] = ()
    # After approval the sponsor moved the primary target (new target, the reason):
    # drift against the approved contract, awaiting a portfolio lead's acknowledgement.
    target_moved: tuple[str, str] | None = None
    # Value in money: the primary metric's value per unit (per month, in the currency),
    # the operating plan's run cost per month, and the budget holder's answer to it
    # (accept | pending).
    value_per_unit: str | None = None
    run_cost: str = "4200.00"
    budget_answer: str = "accept"
    # Graduated on its planned end (not today), then these weekly primary readings after
    # graduation, the first a week after it: the operating phase's series.
    after_graduation: tuple[str, ...] = ()
    # Days after the start on which the handover plan (its tasks) was written: in the
    # first weeks, or, for a late plan, once the handover window had opened.
    plan_written_on: int = 14
    # Succession: "orphaned" (the business owner's account is deactivated after the build:
    # ORPHANED, the sponsor and leads alerted); "handed_on" (the operations owner handed
    # the system to ops2, who accepted: the history shows it).
    succession: str = ""


HANDOVER_TASKS = [
    ("Runbook for the nightly scoring job", TaskKind.RUNBOOK, -20, TaskStatus.DONE),
    ("Train the service desk on override handling", TaskKind.TRAINING, -5, TaskStatus.DONE),
    ("Two weeks of shadowed on-call", TaskKind.SHADOWING, 10, TaskStatus.TODO),
    ("Transfer cloud project ownership", TaskKind.ACCESS_TRANSFER, 20, TaskStatus.TODO),
]
ALL_DONE = [(title, kind, due, TaskStatus.DONE) for title, kind, due, _ in HANDOVER_TASKS]
# A task waiting for its receiver (the demo "ops"): completed by the giver, not confirmed.
WAITING_FOR_OPS = [
    HANDOVER_TASKS[0],
    ("Train the service desk on override handling", TaskKind.TRAINING, -5, TaskStatus.WAITING),
    ("Write the support rota", TaskKind.SUPPORT_ROTA, -2, TaskStatus.TODO),
]

SPECS = [
    Spec(
        "Invoice data extraction",
        "Finance",
        "Accounts payable re-keys 40k invoices a month.",
        ("Invoices processed without manual touch", "%", "increase", "12", "70"),
        start=20,
        end=140,
        owner=None,
        ops=None,
        complete=False,
        provenance=False,
    ),
    Spec(
        "Supplier risk early warning",
        "Supply Chain",
        "Supplier failures surface weeks after the signals were visible.",
        ("Supplier disruptions caught 30 days ahead", "%", "increase", "15", "50"),
        start=30,
        end=150,
        owner=None,
    ),
    Spec(
        "Contract clause review assistant",
        "Risk & Compliance",
        "Legal reviews every NDA by hand; turnaround is nine days.",
        ("NDA review turnaround", "days", "decrease", "9", "3"),
        start=25,
        end=115,
        owner="owner3",
        owner_answer="decline",
    ),
    Spec(
        "Churn propensity for broadband",
        "Sales",
        "Retention calls go to customers who were never going to leave.",
        ("Monthly churn of contacted customers", "%", "decrease", "2.4", "1.8"),
        start=21,
        end=201,
        stage=Stage.DRAFT,
        rejected_once=True,
        owner="owner2",
        segment=("Churn of customers with over 10 years' tenure", "%", "decrease", "1.9", "1.4"),
    ),
    Spec(
        "Claims triage for home insurance",
        "Customer Service",
        "Simple claims wait in the same queue as complex ones.",
        ("Median days to settle simple claims", "days", "decrease", "14", "5"),
        start=14,
        end=134,
        stage=Stage.PROPOSED,
        owner="owner2",
        owner_answer="pending",
        budget_answer="pending",
    ),
    Spec(
        "Demand forecast for fresh produce",
        "Supply Chain",
        "Fresh produce waste is 8% of purchases.",
        ("Fresh produce waste", "% of purchases", "decrease", "8", "5"),
        start=10,
        end=190,
        stage=Stage.PROPOSED,
        owner="owner",
        segment=(
            "Waste of short-life produce (under 3 days)",
            "% of purchases",
            "decrease",
            "14",
            "9",
        ),
    ),
    Spec(
        "HR policy question answering",
        "HR",
        "The HR helpdesk answers the same 200 questions every month.",
        ("HR tickets resolved without an agent", "%", "increase", "5", "40"),
        start=30,
        end=120,
        stage=Stage.PROPOSED,
        owner="owner3",
        owner_answer="pending",
        nominated_days_ago=5,
        sponsor="sponsor2",
        segment=("Grievance and leave questions answered correctly", "%", "increase", "60", "90"),
    ),
    Spec(
        "Fraud screening for card payments",
        "Risk & Compliance",
        "Manual fraud review holds 3% of good payments.",
        ("Good payments held for review", "%", "decrease", "3", "1.2"),
        start=12,
        end=192,
        stage=Stage.APPROVED,
        owner="owner2",
        segment=("Fraud caught on payments over £5,000", "%", "increase", "82", "95"),
        waiver="planned",
    ),
    Spec(
        "Warehouse pick-path optimisation",
        "Operations",
        "Pickers walk 11 km a shift.",
        ("Picks per labour hour", "picks", "increase", "92", "120"),
        start=-3,
        end=117,
        stage=Stage.APPROVED,
        owner="owner",
        target_moved=(
            "110",
            "Two of the six aisles close for refurbishment until spring: the 120 assumed all "
            "six. Measured on the four that stay open, 110 is the same improvement.",
        ),
    ),
    Spec(
        "Ticket routing for IT service desk",
        "Customer Service",
        "A third of tickets are routed to the wrong resolver group.",
        ("Tickets resolved by the first group", "%", "increase", "66", "85"),
        start=-21,
        end=159,
        stage=Stage.RUNNING,
        segment=("P1 incidents routed within 15 minutes", "%", "increase", "71", "98"),
        segment_progress=0.6,  # behind: the overall number hides it (SEGMENT_BREACH)
        model_metric=True,
        last_reading=2,
    ),
    Spec(
        "Collections call prioritisation",
        "Finance",
        "Collectors call in alphabetical order.",
        ("Cash collected within 30 days", "% of arrears", "increase", "41", "55"),
        start=-60,
        end=120,
        stage=Stage.RUNNING,
        owner="owner2",
        progress=0.3,
        last_reading=3,
        # Due in two days: its giver is told before the date (TASK_DUE_SOON).
        tasks=[
            (
                "Write the collectors' guide to overriding the call order",
                TaskKind.DOCUMENTATION,
                2,
                TaskStatus.TODO,
            )
        ],
        segment=("Vulnerable customers on an agreed plan", "% of arrears", "increase", "62", "75"),
        # Optimism made visible: the owner says on track, the metric is far behind.
        checkin=(
            Confidence.ON_TRACK,
            "Collectors like the new call order and the first results look encouraging; "
            "the cash should follow next month.",
            "",
        ),
    ),
    Spec(
        "Product description generation",
        "Sales",
        "Listing a new product takes 45 minutes of copywriting.",
        ("Minutes to list a product", "minutes", "decrease", "45", "10"),
        start=-70,
        end=110,
        stage=Stage.RUNNING,
        sponsor="sponsor2",
        owner="owner3",
        last_reading=45,
    ),
    Spec(
        "Meeting notes summariser",
        "Operations",
        "Managers spend four hours a week writing up meetings.",
        ("Manager hours on write-ups per week", "hours", "decrease", "4", "1.5"),
        start=-70,
        # Planned to end in 20 days; extended at the checkpoint to 50: the new window opens
        # in 10 days and the checkpoint is due again then.
        end=20,
        extend_to=50,
        checkpoint=(
            "extend",
            "The summaries are good but the managers' template changes next month; a month "
            "more to prove the saving on the new template before the handover.",
        ),
        stage=Stage.RUNNING,
        owner="owner",
        last_reading=5,
    ),
    Spec(
        "Call transcription quality scoring",
        "Customer Service",
        "Quality assurance samples 2% of calls.",
        ("Calls quality-scored", "%", "increase", "2", "60"),
        start=-110,
        end=40,
        stage=Stage.RUNNING,
        owner="owner2",
        ops="ops2",
        last_reading=4,
        segment=("Complaint calls quality-scored", "%", "increase", "5", "90"),
    ),
    Spec(
        "Spare parts reorder advisor",
        "Operations",
        "Engineers wait for parts that should have been in stock.",
        ("Jobs delayed for parts", "%", "decrease", "9", "4"),
        start=-150,
        end=30,
        stage=Stage.RUNNING,
        owner="owner",
        progress=1.05,  # a little ahead: its owner's on-track check-in agrees
        last_reading=6,
        tasks=WAITING_FOR_OPS,
        segment=("Emergency jobs delayed for parts", "%", "decrease", "6", "2"),
        checkin=(
            Confidence.ON_TRACK,
            "Fewer jobs wait for parts every week; the stores team trusts the advice.",
            "The support rota is late: operations have not named the second line yet.",
        ),
    ),
    Spec(
        "Mortgage document checks",
        "Risk & Compliance",
        "Underwriters check 60 pages per application by hand.",
        ("Underwriter minutes per application", "minutes", "decrease", "95", "40"),
        start=-125,
        end=-5,
        stage=Stage.RUNNING,
        owner="owner3",
        sponsor="sponsor2",
        last_reading=8,
        tasks=HANDOVER_TASKS,
    ),
    Spec(
        "Energy use anomaly detection",
        "Operations",
        "Site energy waste is found on the quarterly bill.",
        ("Energy cost per site per month", "£", "decrease", "18400", "15500"),
        start=-170,
        end=10,
        stage=Stage.RUNNING,
        owner="owner2",
        progress=1.15,
        last_reading=1,
        tasks=ALL_DONE,
        operations_accepted=True,
        checkin=(
            Confidence.ON_TRACK,
            "Ahead of target on every site; operations already act on the alerts.",
            "",
        ),
        checkpoint=(
            "continue",
            "Handover plan done and the site operations team has accepted the system: "
            "continue to the graduation decision at the end.",
        ),
    ),
    Spec(
        "Returns reason classification",
        "Customer Service",
        "Returns reasons are free text nobody reads.",
        ("Returns with an actionable reason code", "%", "increase", "18", "80"),
        start=-120,
        end=60,
        stage=Stage.RUNNING,
        owner="owner",
        member="member2",
        last_reading=6,
        tasks=HANDOVER_TASKS,
        segment=("High-value returns with a reason code", "%", "increase", "25", "85"),
        waiver="expired",
    ),
    Spec(
        "Payroll query chatbot",
        "HR",
        "Payroll queries spike every month-end.",
        ("Payroll queries needing an agent", "per month", "decrease", "2300", "900"),
        start=-400,
        end=-220,
        stage=Stage.GRADUATED,
        owner="owner3",
        progress=1.1,
        last_reading=3,
        tasks=ALL_DONE,
        operations_accepted=True,
        lesson=(
            "The payroll team owned the answers from the start; operations shadowed the "
            "delivery team for a month before the handover window opened.",
            "The first knowledge base was written by the vendor and went stale within weeks.",
            (FailureMode.OWNERSHIP_VACUUM,),
            "handover, knowledge base",
        ),
        value_per_unit="6.50",
        run_cost="3800.00",
    ),
    Spec(
        "Delivery slot pricing",
        "Sales",
        "Van capacity is wasted on cheap slots at peak times.",
        ("Van utilisation at peak", "%", "increase", "74", "88"),
        start=-330,
        end=-150,
        stage=Stage.GRADUATED,
        owner="owner",
        progress=1.05,
        last_reading=5,
        tasks=ALL_DONE,
        operations_accepted=True,
        ops="ops2",
        segment=("Rural slots still offered at peak", "%", "increase", "55", "70"),
        checkin=(
            Confidence.ON_TRACK,
            "Utilisation at peak holds above target two months after handover.",
            "",
        ),
        lesson=(
            "Measured van utilisation at peak, the business number, from the first week, "
            "with a segment metric for rural slots.",
            "",
            (),
            "pricing, segment metric",
        ),
        value_per_unit="1500.00",
        run_cost="6800.00",
    ),
    Spec(
        "Credit memo matching",
        "Finance",
        "Credit memos are matched to invoices by hand at quarter end.",
        ("Credit memos matched automatically", "%", "increase", "0", "75"),
        start=-300,
        end=-120,
        stage=Stage.GRADUATED,
        owner="owner2",
        progress=1.2,
        last_reading=7,
        tasks=ALL_DONE,
        operations_accepted=True,
        segment=("Credit memos over £10,000 matched correctly", "%", "increase", "0", "90"),
        value_per_unit="40.00",
    ),
    Spec(
        "Store shelf gap detection",
        "Operations",
        "Empty shelves are spotted by customers first.",
        ("Shelf gaps fixed within an hour", "%", "increase", "35", "80"),
        start=-240,
        end=-60,
        stage=Stage.STOPPED,
        owner="owner3",
        progress=0.2,
        last_reading=70,
        lessons="Camera coverage in older stores was too patchy; the data pipeline never "
        "reached production quality. Fund the camera refresh before a second attempt.",
        segment=("Gaps on promoted lines fixed within an hour", "%", "increase", "40", "85"),
        lesson=(
            "The shelf-gap model itself was accurate on the stores with new cameras.",
            "Camera coverage in older stores was too patchy, and the image pipeline was a "
            "nightly extract the team tuned by hand: it never reached production quality.",
            (FailureMode.LAB_TO_DESK_GAP,),
            "data pipeline, cameras, stores",
        ),
    ),
    Spec(
        "Recruiter CV screening",
        "HR",
        "Recruiters screen 300 CVs per role.",
        ("Recruiter hours per hire", "hours", "decrease", "22", "12"),
        start=10,
        end=190,
        stage=Stage.STOPPED,
        owner="owner",
        sponsor="sponsor2",
        lessons="The fairness review showed the pilot could not meet our hiring policy "
        "with the data available. Stopped before any candidate was affected.",
        lesson=(
            "Stopping early: the fairness review came before any candidate was screened.",
            "We reported screening accuracy, not hires or fairness: the pilot's number "
            "looked good while the policy question was open.",
            (FailureMode.METRIC_MIRAGE,),
            "fairness, hr policy",
        ),
    ),
    Spec(
        "Route planning for field engineers",
        "Operations",
        "Engineers drive 20% more than a planned route needs.",
        ("Miles per completed job", "miles", "decrease", "31", "24"),
        start=-40,
        end=80,
        stage=Stage.RUNNING,
        owner="owner",
        ops=None,
        member="member2",
        last_reading=1,
        progress=1.0,
    ),
    Spec(
        "Email intent detection for banking",
        "Customer Service",
        "Customer emails wait two days for a first reply.",
        ("Hours to first reply", "hours", "decrease", "48", "8"),
        start=-2,
        end=178,
        stage=Stage.APPROVED,
        owner="owner3",
        sponsor="sponsor2",
    ),
    # Graduated 75 days ago at about 119 parcels an hour; one noisy week (107) that the
    # rule ignores, then a slow slide: DEGRADING since 12 days ago, owners reminded once,
    # not yet escalated (PILOTGATE_DEGRADING_ESCALATION_WEEKS, 2).
    Spec(
        "Van loading sequence optimiser",
        "Operations",
        "Vans are loaded in the wrong order and drivers re-sort at every stop.",
        ("Parcels loaded per hour", "parcels", "increase", "95", "120"),
        start=-230,
        end=-75,
        stage=Stage.GRADUATED,
        owner="owner2",
        ops="ops2",
        last_reading=75,
        tasks=ALL_DONE,
        operations_accepted=True,
        after_graduation=("121", "120", "107", "120", "119", "118", "117", "116", "111", "110"),
    ),
    # Decided pilots for the portfolio's evidence that the practices matter: with those
    # above, enough on each side of the handover, segment and infrastructure practices
    # to compare (PILOTGATE_EVIDENCE_MIN_PILOTS). "planned" here: the security review was
    # still planned, under an approved waiver, when the pilot started.
    Spec(
        "Invoice coding suggestions",
        "Finance",
        "Clerks code every supplier invoice line to a ledger account by hand.",
        ("Invoices coded without correction per day", "invoices", "increase", "120", "400"),
        start=-280,
        end=-100,
        stage=Stage.GRADUATED,
        owner="owner2",
        progress=0.7,
        last_reading=4,
        tasks=ALL_DONE,
        operations_accepted=True,
        plan_written_on=130,  # after the window opened: a late handover that still made it
    ),
    Spec(
        "Parcel damage photo checks",
        "Operations",
        "Damaged parcels are found by customers, not at dispatch.",
        ("Damaged parcels caught before dispatch", "%", "increase", "35", "80"),
        start=-260,
        end=-80,
        stage=Stage.GRADUATED,
        owner="owner3",
        ops="ops2",
        progress=0.6,
        last_reading=6,
        tasks=ALL_DONE,
        operations_accepted=True,
        segment=("Fragile goods damage caught before dispatch", "%", "increase", "20", "70"),
    ),
    Spec(
        "Sales call summaries",
        "Sales",
        "Account managers spend twelve minutes on admin after every call.",
        ("Minutes of admin per sales call", "minutes", "decrease", "12", "4"),
        start=-200,
        end=-20,
        stage=Stage.STOPPED,
        owner="owner",
        progress=0.3,
        last_reading=25,
        waiver="planned",
        lessons="The summaries were built on exported call recordings; the production "
        "telephony feed was never connected, so nobody trusted them on live calls.",
    ),
    Spec(
        "Broadband fault chatbot",
        "Customer Service",
        "Most broadband fault calls are solved by the same three checks.",
        ("Fault calls resolved in the chat", "%", "increase", "10", "45"),
        start=-230,
        end=-50,
        stage=Stage.STOPPED,
        owner="owner2",
        progress=0.5,
        last_reading=40,
        tasks=ALL_DONE,
        waiver="planned",
        segment=("Vulnerable customers' faults resolved in the chat", "%", "increase", "5", "30"),
        lessons="The service desk was ready to run it, but the chat never resolved enough "
        "faults to pay its licence: customers rang anyway.",
    ),
    Spec(
        "Stock count drones",
        "Operations",
        "Stores close an aisle a day for manual stock counts.",
        ("Hours of manual stock counting per store per month", "hours", "decrease", "60", "15"),
        start=-180,
        end=-20,
        stage=Stage.STOPPED,
        owner="owner3",
        progress=0.15,
        last_reading=30,
        waiver="planned",
        lessons="Tested in the one store with wide aisles; the other stores' layouts and "
        "wi-fi were never surveyed.",
    ),
    Spec(
        "Legal hold email triage",
        "Risk & Compliance",
        "Putting a custodian's mail under legal hold takes six days of back and forth.",
        ("Days to place mail under legal hold", "days", "decrease", "6", "1"),
        start=15,
        end=135,
        stage=Stage.STOPPED,
        owner="owner",
        waiver="planned",
        lessons="Stopped before the start: the e-discovery platform's replacement was "
        "announced, and the pilot would have been built on the old one.",
    ),
    Spec(
        "Warranty claim pre-checks",
        "Customer Service",
        "Agents check every warranty claim against the terms by hand.",
        ("Warranty claims settled per agent per day", "claims", "increase", "18", "30"),
        start=-320,
        end=-140,
        stage=Stage.GRADUATED,
        owner="owner",
        progress=0.8,
        last_reading=3,
        tasks=ALL_DONE,
        operations_accepted=True,
    ),
    Spec(
        "Energy tariff switching advice",
        "Sales",
        "Customers on expensive tariffs are never told a cheaper one exists.",
        ("Customers switched to a cheaper tariff", "%", "increase", "3", "12"),
        start=-210,
        end=-30,
        stage=Stage.STOPPED,
        owner="owner2",
        progress=0.35,
        last_reading=30,
        waiver="planned",
        segment=("Customers in fuel poverty switched", "%", "increase", "2", "10"),
        lessons="The advice was right, but switching still took a call to the billing "
        "team: without that handover planned, the saving never reached customers.",
    ),
    # --- In operation: value reviews (issue 17) ---------------------------------------
    Spec(
        "Supplier invoice coding assistant",
        "Finance",
        "Accounts payable codes every supplier invoice line to a ledger account by hand.",
        ("Invoice lines coded without correction", "%", "increase", "40", "85"),
        start=-285,
        end=-105,
        stage=Stage.GRADUATED,
        owner="owner",
        progress=1.1,
        last_reading=4,
        tasks=ALL_DONE,
        operations_accepted=True,
        segment=("Invoice lines over £5,000 coded correctly", "%", "increase", "30", "80"),
        graduated_days_ago=100,  # its 90-day value review is due (10 days ago)
    ),
    Spec(
        "Warranty claim triage",
        "Customer Service",
        "Warranty claims wait a week in one queue before anyone reads them.",
        ("Days from claim to first decision", "days", "decrease", "7", "2"),
        start=-320,
        end=-125,
        stage=Stage.GRADUATED,
        owner="owner2",
        ops="ops2",
        progress=1.05,
        last_reading=1,
        tasks=ALL_DONE,
        operations_accepted=True,
        graduated_days_ago=122,  # its 90-day value review is overdue (32 days after its day)
    ),
    Spec(
        "Meeting minutes summariser",
        "HR",
        "Managers write up every HR case meeting by hand.",
        ("Minutes to write up a case meeting", "minutes", "decrease", "45", "15"),
        start=-420,
        end=-215,
        stage=Stage.GRADUATED,
        owner="owner3",
        sponsor="sponsor2",
        progress=1.0,
        last_reading=1,
        tasks=ALL_DONE,
        operations_accepted=True,
        graduated_days_ago=210,
        value_reviews=(
            (
                "improve",
                "Write-ups take 18 minutes, close to target, but only two of five teams use it.",
                "",
            ),
            (
                "retire",
                "The new case system records meetings itself: usage fell to one team and the "
                "licence costs more than the time it saves.",
                "Check the roadmap of the systems around a pilot before graduating it: the "
                "case system's own summaries made this one redundant within six months.",
            ),
        ),
    ),
    Spec(
        "Supplier cost-centre routing",
        "Finance",
        "Supplier invoices wait a week for a cost-centre code.",
        ("Invoices coded on receipt", "%", "increase", "30", "80"),
        start=-60,
        end=60,
        stage=Stage.RUNNING,
        owner="owner4",
        progress=1.0,
        last_reading=2,
        tasks=HANDOVER_TASKS,
        segment=("High-value invoices coded on receipt", "%", "increase", "20", "70"),
        succession="orphaned",
    ),
    Spec(
        "Picker route planner",
        "Operations",
        "Pickers walk twice the distance an optimal route needs.",
        ("Metres walked per order", "metres", "decrease", "420", "260"),
        start=-380,
        end=-200,
        stage=Stage.GRADUATED,
        owner="owner2",
        progress=1.1,
        last_reading=4,
        tasks=ALL_DONE,
        operations_accepted=True,
        succession="handed_on",
    ),
]
