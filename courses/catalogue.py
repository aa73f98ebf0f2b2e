"""The school's catalogue as data: its four courses, the credentials they grant and require, and the entry rules.

This is what a real deployment of the school starts from, not demo data: `python manage.py load_catalogue` writes it
to the database (and `manage.py seed_demo` loads it first). Staff may then edit courses in the back office; loading
again puts back the wording and rules below for the courses, credential types and requirements named here, and
leaves alone anything else staff added. Whether a course is published is the staff's call: it is set only when the
course is first created.

Sources for the wording: the school's own page on EMR and EMT, and Illinois's rules for the levels.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from courses.models import Course, CourseDate, CredentialType, Level, Requirement, RequirementStage

COURSES: list[dict] = [
    {
        "slug": "emr",
        "level": Level.EMR,
        "title": "Emergency Medical Responder (EMR)",
        "summary": (
            "About 60 hours of CPR, first aid and scene skills for the person who gets there first, often a "
            "firefighter or police officer. No prerequisite, and not required before EMT."
        ),
        "description": (
            "An Emergency Medical Responder is often the first trained person at a car crash, a collapse, a bad "
            "fall or a birth, minutes before the ambulance arrives. This course teaches you to make the scene "
            "safe, work out what is wrong and keep the patient alive with very little equipment: your hands, a "
            "pocket mask, an AED and a bleeding-control kit.\n\n"
            "The course takes about 60 hours of lectures and skills labs (EMR courses run 55 to 65 hours; Illinois "
            "asks for at least 52 hours of classroom teaching). You practise adult, child and infant CPR, rescue "
            "breathing, bleeding control and shock care, and the first steps for heart attacks, strokes, "
            "seizures, injuries and emergency childbirth. The course ends with a written exam and a hands-on "
            "skills exam.\n\n"
            "The role was once called Medical Response Technician (MRT), and many still call the certification "
            "First Responder. EMR is not a step you must take before EMT: if you already know you want to work on "
            "an ambulance, start with the EMT course. EMR suits people who need these skills for their job, such "
            "as firefighters and police officers, and people who cannot commit to the EMT course yet but want to "
            "start helping now."
        ),
        "scope": (
            "Basic life support with minimal equipment until an ambulance crew takes over: scene safety, patient "
            "assessment, CPR and AED use, rescue breathing, bleeding control, splinting and emergency childbirth. "
            "EMRs do not transport patients and do not give medications; both are taught in the EMT course."
        ),
        "audience": (
            "Firefighters, police officers, security staff, lifeguards, coaches and workplace responders, and "
            "anyone who wants to start in EMS without the time an EMT course takes. Open from age 16."
        ),
        "nominal_hours": Decimal("60.0"),
        # Sixteen, not eighteen: EMR is taken by fire and police cadets and high-school programs. The course
        # asks for no credential at all, since it teaches CPR itself.
        "min_age": 16,
        "age_checked_on": CourseDate.START,
        "tuition": Decimal("695.00"),
        "attendance_threshold": 90,
        "display_order": 10,
        "is_published": True,
    },
    {
        "slug": "emt",
        "level": Level.EMT,
        "title": "Emergency Medical Technician (EMT)",
        "summary": (
            "The course for ambulance work: about 120 hours plus clinical and ambulance time, on patient assessment "
            "and stabilisation, CPR and defibrillation, bleeding control, emergency medications and transport. "
            "The step to Advanced EMT and Paramedic."
        ),
        "description": (
            "EMTs are the backbone of ambulance service: every ambulance needs at least one on board. With about "
            "twice the training of an EMR, an EMT does everything an EMR does and more, including giving a set "
            "of emergency medications and getting the patient safely from the scene to the hospital.\n\n"
            "The course runs about 120 hours of lectures and skills labs, plus clinical time in an emergency "
            "department and on an ambulance before the final written and skills exams. You learn to assess a "
            "patient quickly, keep breathing and circulation going with airway care, CPR and defibrillation, "
            "control external bleeding, protect injuries from getting worse, and look after the patient during "
            "transport, following local medical protocols and national guidelines.\n\n"
            "You do not need an EMR certificate to start. You do need a CPR/BLS card that stays valid until the "
            "last day of the course, and you must be 18 on the first day. EMT is also the required first step "
            "toward Advanced EMT and Paramedic, and working on an ambulance as an EMT is the best preparation "
            "for both."
        ),
        "scope": (
            "Assess, treat and transport sick and injured patients at the basic life support level: airway care "
            "and oxygen, CPR and defibrillation, bleeding control and shock care, splinting and spinal motion "
            "restriction, emergency childbirth, and the emergency medications an EMT may give under medical "
            "direction."
        ),
        "audience": (
            "People who want to work on an ambulance, in an emergency department or in fire-service EMS, and "
            "anyone planning to become an Advanced EMT or Paramedic."
        ),
        "nominal_hours": Decimal("120.0"),
        "min_age": 18,
        "age_checked_on": CourseDate.START,
        "tuition": Decimal("1495.00"),
        "attendance_threshold": 90,
        "display_order": 20,
        "is_published": True,
    },
    {
        "slug": "aemt",
        "level": Level.AEMT,
        "title": "Advanced EMT (AEMT)",
        "summary": (
            "Adds IV and intraosseous access, more medications and advanced airway devices to your EMT skills, "
            "in about 180 hours. For EMTs with a current license."
        ),
        "description": (
            "The Advanced EMT course builds on what you already do as an EMT. Over about 180 hours you learn to "
            "start IV and intraosseous lines and give fluids, to give a wider set of emergency medications and "
            "to place supraglottic airway devices, along with the deeper assessment and pathophysiology those "
            "skills call for.\n\n"
            "Classroom work is paired with skills labs and with clinical shifts in an emergency department and "
            "on an ambulance. The course ends with written and skills exams.\n\n"
            "You need an EMT license that is still current on the first day of class. Staff check it before your "
            "seat is confirmed, so your enrollment shows as pending review until then. You also need a CPR/BLS "
            "card valid through the last class."
        ),
        "scope": (
            "Everything an EMT does, plus IV and intraosseous access, fluid therapy, supraglottic airways and a "
            "limited set of additional medications, under medical direction."
        ),
        "audience": (
            "Licensed EMTs who want a bigger role on the ambulance, and EMTs on the way to Paramedic who want "
            "advanced skills sooner."
        ),
        "nominal_hours": Decimal("180.0"),
        "min_age": 18,
        "age_checked_on": CourseDate.START,
        "tuition": Decimal("2250.00"),
        "attendance_threshold": 90,
        "display_order": 30,
        "is_published": True,
    },
    {
        "slug": "paramedic",
        "level": Level.PARAMEDIC,
        "title": "Paramedic",
        "summary": (
            "The highest level of care outside the hospital: about 1,160 hours of classes, labs, hospital "
            "clinical rotations and an ambulance field internship. Requires a current EMT license."
        ),
        "description": (
            "Paramedics provide advanced life support. They read cardiac rhythms and 12-lead ECGs, manage "
            "difficult airways, give a broad range of medications and make the treatment decisions for the "
            "sickest patients in the field.\n\n"
            "This full-time program runs about 1,160 hours over roughly seven months: more than 500 hours of "
            "classes and skills labs, moving from anatomy, physiology and pharmacology through cardiology, medical "
            "and trauma emergencies, obstetrics and pediatrics, and more than 500 hours of hospital clinical "
            "rotations and a field internship on an advanced life support ambulance. It ends with comprehensive "
            "written and skills exams.\n\n"
            "You must be an EMT first: your EMT license has to be current on the first day, and staff verify it "
            "before your seat is confirmed. You also need a CPR/BLS card valid through the end of the program. "
            "Time spent working on an ambulance as an EMT is the best preparation, and we strongly recommend it."
        ),
        "scope": (
            "Advanced life support: advanced assessment, cardiac monitoring and 12-lead ECG interpretation, "
            "manual defibrillation, cardioversion and pacing, advanced airway management including intubation, "
            "IV and intraosseous therapy, and a broad range of medications, under medical direction."
        ),
        "audience": (
            "EMTs, ideally with ambulance experience, who can commit to a full-time program and want to lead "
            "patient care on scene."
        ),
        "nominal_hours": Decimal("1160.0"),
        "min_age": 18,
        "age_checked_on": CourseDate.START,
        "tuition": Decimal("10950.00"),
        "attendance_threshold": 95,
        "display_order": 40,
        "is_published": True,
    },
]

# code: (name, slug of the granting course or None, validity in months)
CREDENTIAL_TYPES: dict[str, tuple[str, str | None, int]] = {
    "EMR": ("EMR license", "emr", 48),
    "EMT": ("EMT license", "emt", 48),
    "AEMT": ("AEMT license", "aemt", 48),
    "PARAMEDIC": ("Paramedic license", "paramedic", 48),
    "CPR_BLS": ("CPR/BLS card", None, 24),
    # Clearance documents hospitals and ambulance agencies ask for before a student's first clinical shift.
    "TB_TEST": ("TB test", None, 12),
    "FLU_SHOT": ("Flu vaccination", None, 12),
    "BACKGROUND_CHECK": ("Background check", None, 12),
    "DRUG_SCREEN": ("Drug screen", None, 12),
}

# Courses with clinical and field experience ask for these before the first shift (verified by staff, valid on the
# day of each shift); the minimums themselves are the clinical app's (clinical/catalogue.py).
CLEARANCE = ["TB_TEST", "FLU_SHOT", "BACKGROUND_CHECK", "DRUG_SCREEN"]
CLEARANCE_COURSES = ["emt", "aemt", "paramedic"]

# course slug: [(credential code, valid through, needs staff verification)]
REQUIREMENTS: dict[str, list[tuple[str, str, bool]]] = {
    "emr": [],
    "emt": [("CPR_BLS", CourseDate.END, False)],
    "aemt": [("EMT", CourseDate.START, True), ("CPR_BLS", CourseDate.END, False)],
    "paramedic": [("EMT", CourseDate.START, True), ("CPR_BLS", CourseDate.END, False)],
}

# Set when a course is created, never changed by a later load: publishing is the staff's decision.
CREATE_ONLY = {"is_published"}


@transaction.atomic
def load_catalogue() -> dict[str, Course]:
    """Create or update the catalogue's courses (by slug), credential types (by code) and requirements; returns the
    courses by slug. Idempotent. The only rows it deletes are requirements between its own courses and credential
    types that the catalogue no longer lists."""
    courses = {}
    for values in COURSES:
        values = dict(values)
        slug = values.pop("slug")
        updated = {name: value for name, value in values.items() if name not in CREATE_ONLY}
        courses[slug], _ = Course.objects.update_or_create(slug=slug, defaults=updated, create_defaults=values)
    types = {}
    for code, (name, granted_by, months) in CREDENTIAL_TYPES.items():
        types[code], _ = CredentialType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "granted_by": courses[granted_by] if granted_by else None,
                "validity_months": months,
            },
        )
    for slug, rules in REQUIREMENTS.items():
        course = courses[slug]
        # The catalogue decides which of its own credentials its courses ask for; a requirement on a credential type
        # staff added is theirs, and stays.
        clearance = CLEARANCE if slug in CLEARANCE_COURSES else []
        listed = [code for code, _, _ in rules] + clearance
        catalogued = course.requirements.filter(credential_type__code__in=list(types))
        catalogued.exclude(credential_type__code__in=listed).delete()
        for code, valid_through, needs_verification in rules:
            Requirement.objects.update_or_create(
                course=course,
                credential_type=types[code],
                defaults={
                    "valid_through": valid_through,
                    "needs_verification": needs_verification,
                    "needed_for": RequirementStage.SIGNUP,
                },
            )
        for code in clearance:
            Requirement.objects.update_or_create(
                course=course,
                credential_type=types[code],
                defaults={
                    "valid_through": CourseDate.START,
                    "needs_verification": True,
                    "needed_for": RequirementStage.CLINICAL,
                },
            )
    return courses
