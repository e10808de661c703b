"""Discharge-summary sentences with CLIP action-item labels (Mullenbach et al. 2021's seven labels).

A sentence is labelled with what it asks someone to do after discharge:
  appointment           a visit to be made or scheduled (clinic, PCP, specialist follow-up)
  medication            a medication to start, stop, change, continue or take
  lab                   a laboratory test to be drawn or a lab result to follow up
  patient instructions  what the patient should do or avoid (diet, activity, warning signs, self-care)
  procedure             a procedure to be done (endoscopy, biopsy, staple removal, catheterization, therapy sessions)
  imaging               an imaging study to be done (X-ray, CT, MRI, ultrasound, echocardiogram)
  other                 any other action item (pending results to chase, forms, home services, equipment)
Sentences that only describe the stay (history, what was done) carry no label; a sentence that asks for
several things carries several. Generated from templates with many paraphrases, seeded.
"""

from __future__ import annotations

import random

LABELS = ["appointment", "medication", "lab", "patient instructions", "procedure", "imaging", "other"]

DRUGS = ["furosemide 40 mg", "metoprolol succinate 50 mg", "lisinopril 10 mg", "apixaban 5 mg", "warfarin", "atorvastatin 40 mg",
         "aspirin 81 mg", "clopidogrel 75 mg", "amoxicillin-clavulanate", "cephalexin 500 mg", "levofloxacin 750 mg", "prednisone",
         "insulin glargine 18 units", "metformin 500 mg", "pantoprazole 40 mg", "oxycodone 5 mg", "acetaminophen 650 mg",
         "spironolactone 25 mg", "levothyroxine 75 mcg", "enoxaparin 40 mg", "ciprofloxacin", "nitrofurantoin", "gabapentin 300 mg",
         "tamsulosin 0.4 mg", "docusate", "senna", "sertraline 50 mg", "amlodipine", "carvedilol 6.25 mg", "potassium chloride 20 mEq"]
FREQ = ["daily", "twice daily", "BID", "every 8 hours", "at bedtime", "PO daily", "by mouth once a day", "TID with meals", "every morning", "as needed for pain"]
DURATION = ["for 7 days", "for 2 more weeks", "until your follow-up", "for 5 days", "for 10 days total", "indefinitely", ""]
SPECIALISTS = ["cardiology", "your PCP", "Dr. Patel", "neurology", "GI", "the surgery clinic", "orthopedics", "nephrology", "pulmonology",
               "your primary care physician", "the heart failure clinic", "oncology", "urology", "endocrinology", "infectious disease",
               "Dr. Nguyen", "the wound clinic", "hematology"]
WHEN = ["in 1 week", "in 2 weeks", "on Tuesday at 10:30 am", "within 7 days", "in 4-6 weeks", "next Monday", "on 3/22 at 2:15 pm",
        "in 3 months", "in one month", "within 2 weeks of discharge", "tomorrow", "on Friday"]
LABS = ["a basic metabolic panel", "a CBC", "a BMP", "your INR", "potassium and creatinine", "liver function tests", "a TSH",
        "an HbA1c", "fasting lipids", "a chem 7", "electrolytes", "a hemoglobin level", "a urinalysis", "blood cultures", "a magnesium level",
        "vancomycin trough", "LFTs", "a CMP"]
IMAGING = ["a chest X-ray", "a CT scan of the chest", "an MRI of the brain", "a renal ultrasound", "a repeat CT abdomen",
           "a transthoracic echocardiogram", "an echo", "a CXR", "a mammogram", "a DEXA scan", "a carotid ultrasound",
           "a follow-up MRI of the spine", "a lower extremity Doppler", "a PET-CT", "a CTA of the head and neck"]
PROCEDURES = ["a colonoscopy", "an EGD", "a repeat endoscopy", "a bone marrow biopsy", "a cardiac catheterization",
              "a thoracentesis", "a paracentesis", "staple removal", "suture removal", "a stress test", "a sleep study",
              "a skin biopsy", "an ablation", "a Holter monitor", "a pulmonary function test",
              "dialysis", "drain removal", "a TEE", "cardioversion", "an event monitor", "a lumbar puncture"]
PROC_IMAGING = {"a TEE"}
PENDING = ["blood cultures", "H. pylori serology", "urine culture", "hepatitis serologies", "the HIV test", "the QuantiFERON",
           "stool studies", "the fungal culture", "the Lyme antibody", "the celiac panel", "the vitamin B12 level", "the HbA1c"]  # echocardiography through the oesophagus: imaging and a procedure
INSTRUCTIONS = ["Weigh yourself every morning.", "Do not lift more than 10 pounds for 6 weeks.", "Limit salt to 2 grams per day.",
                "Keep the incision clean and dry.", "Do not drive while taking oxycodone.", "Drink plenty of fluids.",
                "Avoid alcohol.", "Elevate your leg when sitting.", "Return to the ED if you have chest pain or trouble breathing.",
                "Call your doctor for a fever over 101 F.", "You may shower but do not soak the wound.", "Walk at least 20 minutes a day.",
                "Use the incentive spirometer 10 times an hour.", "Check your blood sugar before each meal.",
                "Please stop smoking.", "Wear your sling at all times.", "Follow a low-fat diet.", "Restrict fluids to 1.5 liters per day.",
                "Do not drive until cleared by your doctor.", "Weight bearing as tolerated on the left leg.",
                "Seek medical attention if you notice black stools or vomit blood.", "No heavy lifting or strenuous exercise for 4 weeks.",
                "Monitor your blood pressure at home and keep a log.",
                "Call 911 for facial droop, slurred speech or weakness.", "Keep your arm elevated above your heart.",
                "Avoid contact sports for 3 months.", "Take your medications exactly as prescribed.", "Rest and avoid strenuous activity."]
OTHER = ["Home health nursing will visit for wound care.", "A hospital bed and walker were ordered for home.",
         "The pathology results are pending and will need to be followed up.", "Your disability forms will be completed by your PCP.",
         "Social work will arrange home services.",
         "Visiting nurse to help with medication teaching.", "Please bring your medication list to every visit.",
         "Durable medical equipment: rolling walker and shower chair.", "Hospice services will be arranged at home.",
         "Outstanding genetic testing results will be sent to your oncologist.", "A home oxygen evaluation was requested.",
         "A referral to palliative care was placed.", "Please discuss goals of care with your family and PCP.",
         "Referral to the smoking cessation program has been made.", "Your case manager will arrange a skilled nursing bed.",
         "Prior authorization for the new inhaler is in process.", "Please complete the advance directive paperwork.",
         "Transportation to dialysis will be set up by social work.", "A dietitian referral was sent for diabetic teaching."]
COURSE = ["The patient was admitted with a COPD exacerbation and treated with steroids and nebulizers.",
          "She was transfused 2 units of packed red blood cells.", "EGD showed a clean-based gastric ulcer.",
          "CT of the abdomen showed uncomplicated diverticulitis.", "He was diuresed with IV furosemide with good response.",
          "Blood cultures grew E. coli.", "Her creatinine improved to 1.1 with IV fluids.", "MRI of the brain showed a small left frontal infarct.",
          "The patient underwent an uncomplicated laparoscopic appendectomy.", "Troponins were negative x3.",
          "He was started on a heparin drip in the ED.", "Chest X-ray showed a right lower lobe pneumonia.",
          "Her hospital course was complicated by delirium.", "The patient is a 68-year-old man with diabetes and CKD.",
          "Echocardiogram showed an ejection fraction of 30%.", "Potassium was repleted.", "Pain was well controlled on oral medications.",
          "He tolerated a regular diet prior to discharge.", "Discharge diagnosis: community-acquired pneumonia.",
          "She was seen by physical therapy, who recommended discharge home.", "Vital signs were stable at discharge.",
          "Colonoscopy in 2019 was normal.", "Allergies: penicillin.", "Condition at discharge: stable.",
          "Hemoglobin remained stable at 9.2.", "INR on admission was 4.5 and warfarin was held.",
          "The patient was seen and examined on the day of discharge.", "Lungs clear to auscultation bilaterally.",
          "A CT angiogram on admission showed no pulmonary embolism.", "Her metoprolol was uptitrated during the stay.",
          "He underwent a colonoscopy that showed two small polyps, which were removed.", "Lactate normalized after fluids.",
          "Ultrasound of the right leg was negative for DVT.", "She received three doses of IV vancomycin.",
          "Cardiology was consulted and recommended medical management.", "Urine culture grew pan-sensitive E. coli, treated with ceftriaxone.",
          "His home lisinopril was held on admission for hypotension and restarted on day 3."]


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def medication(rng) -> str:
    d, f, dur = rng.choice(DRUGS), rng.choice(FREQ), rng.choice(DURATION)
    if rng.random() < 0.12:  # a drug not to take is a medication item
        a, b = rng.sample(AVOID_DRUGS, 2)
        return rng.choice([f"Avoid {a} and {b}", f"Do not take {a}", f"Avoid {a}, {b} and similar medicines", f"No {a} while on {d.split()[0]}"])
    return rng.choice([f"Start {d} {f} {dur}", f"Continue {d} {f}", f"Stop taking {d.split()[0]}", f"Increase {d.split()[0]} to {d.split()[-2] if len(d.split()) > 2 else '20'} mg {f}",
                       f"Take {d} {f} {dur}", f"Hold {d.split()[0]} until your follow-up", f"Resume your home {d.split()[0]}",
                       f"Hold {d.split()[0]} for {rng.choice(['2', '3', '5'])} days, then restart", f"Do not restart {d.split()[0]} until your kidney function is rechecked",
                       f"Your {d.split()[0]} dose was decreased to {rng.choice(['25', '10', '5'])} mg {f}", f"Discontinue {d.split()[0]}",
                       f"New medication: {d} {f}", f"Complete the course of {d.split()[0]} {dur or 'for 3 more days'}",
                       f"{_cap(d)} {f} {dur}"]).strip().replace("  ", " ")


DOCTORS = ["Dr. Okafor", "Dr. Lindqvist", "Dr. Chen", "Dr. Romero", "Dr. Haddad", "Dr. Kowalski", "Dr. Mensah", "Dr. Ibarra",
           "Dr. Sato", "Dr. O'Neill"]
CLINICS = ["cardiology", "nephrology", "pulmonary", "GI", "hepatology", "endocrine", "neurology", "rheumatology", "vascular surgery",
           "the heart failure", "the anticoagulation", "urology", "oncology", "transplant", "the diabetes"]


def _named_visit(rng) -> str:
    """A named doctor in a named clinic: the clinic is where the visit happens, not a procedure."""
    d, c = rng.choice(DOCTORS), rng.choice(CLINICS)
    return rng.choice([f"{d} in {c} clinic", f"{d} at the {c} clinic", f"{c} clinic with {d}", f"{d} ({c})", f"{d}, {c}"])


def appointment(rng) -> str:
    s, w = (_named_visit(rng) if rng.random() < 0.3 else rng.choice(SPECIALISTS)), rng.choice(WHEN)
    return rng.choice([f"Follow up with {s} {w}", f"You have an appointment with {s} {w}", f"Please see {s} {w}",
                       f"{_cap(s)} follow-up {w}", f"Schedule a visit with {s} {w}", f"Make an appointment to see {s} {w}",
                       f"Your {s} appointment is {w}", f"F/u {s} {w}", f"{_cap(s)} clinic {w}; the office will call you with a time",
                       f"{_cap(s)} clinic {w}", f"{_cap(s)} {w}", f"See {s} {w}"])


def lab(rng) -> str:
    t, w = rng.choice(LABS), rng.choice(WHEN)
    if rng.random() < 0.25:  # results still to come are a lab item, whoever follows them up
        pend = rng.choice(PENDING)
        who = rng.choice(["your PCP", "your primary care doctor", "Dr. Patel", "the infectious disease team", "your oncologist"])
        return rng.choice([f"{_cap(pend)} is pending at discharge and should be followed up by {who}", f"Please follow up the final {pend} result",
                           f"The {pend} sent before discharge is still pending; {who} will review it", f"{_cap(pend)} pending at discharge",
                           f"{_cap(who)} should follow up the pending {pend}", f"Follow up {pend} results with {who}"])
    return rng.choice([f"Please have {t} drawn {w}", f"Check {t} {w}", f"Repeat {t} {w}", f"{_cap(t)} to be checked {w}",
                       f"Get {t} at the lab {w}", f"Labs: {t} {w}", f"Your {t} should be rechecked {w}",
                       f"Have {t} checked {w} and the results sent to your doctor"])


def imaging(rng) -> str:
    t, w = rng.choice(IMAGING), rng.choice(WHEN)
    if rng.random() < 0.15:
        return rng.choice([f"The final read of {t} is pending and should be reviewed", f"Follow up the formal report of {t}"])
    return rng.choice([f"Repeat {t} {w}", f"Obtain {t} {w}", f"{_cap(t)} {w} to confirm resolution", f"You will need {t} {w}",
                       f"Please get {t} {w}", f"Outpatient {t.split(' ', 1)[-1] if t.startswith(('a ', 'an ')) else t} {w}",
                       f"{_cap(t)} is scheduled {w}"])


def procedure(rng) -> str:
    t, w = rng.choice(PROCEDURES), rng.choice(WHEN)
    return rng.choice([f"Repeat {t.split(' ', 1)[-1] if t.startswith(('a ', 'an ')) else t} {w}", f"You will need {t} {w}",
                       f"{_cap(t)} {w}", f"Schedule {t} {w}", f"Plan for {t} {w}", f"{_cap(t)} will be arranged {w}",
                       f"Please undergo {t} {w}"])


SYMPTOMS = ["chest pain", "fever over 101 F", "worsening shortness of breath", "confusion", "bleeding", "black stools",
            "vomiting", "severe abdominal pain", "redness or drainage from the wound", "leg swelling", "fainting",
            "weakness on one side", "a severe headache", "chills", "decreased urine output", "palpitations"]
# Therapy and services after discharge (physical, occupational, speech therapy, rehabilitation) are "other":
# they are neither a one-off procedure nor a clinic visit.
THERAPY = ["physical therapy", "occupational therapy", "PT/OT", "speech therapy", "cardiac rehabilitation", "pulmonary rehab",
           "home physical therapy", "outpatient PT"]
AVOID_DRUGS = ["ibuprofen", "NSAIDs", "naproxen", "aspirin-containing products", "over-the-counter cold medicines", "sleeping pills",
               "acetaminophen beyond 3 g a day", "herbal supplements"]


def instruction(rng) -> str:
    r = rng.random()
    if r < 0.35:  # warning signs, composed
        a, b, c = rng.sample(SYMPTOMS, 3)
        return rng.choice([f"Return to the ED for {a}, {b} or {c}", f"Call your doctor if you develop {a} or {b}",
                           f"Seek medical attention for {a}, {b} or {c}", f"Come back to the emergency department if you have {a}",
                           f"Call 911 for {a} or {b}", f"Go to the nearest ER for {a}"])
    return rng.choice(INSTRUCTIONS).rstrip(".")


def therapy(rng) -> str:
    t, n = rng.choice(THERAPY), rng.choice(["2", "3", "5"])
    place = rng.choice(["at the rehabilitation facility", "at home", "at the skilled nursing facility", "as an outpatient", ""])
    return rng.choice([f"{_cap(t)} {place} {n} times per week", f"Continue {t} {place}", f"{_cap(t)} will see you {place}",
                       f"{_cap(t)} evaluation and treatment {place}", f"Referral to {t} was placed"]).replace("  ", " ").strip()


def other(rng) -> str:
    return therapy(rng) if rng.random() < 0.3 else rng.choice(OTHER).rstrip(".")


MAKERS = {"appointment": appointment, "medication": medication, "lab": lab, "imaging": imaging, "procedure": procedure,
          "patient instructions": instruction, "other": other}


def combined(rng, labels: list[str]) -> str:
    """One sentence asking for several things: two makers joined, or a shared phrasing."""
    a, b = labels
    first, second = MAKERS[a](rng), MAKERS[b](rng)
    joint = rng.choice([", and ", "; ", " and ", ". Also, "])
    if joint == ". Also, ":
        joint = "; also, "
    return first + joint + second[0].lower() + second[1:]


def special(rng) -> tuple[str, list[str]]:
    """Sentences whose labels follow from one phrase naming two actions."""
    s, w, t = rng.choice(SPECIALISTS), rng.choice(WHEN), rng.choice(LABS)
    img, proc = rng.choice(IMAGING), rng.choice(PROCEDURES)
    return rng.choice([
        (f"{_cap(t)} to be checked at your {s} visit {w}", ["appointment", "lab"]),
        (f"{_cap(proc)} at the {s} clinic {w}", ["appointment", "procedure"]),
        (f"{_cap(img)} before your {s} appointment {w}", ["appointment", "imaging"]),
        (f"Your PCP should follow up the pending {t.split(' ', 1)[-1] if t.startswith(('a ', 'an ')) else t} result", ["lab"]),
        (f"{_cap(s)} will adjust your {rng.choice(DRUGS).split()[0]} dose at the visit {w}", ["appointment", "medication"]),
        (f"Return to the ED if the swelling worsens; otherwise take {rng.choice(DRUGS)} {rng.choice(FREQ)}", ["patient instructions", "medication"]),
        (f"Do not take {rng.choice(DRUGS).split()[0]} on the morning of your {proc.split(' ', 1)[-1] if proc.startswith(('a ', 'an ')) else proc}", ["medication", "procedure"]),
    ])


CONDITIONS = ["community-acquired pneumonia", "a heart failure exacerbation", "a COPD exacerbation", "cellulitis of the left leg",
              "an upper GI bleed", "acute kidney injury", "a urinary tract infection", "diabetic ketoacidosis", "an acute ischemic stroke",
              "atrial fibrillation with rapid ventricular response", "a left hip fracture", "sepsis from a urinary source", "pancreatitis"]
FINDINGS = ["a right lower lobe opacity", "a small left frontal infarct", "no acute findings", "a 4 cm abdominal aortic aneurysm",
            "moderate bilateral pleural effusions", "an ejection fraction of 35%", "a clean-based gastric ulcer", "gallstones without cholecystitis"]


def course(rng) -> str:
    """A sentence that tells what happened during the stay: drugs, tests and procedures in the past tense
    are not action items."""
    c, d, d2 = rng.choice(CONDITIONS), rng.choice(DRUGS).split()[0], rng.choice(DRUGS).split()[0]
    img, lab_, proc = rng.choice(IMAGING), rng.choice(LABS), rng.choice(PROCEDURES)
    age = rng.choice(["72F", "65M", "58-year-old woman", "81 yo man", "The patient", "He", "She"])
    return rng.choice([f"{age} admitted with {c} and treated with {d}", f"You were admitted for {c} and treated with IV {d}",
                       f"{age} with {c} treated with {d} and {d2}, transitioned to oral {d2} on hospital day {rng.randint(2, 5)}",
                       f"{_cap(img)} on admission showed {rng.choice(FINDINGS)}", f"{_cap(lab_)} on admission was abnormal and improved with treatment",
                       f"{_cap(proc)} was performed on hospital day {rng.randint(1, 6)} without complications",
                       f"During the stay {d} was held and {d2} was started", f"She received {d} in the emergency department",
                       f"Brief hospital course: {c} treated with {d}", f"Hospital course was notable for {c}, managed with {d}",
                       f"{_cap(img)} was unremarkable", f"He was transfused 2 units and {d} was given"])


def sentence(rng) -> tuple[str, list[str]]:
    r = rng.random()
    if r < 0.25:
        return (course(rng) + "." if rng.random() < 0.5 else rng.choice(COURSE)), []
    if r < 0.72:
        lab_ = rng.choice(LABELS)
        return MAKERS[lab_](rng) + ".", [lab_]
    if r < 0.9:
        pair = rng.sample(LABELS, 2)
        return combined(rng, pair) + ".", sorted(pair, key=LABELS.index)
    s, ls = special(rng)
    return s + ".", sorted(ls, key=LABELS.index)


def noise(rng, s: str) -> str:
    """Surface variation: numbered list items, lower case, headers."""
    r = rng.random()
    if r < 0.15:
        return f"{rng.randint(1, 9)}. {s}"
    if r < 0.22:
        return s.lower()
    if r < 0.3:
        return f"{rng.choice(['Discharge instructions:', 'Plan:', 'Follow-up:', 'DISCHARGE PLAN:'])} {s}"
    if r < 0.35:
        return "- " + s
    return s


def examples(n: int, rng: random.Random) -> list[tuple[str, list[str]]]:
    out = []
    for _ in range(n):
        s, ls = sentence(rng)
        out.append((noise(rng, s), ls))
    return out
