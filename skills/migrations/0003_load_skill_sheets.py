"""The skill sheets every school starts with: the NREMT-style EMR and EMT psychomotor sheets with their critical
criteria, Illinois's EMT add-ons (epinephrine auto-injector, intranasal naloxone) and a Paramedic starter set staff
extend in the admin. The data is written out here, frozen, so later edits to the sheets do not rewrite history;
staff change them in the admin. Existing codes are left alone (running it twice changes nothing)."""

from django.db import migrations

COMPETENT = "Failure to manage the patient as a competent {level}"
AFFECT = "Exhibits unacceptable affect with patient or other personnel"
DANGEROUS = "Uses or orders a dangerous or inappropriate intervention"


def common(level):
    return [COMPETENT.format(level=level), AFFECT, DANGEROUS]


def trauma(level):
    return [
        "Failure to initiate or call for transport of the patient within 10 minute time limit",
        "Failure to take or verbalize appropriate PPE precautions",
        "Failure to determine scene safety",
        "Failure to assess for and provide spinal protection when indicated",
        "Failure to voice and ultimately provide high concentration oxygen",
        "Failure to assess/provide adequate ventilation",
        "Failure to find or appropriately manage problems associated with airway, breathing, hemorrhage or shock",
        "Failure to differentiate patient's need for immediate transportation versus continued assessment or "
        "treatment at the scene",
        "Performs other assessment before assessing/treating threats to airway, breathing and circulation",
        *common(level),
    ]


def medical(level):
    return [
        "Failure to initiate or call for transport of the patient within 15 minute time limit",
        "Failure to take or verbalize appropriate PPE precautions",
        "Failure to determine scene safety before approaching patient",
        "Failure to voice and ultimately provide appropriate oxygen therapy",
        "Failure to assess/provide adequate ventilation",
        "Failure to find or appropriately manage problems associated with airway, breathing, hemorrhage or shock",
        "Failure to differentiate patient's need for immediate transportation versus continued assessment or "
        "treatment at the scene",
        "Performs secondary examination before assessing and treating threats to airway, breathing and circulation",
        "Failure to determine the patient's primary problem",
        "Failure to provide for spinal protection when indicated",
        *common(level),
    ]


def bvm(level):
    return [
        "After suctioning the patient, failure to initiate ventilations within 30 seconds or interrupts "
        "ventilations for greater than 30 seconds at any time",
        "Failure to take or verbalize appropriate PPE precautions",
        "Failure to suction airway before ventilating the patient",
        "Suctions the patient for an excessive and prolonged time",
        "Failure to check responsiveness and breathing for at least 5 seconds but no more than 10 seconds",
        "Failure to voice and ultimately provide high oxygen concentration (at least 85%)",
        "Failure to ventilate the patient at a rate of 10-12 per minute (1 ventilation every 5-6 seconds)",
        "Failure to provide adequate volumes per breath (maximum 2 errors per minute permissible)",
        "Insertion or use of any adjunct in a manner dangerous to the patient",
        *common(level),
    ]


def oxygen(level):
    return [
        "Failure to assemble the oxygen tank and regulator without leaks",
        "Failure to prefill the reservoir bag",
        "Failure to adjust the oxygen flow rate to the non-rebreather mask of at least 10 L/minute",
        "Failure to ensure a tight mask seal to patient's face",
        *common(level),
    ]


def spinal(level, seated):
    return [
        "Did not immediately direct or take manual stabilization of the head",
        "Did not properly apply appropriately sized cervical collar before ordering release of manual stabilization",
        "Released or ordered release of manual stabilization before it was maintained mechanically",
        "Manipulated or moved the patient excessively causing potential for spinal compromise",
        "Head immobilized to the device before device sufficiently secured to the torso",
        "Device moves excessively up, down, left or right on the patient's torso"
        if seated
        else "Patient moves excessively up, down, left or right on the device",
        "Head immobilization allows for excessive movement",
        *(["Torso fastenings inhibit chest rise, resulting in respiratory compromise"] if seated else []),
        "Upon completion of immobilization, head is not in a neutral, in-line position",
        "Did not reassess motor, sensory and circulatory functions in each extremity after immobilization",
        *common(level),
    ]


def long_bone(level):
    return [
        "Grossly moves the injured extremity",
        "Did not immobilize the joint above and the joint below the injury site",
        "Did not immobilize the hand or foot in a position of function",
        "Did not reassess distal motor, sensory and circulatory functions in the injured extremity before and after "
        "splinting",
        *common(level),
    ]


def joint(level):
    return [
        "Did not support the joint so that the joint did not bear distal weight",
        "Did not immobilize the bone above and below the injury site",
        "Did not reassess distal motor, sensory and circulatory functions in the injured extremity before and after "
        "splinting",
        *common(level),
    ]


def bleeding(level):
    return [
        "Failure to take or verbalize appropriate PPE precautions",
        "Did not control hemorrhage using correct procedures in a timely manner",
        "Did not apply high concentration of oxygen",
        "Failure to properly position the patient",
        "Did not initiate or call for transport of the patient in a timely manner",
        *common(level),
    ]


def cardiac_arrest(level):
    return [
        "Failure to take or verbalize appropriate PPE precautions",
        "Failure to check responsiveness and breathing for at least 5 seconds but no more than 10 seconds",
        "Failure to immediately begin chest compressions as soon as pulselessness is confirmed",
        "Failure to demonstrate acceptable high-quality, 1-rescuer adult CPR",
        "Interrupts CPR for more than 10 seconds at any point",
        "Failure to correctly attach the AED to the patient",
        "Failure to operate the AED properly",
        "Failure to deliver shock in a timely manner",
        "Failure to ensure that all individuals are clear of patient during rhythm analysis and before delivering "
        "shock",
        "Failure to immediately resume compressions after shock delivered",
        *common(level),
    ]


def epinephrine(level):
    return [
        "Failure to recognize the signs and symptoms of anaphylaxis",
        "Failure to check the medication, dose, clarity and expiration date",
        "Injects at a site other than the anterolateral thigh",
        "Failure to hold the auto-injector in place for the time the manufacturer requires",
        "Failure to dispose of the auto-injector in a sharps container",
        "Failure to reassess the patient's breathing and circulation after administration",
        *common(level),
    ]


def naloxone(level):
    return [
        "Failure to recognize suspected opioid overdose with respiratory depression",
        "Failure to support ventilation with a BVM before and after administration",
        "Failure to check the medication, dose and expiration date",
        "Administers with the device not correctly assembled or not in the nostril",
        "Failure to reassess breathing and responsiveness after administration",
        *common(level),
    ]


# (code, name, short name, successful attempts required, criteria)
def sheets(level):
    return [
        (f"{level}-PA-TRAUMA", "Patient Assessment/Management – Trauma", "Trauma assessment", 2, trauma(level)),
        (f"{level}-PA-MEDICAL", "Patient Assessment/Management – Medical", "Medical assessment", 2, medical(level)),
        (f"{level}-BVM", "BVM Ventilation of an Apneic Adult Patient", "BVM ventilation", 2, bvm(level)),
        (f"{level}-O2-NRB", "Oxygen Administration by Non-Rebreather Mask", "Oxygen by NRB", 1, oxygen(level)),
        (f"{level}-BLEEDING", "Bleeding Control/Shock Management", "Bleeding control", 1, bleeding(level)),
        (f"{level}-CARDIAC-ARREST", "Cardiac Arrest Management/AED", "Cardiac arrest/AED", 2, cardiac_arrest(level)),
    ]


EMR = [*sheets("EMR"), ("EMR-NALOXONE", "Intranasal Naloxone Administration", "IN naloxone", 1, naloxone("EMR"))]

EMT = [
    *sheets("EMT"),
    ("EMT-SPINAL-SEATED", "Spinal Immobilization (Seated Patient)", "Spinal, seated", 1, spinal("EMT", True)),
    ("EMT-SPINAL-SUPINE", "Spinal Immobilization (Supine Patient)", "Spinal, supine", 1, spinal("EMT", False)),
    ("EMT-LONG-BONE", "Long Bone Immobilization", "Long bone splint", 1, long_bone("EMT")),
    ("EMT-JOINT", "Joint Immobilization", "Joint splint", 1, joint("EMT")),
    ("EMT-EPI", "Epinephrine Auto-Injector (Illinois)", "Epi auto-injector", 1, epinephrine("EMT")),
    ("EMT-NALOXONE", "Intranasal Naloxone Administration (Illinois)", "IN naloxone", 1, naloxone("EMT")),
]

PARAMEDIC_COMMON = common("Paramedic")
PARAMEDIC = [
    (
        "PARAMEDIC-PA-TRAUMA",
        "Patient Assessment – Trauma",
        "Trauma assessment",
        2,
        trauma("Paramedic"),
    ),
    (
        "PARAMEDIC-DYNAMIC-CARDIOLOGY",
        "Dynamic Cardiology",
        "Dynamic cardiology",
        2,
        [
            "Failure to deliver first shock in a timely manner",
            "Failure to verify rhythm before delivering each shock",
            "Failure to ensure the safety of self and others (verbalizes “All clear” and observes)",
            "Inability to deliver DC shock (does not use machine properly)",
            "Failure to demonstrate acceptable high-quality CPR",
            "Failure to order initiation or resumption of CPR when appropriate",
            "Failure to order correct management of airway (ETT, supraglottic airway, BVM)",
            "Failure to order administration of appropriate oxygen at proper time",
            "Failure to diagnose or treat 2 or more rhythms correctly",
            "Orders administration of an inappropriate drug or lethal dosage",
            *PARAMEDIC_COMMON,
        ],
    ),
    (
        "PARAMEDIC-STATIC-CARDIOLOGY",
        "Static Cardiology",
        "Static cardiology",
        1,
        ["Failure to identify the rhythm correctly", "Failure to state the appropriate treatment", *PARAMEDIC_COMMON],
    ),
    (
        "PARAMEDIC-IV-BOLUS",
        "Intravenous Therapy and IV Bolus Medications",
        "IV and IV bolus",
        2,
        [
            "Failure to establish a patent and properly adjusted IV within 6 minute time limit",
            "Failure to take or verbalize appropriate PPE precautions prior to performing venipuncture",
            "Contaminates equipment or site without appropriately correcting the situation",
            "Performs any improper technique resulting in the potential for uncontrolled hemorrhage, catheter shear "
            "or air embolism",
            "Failure to successfully establish IV within 3 attempts during 6 minute time limit",
            "Failure to dispose/verbalize disposal of blood-contaminated sharps immediately in proper container at "
            "the point of use",
            "Failure to begin administration of medication within 3 minute time limit",
            "Administers improper drug or dosage (wrong drug, incorrect amount, or pushes at inappropriate rate)",
            "Failure to flush IV tubing after injecting medication",
            *PARAMEDIC_COMMON,
        ],
    ),
    (
        "PARAMEDIC-PEDS-RESPIRATORY",
        "Pediatric Respiratory Compromise",
        "Pediatric respiratory",
        1,
        [
            "Failure to provide appropriate oxygen therapy",
            "Failure to assess/provide adequate ventilation",
            "Failure to recognize the need for ventilatory support",
            "Failure to administer an appropriate medication at the appropriate dose",
            *PARAMEDIC_COMMON,
        ],
    ),
    (
        "PARAMEDIC-SCENARIO",
        "Integrated Out-of-Hospital Scenario (team leader)",
        "Team-lead scenario",
        1,
        [
            "Failure to determine scene safety",
            "Failure to lead the team in a safe and effective manner",
            "Failure to form a correct field impression",
            "Failure to provide for appropriate transport and disposition",
            *PARAMEDIC_COMMON,
        ],
    ),
]


def load_sheets(apps, schema_editor):
    Skill = apps.get_model("skills", "Skill")
    db_alias = schema_editor.connection.alias
    for level, rows in (("EMR", EMR), ("EMT", EMT), ("PARAMEDIC", PARAMEDIC)):
        for position, (code, name, short_name, required, criteria) in enumerate(rows, start=1):
            Skill.objects.using(db_alias).get_or_create(
                code=code,
                defaults={
                    "level": level,
                    "name": name,
                    "short_name": short_name,
                    "attempts_required": required,
                    "critical_criteria": "\n".join(criteria),
                    "position": position,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("skills", "0002_staff_permissions")]

    operations = [migrations.RunPython(load_sheets, migrations.RunPython.noop)]
