"""No input gives a server error: every URL of the site, the portal and the admin, as every kind of visitor, with
hostile values in the path, the query string and the form.

The URLs come from the resolver itself, so a view added tomorrow is swept too. Each converter is filled in turn with a
NUL byte, an overlong string, a non-number, integers out of every database's range and a real object's key; each page
is fetched with hostile query strings and posted with hostile values in every field its form shows. Admin changelists
get each of their filters' parameters spoiled the same way, and every admin autocomplete gets a spoiled term.

One data set is built once for the module (inside a transaction rolled back at its end); each test runs in its own
savepoint, so what one role's posts change is undone before the next role's turn.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from courses.admin_input import InputCheckingAdmin
from courses.models import ClassSession, Cohort, Course, CredentialType, Requirement
from enrollment import services
from enrollment.converters import PrivateLinkTokenConverter
from enrollment.models import Attendance, AttendanceStatus, AuditEvent, Credential, Enrollment, Student, new_token
from payments.models import (
    Deposit,
    DepositRule,
    DueRule,
    Instalment,
    PaymentPlan,
    PlanStep,
    RefundPolicy,
    RefundProposal,
)
from tests.factories import (
    credential_details,
    make_cohort,
    make_course,
    make_credential,
    make_credential_type,
    make_groups,
    make_refund_policy,
    make_requirement,
    make_session,
    make_student,
    student_details,
)

HUGE = "99999999999999999999"  # beyond a 64-bit integer
# What a stranger can put where a key, a token or a slug is expected ("9" * 10_000 is too long for int()).
HOSTILE_VALUES = ["\x00", "a\x00b", "x" * 10_000, "9" * 10_000, "abc", HUGE, "-1"]
# In a form's fields, four rounds: a NUL byte, an overlong text, then the low and the high ends of every range, with
# the date fields given the first and the last day of the calendar.
FORM_ROUNDS = [("\x00", "\x00"), ("x" * 10_000, "x" * 10_000), ("-1", "0001-01-01"), (HUGE, "9999-12-31")]
# Parameters our pages and Django's read: search, page, changelist page and order, autocomplete term, filters.
HOSTILE_QUERIES = [
    {"q": "\x00", "page": "\x00", "p": "\x00", "o": "\x00", "term": "\x00", "cohort": "\x00", "status": "\x00"},
    {"q": "x" * 10_000, "page": HUGE, "p": "99999999999999", "o": "-.abc", "term": HUGE, "cohort": "²", "all": ""},
    {"q": "a " * 1000, "page": "1e400", "p": "-1", "o": "999", "cohort": HUGE, "starts": "9999-12", "status": "x"},
]
ROLES = ["anonymous", "student_link", "instructor", "staff", "superuser"]
ADMIN_ROLES = ["staff", "superuser"]
ACTIONS = ["view", "add", "change", "delete"]
PDF = b"%PDF-1.4\n% a scanned CPR card\n"
FORM_FIELD = re.compile(r"<(?:input|select|textarea)\b([^>]*)>")
NAME, VALUE = re.compile(r'\bname="([^"]+)"'), re.compile(r'\bvalue="([^"]*)"')
# A formset's count of forms: Django caps a forged one at 1,000 forms more than the page has, which takes a second to
# build and validate (no error), so the huge-number round leaves these as the page sent them.
FORM_COUNTS = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


# --- the data set, once per module ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[SimpleNamespace]:
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        make_groups()
        make_refund_policy()  # the migration's rows, gone after a transactional test's flush
        superuser = User.objects.create_superuser("root", "root@elite-ems.example", "pw")
        staff = User.objects.create_user("renee", "renee@elite-ems.example", "pw", is_staff=True)
        staff.groups.add(Group.objects.get(name="Staff"))
        instructor = User.objects.create_user("dana", "dana@elite-ems.example", "pw")
        instructor.groups.add(Group.objects.get(name="Instructors"))
        bystander = User.objects.create_user("casey", "casey@elite-ems.example", "pw")

        cpr = make_credential_type("CPR_BLS", "CPR/BLS card")
        course = make_course()
        requirement = make_requirement(course, cpr, needs_verification=True)
        cohort = make_cohort(course)
        cohort.instructors.add(instructor)
        past = make_session(cohort, days_from_now=-2)
        make_session(cohort, days_from_now=3)
        # A student waiting for review: the status page shows the credential form.
        pending = services.request_seat(cohort=cohort, student=student_details(), credentials=[credential_details(cpr)])
        seated = Enrollment.objects.create(student=make_student(), cohort=cohort, status="enrolled")
        attendance = Attendance.objects.create(
            enrollment=seated, session=past, status=AttendanceStatus.PRESENT, minutes=past.minutes
        )
        # Money: a plan with a step, a deposit rule, and the seated student's instalment and deposit.
        plan = PaymentPlan.objects.create(name="Two payments", course=course)
        PlanStep.objects.create(plan=plan, percent=50, due=DueRule.AFTER_ENROLLING, days=7)
        deposit_rule = DepositRule.objects.create(course=course, amount=100, days=3)
        instalment = Instalment.objects.create(enrollment=seated, due_on=cohort.starts_on, amount=725, plan=plan)
        deposit = Deposit.objects.create(enrollment=seated, amount=100, due_on=cohort.starts_on)
        credential = make_credential(seated.student, cpr)
        # A confirmed seat (charged) that withdrew: its refund waits in the staff's queue.
        leaver = services.request_seat(
            cohort=make_cohort(make_course()), student=student_details(), confirmed=True, actor=staff
        )
        services.withdraw(enrollment=leaver)
        refund = RefundProposal.objects.get(enrollment=leaver)
        credential.evidence.save("card.pdf", ContentFile(PDF), save=True)

        objects = {
            Course: course,
            CredentialType: cpr,
            Requirement: requirement,
            Cohort: cohort,
            ClassSession: past,
            Student: seated.student,
            Credential: credential,
            Enrollment: pending,
            Attendance: attendance,
            AuditEvent: AuditEvent.objects.filter(enrollment=pending).first(),
            User: bystander,
            Group: Group.objects.get(name="Staff"),
            PaymentPlan: plan,
            PlanStep: plan.steps.get(),
            DepositRule: deposit_rule,
            Instalment: instalment,
            Deposit: deposit,
            RefundProposal: refund,
            RefundPolicy: RefundPolicy.objects.get(course=None),
        }
        yield SimpleNamespace(
            media=media,
            users={"staff": staff, "instructor": instructor, "superuser": superuser},
            objects={model: str(obj.pk) for model, obj in objects.items()},
            course=course,
            cohort=cohort,
            session=past,
            enrollment=pending,
            cohort_type=str(ContentType.objects.get_for_model(Cohort).pk),
            reset_uid=urlsafe_base64_encode(force_bytes(instructor.pk)),
            reset_token=default_token_generator.make_token(instructor),
        )
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media_root(settings, world):
    """The evidence saved with the module's data set, rather than conftest's empty folder per test."""
    settings.MEDIA_ROOT = world.media


def client_for(role: str, world: SimpleNamespace) -> Client:
    client = Client(raise_request_exception=False)
    if role == "student_link":
        assert client.get(world.enrollment.get_absolute_url()).status_code == 200
    elif role != "anonymous":
        client.force_login(world.users[role])
    return client


# --- the URLs, from the resolver ------------------------------------------------------------------------------------


@dataclass
class Route:
    """One URL pattern, flattened: its full route text and the model whose admin it belongs to, if any."""

    route: str
    name: str | None
    model: type | None
    params: list[str] = field(default_factory=list)

    def fill(self, values: dict[str, str]) -> str:
        def value(match: re.Match) -> str:
            return quote(values[match.group(1) or match.group(2)], safe="")

        text = PLACEHOLDER.sub(value, self.route)
        return "/" + text.replace("^", "").replace("$", "")


def routes() -> list[Route]:
    found = []

    def walk(patterns, prefix: str, model: type | None) -> None:
        for pattern in patterns:
            text = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = model
                if match := re.fullmatch(r"(\w+)/(\w+)/", text):
                    with contextlib.suppress(LookupError):
                        inner = apps.get_model(*match.groups())
                walk(pattern.url_patterns, prefix + text, inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + text
                params = [a or b for a, b in PLACEHOLDER.findall(route)]
                found.append(Route(route, pattern.name, model, params))

    walk(get_resolver().url_patterns, "", None)
    return found


def valid_value(route: Route, param: str, world: SimpleNamespace) -> str:
    """A value for `param` that finds a real object, so the view gets past its lookup."""
    if param in {"object_id", "id"}:
        if route.model is None:  # the admin's "view on site" redirect
            return world.objects[Cohort]
        return world.objects.get(route.model, "1")
    if param == "content_type_id":
        return world.cohort_type
    if param == "pk":
        return world.objects[ClassSession] if "sessions/" in route.route else world.objects[Cohort]
    if param == "slug":
        return world.course.slug
    if param == "uidb64":
        return world.reset_uid
    if param == "token":
        return world.reset_token if route.route.startswith("accounts/") else world.enrollment.token
    if param == "app_label":
        return "enrollment"
    return "nowhere"


def same_for_staff(route: Route, world: SimpleNamespace) -> bool:
    """An admin page of a model on which staff hold every permission: a superuser's request runs the same code."""
    if route.model is None or not route.route.startswith("admin/"):
        return False
    staff, opts = world.users["staff"], route.model._meta
    return all(staff.has_perm(f"{opts.app_label}.{action}_{opts.model_name}") for action in ACTIONS)


def urls_to_sweep(world: SimpleNamespace, role: str) -> tuple[list[str], list[str]]:
    """Every URL with real values (to fetch with hostile queries and post to), and every URL with one hostile value.

    A superuser sweeps what staff cannot reach (users, groups, the audit trail's refusals, django-axes' tables) and
    the admin's own pages; the pages staff sweep with the same permissions are not swept twice.
    """
    real, hostile = [], []
    for route in routes():
        if role == "superuser" and same_for_staff(route, world):
            continue
        valid = {param: valid_value(route, param, world) for param in route.params}
        url = route.fill(valid)
        if url not in real:
            real.append(url)
        for param in route.params:
            for value in HOSTILE_VALUES:
                url = route.fill({**valid, param: value})
                if url not in hostile:
                    hostile.append(url)
    return real, hostile


# --- the checks -----------------------------------------------------------------------------------------------------


@dataclass
class Sweep:
    client: Client
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def check(self, method: str, url: str, data: dict | None = None) -> object:
        self.requests += 1
        response = self.client.get(url, data) if method == "GET" else self.client.post(url, data or {})
        if response.status_code >= 500:
            error = response.exc_info[1] if response.exc_info else None
            shown = {key: str(value)[:20] for key, value in (data or {}).items()}
            self.failures.append(f"{method} {url[:100]} {shown or ''} -> {response.status_code} {error!r}"[:300])
        return response

    def report(self) -> str:
        return f"{len(self.failures)} of {self.requests} requests gave a server error:\n" + "\n".join(self.failures)


@dataclass
class FormField:
    value: str  # as the page gives it
    is_date: bool


def form_fields(response) -> dict[str, FormField]:
    """The fields of the page's forms (ours are type="date"; the admin's date boxes have the class vDateField)."""
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return {}
    fields = {}
    for attributes in FORM_FIELD.findall(response.content.decode()):
        if (name := NAME.search(attributes)) and name.group(1) != "csrfmiddlewaretoken":
            value = VALUE.search(attributes)
            is_date = 'type="date"' in attributes or "vDateField" in attributes
            fields.setdefault(name.group(1), FormField(value.group(1) if value else "", is_date))
    return fields


def spoiled(fields: dict[str, FormField], value: str, date: str) -> dict[str, str]:
    if not fields:
        return {"q": value}
    data = {name: date if field.is_date else value for name, field in fields.items()}
    if value == HUGE:
        data |= {name: field.value for name, field in fields.items() if name.endswith(FORM_COUNTS)}
    return data


def skip_post(url: str) -> bool:
    # Logging out would turn the rest of the sweep into an anonymous one; it takes no input anyway.
    return url.endswith("/logout/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_url_gives_a_server_error(world, role):
    client = client_for(role, world)
    sweep = Sweep(client)
    real, hostile = urls_to_sweep(world, role)
    assert len(real) > (40 if role == "superuser" else 100)
    for url in hostile:
        sweep.check("GET", url)
    forms = {}
    for url in real:
        forms[url] = form_fields(sweep.check("GET", url))
        for query in HOSTILE_QUERIES:
            sweep.check("GET", url, query)
    # Deleting comes last: it may take the data set's objects away from the pages posted to before it.
    for url in sorted((u for u in real if not skip_post(u)), key=lambda u: u.endswith("/delete/")):
        for value, date in FORM_ROUNDS:
            sweep.check("POST", url, spoiled(forms[url], value, date))
    assert not sweep.failures, sweep.report()


def changelists() -> list[tuple[type, admin.ModelAdmin]]:
    return list(admin.site._registry.items())


# The ends of the calendar, where the date hierarchy's next day, month or year does not exist.
CALENDAR_ENDS = [{"year": "9999"}, {"year": "9999", "month": "12"}, {"year": "9999", "month": "12", "day": "31"}]
FILTER_VALUES = ["\x00", "x" * 10_000, "²", HUGE, "9999-12", "9999-12-31"]


@pytest.mark.django_db
# A date filter's bound given to a date-and-time column is read as midnight, with Django's warning that it is naive.
@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime:RuntimeWarning")
def test_no_admin_changelist_filter_gives_a_server_error(world):
    """Each changelist, as staff when staff may see it and as a superuser otherwise, with each parameter spoiled."""
    clients = {role: client_for(role, world) for role in ADMIN_ROLES}
    sweeps = {role: Sweep(client) for role, client in clients.items()}
    checked = 0
    for model, model_admin in changelists():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        role = next(r for r in ADMIN_ROLES if clients[r].get(url).status_code == 200)
        sweep = sweeps[role]
        response = sweep.check("GET", url, {"_facets": "1"})  # the counts next to each filter's choices
        checked += 1
        parameters = set()  # search, order and page: every admin URL gets those spoiled in the sweep above
        for spec in response.context["cl"].filter_specs:
            parameters.update(spec.expected_parameters())
        if hierarchy := model_admin.date_hierarchy:
            parameters.update(f"{hierarchy}__{part}" for part in ("year", "month", "day"))
            for date in CALENDAR_ENDS:
                sweep.check("GET", url, {f"{hierarchy}__{part}": value for part, value in date.items()})
        for parameter in sorted(parameters):
            for value in FILTER_VALUES:
                sweep.check("GET", url, {parameter: value})
    assert checked == len(changelists())
    assert sweeps["staff"].requests > 100
    failures = [failure for sweep in sweeps.values() for failure in sweep.failures]
    assert not failures, "\n".join(failures)


def autocompletes() -> list[dict[str, str]]:
    """Every (app, model, field) the admin's autocomplete serves: each autocomplete field of each model admin."""
    found = []
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.autocomplete_fields:
            found.append({"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": name})
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_no_admin_autocomplete_gives_a_server_error(world, role):
    client = client_for(role, world)
    sweep = Sweep(client)
    sources = autocompletes()
    assert len(sources) >= 5
    for source in sources:
        assert sweep.check("GET", "/admin/autocomplete/", {**source, "term": "CPR"}).status_code in {200, 403}
        for value in [*HOSTILE_VALUES, "9999-12-31", "a " * 1000]:
            sweep.check("GET", "/admin/autocomplete/", {**source, "term": value})
            sweep.check("GET", "/admin/autocomplete/", {**source, "term": "a", "page": value})
    for value in HOSTILE_VALUES:
        sweep.check("GET", "/admin/autocomplete/", {"app_label": value, "model_name": value, "field_name": value})
    assert not sweep.failures, sweep.report()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_no_admin_action_on_hostile_selections_gives_a_server_error(world, role):
    client = client_for(role, world)
    sweep = Sweep(client)
    for model, _model_admin in changelists():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        if response.status_code != 200 or response.context["action_form"] is None:
            continue
        for action, _label in response.context["action_form"].fields["action"].choices:
            if not action:
                continue
            for value in ["\x00", "abc", HUGE, "-1", "²", "x" * 10_000]:
                sweep.check("POST", url, {"action": action, "_selected_action": [value], "index": "0"})
    assert sweep.requests > 20
    assert not sweep.failures, sweep.report()


# --- the fixes one by one, as the issue names them -----------------------------------------------------------------


def test_a_private_link_token_is_matched_by_its_alphabet_and_length():
    assert all(re.fullmatch(PrivateLinkTokenConverter.regex, new_token()) for _ in range(500))
    token = new_token()
    assert resolve(f"/my/{token}/withdraw/").url_name == "withdraw"
    for forged in [token[:-1], token + "a", token[:-1] + ".", token[:-1] + "%", "a" * 5000]:
        with pytest.raises(Resolver404):
            resolve(f"/my/{forged}/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/my/%00/", 400),
        ("/my/a%00b/withdraw/", 400),
        ("/my/" + "a" * 42 + "/", 404),
        ("/courses/?q=%00", 400),
        ("/admin/autocomplete/?app_label=enrollment&model_name=enrollment&field_name=student&term=%00", 400),
        ("/admin/enrollment/enrollment/?status=%00", 400),
        ("/admin/courses/cohort/?starts=9999-12", 200),
        ("/admin/courses/cohort/?shown=%00", 400),
        ("/admin/courses/cohort/?shown=" + "x" * 5000, 200),
        ("/admin/courses/cohort/?shown=ended&shown=all&status__exact=%F0%9F%9A%91", 200),
        ("/admin/enrollment/enrollment/?cohort=%C2%B2", 200),
        ("/admin/enrollment/enrollment/?_facets=1", 200),
        ("/admin/enrollment/credential/?expires_on__year=9999&expires_on__month=12", 302),
    ],
)
def test_the_reported_urls_are_refused_or_answered(world, url, status):
    client = client_for("superuser", world)
    response = client.get(url)
    assert response.status_code == status
    if status == 400:
        assert "We could not read that request" in response.text


@pytest.mark.django_db
def test_a_nul_byte_in_a_form_cookie_or_header_is_refused(world):
    client = client_for("anonymous", world)
    assert client.post("/my/", {"email": "a\x00@example.com"}).status_code == 400
    assert client.post("/my/", {"e\x00mail": "a@example.com"}).status_code == 400
    assert client.get("/", headers={"user-agent": "Mozilla\x00"}).status_code == 400
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert client.get("/").status_code == 400


@pytest.mark.django_db
def test_a_username_longer_than_any_account_is_a_form_error_on_both_login_pages(world):
    client = client_for("anonymous", world)
    for url in ["/accounts/login/", "/admin/login/"]:
        response = client.post(url, {"username": "x" * 300, "password": "pw"})
        assert response.status_code == 200, url
        assert "Ensure this value has at most 150 characters" in response.text, url


def test_every_admin_checks_its_input():
    admins = [model_admin for _, model_admin in changelists()]
    assert len(admins) > 10
    assert not [type(m).__name__ for m in admins if not isinstance(m, InputCheckingAdmin)]


@pytest.mark.django_db
@pytest.mark.parametrize("changelist", ["/admin/enrollment/enrollment/", "/admin/enrollment/student/"])
def test_a_search_of_more_than_five_words_finds_nothing_and_says_why(world, changelist):
    client = client_for("staff", world)
    student = Enrollment.objects.get(pk=world.enrollment.pk).student
    found = client.get(changelist, {"q": f"{student.first_name} {student.last_name}"})
    assert found.context["cl"].result_count == 1
    response = client.get(changelist, {"q": f"{student.first_name} {student.last_name} a b c d"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0
    assert "Search for at most 5 words at a time" in response.text
