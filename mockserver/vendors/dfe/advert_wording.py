"""The words and pay of a generated Display Advert: wage, working week, descriptions, qualifications.

Each function draws from the seeder's generator in a fixed order, so the same seed gives the same advert.
"""

from __future__ import annotations

import random

from ...store import Record
from . import reference as ref
from .reference import Place, Standard

# Working pattern per weekly hours, as an advert would word it.
WEEKS = {
    30: "Monday to Friday, 9.30am to 3.30pm.",
    35: "Monday to Friday, 9am to 4.30pm with a 30 minute lunch break.",
    37.5: "Monday to Friday, 9am to 5pm with a 30 minute lunch break.",
    39: "Monday to Thursday 8am to 4.30pm, Friday 8am to 3pm.",
    40: "Monday to Friday, 8am to 4.30pm with a 30 minute lunch break.",
}
# Yearly pay bands for Custom wages, by standard level.
_PAY_BANDS = {2: (15000, 20000), 3: (17000, 23500), 4: (19000, 27000), 5: (21000, 28000), 6: (21000, 30000)}
_BENEFITS = (
    "25 days holiday plus bank holidays",
    "Company pension scheme",
    "Free on-site parking",
    "Cycle to work scheme",
    "Employee assistance programme",
    "Annual pay review",
    "Discounted gym membership",
)


def wage(rnd: random.Random, standard: Standard, hours: float, rates: ref.MinimumRates) -> Record:
    """The ``wage`` of an advert for ``standard`` at ``hours`` a week, paid at least ``rates``.

    An ``ApprenticeshipMinimum`` wage is stored without an amount or text: its answer words the year's pay
    at the rate in force on the day it is read (``vacancies.shape``), as a real v2 answer does.
    """
    kind = rnd.choices(ref.WAGE_TYPES, weights=[35, 10, 45, 10])[0]
    wage: Record = {"wageType": kind}
    yearly_minimum = rates.apprentice * hours * 52
    if kind == "ApprenticeshipMinimum":
        wage["wageUnit"] = "Annually"
    elif kind == "NationalMinimum":
        wage.update(wageUnit="Annually", wageAmount=round(rates.national_living * hours * 52, 2))
    elif kind == "Custom":
        low, high = _PAY_BANDS[min(standard.level, 6)]
        yearly = max(rnd.randrange(low, high + 1, 500), ceil_to(yearly_minimum, 500))
        unit = rnd.choices(["Annually", "Monthly", "Weekly"], weights=[70, 15, 15])[0]
        amount = {"Annually": yearly, "Monthly": round(yearly / 12, 2), "Weekly": round(yearly / 52, 2)}[unit]
        wage.update(wageUnit=unit, wageAmount=amount)
    else:
        wage["wageUnit"] = "Unspecified"
    if rnd.random() < 0.4:
        extra = rnd.choice(
            [
                "Pay rises on successful completion of each year of the apprenticeship.",
                "Annual performance-related bonus.",
                "Paid overtime is available.",
            ]
        )
        if kind != "ApprenticeshipMinimum":  # its additional information is the pay (drawn all the same)
            wage["wageAdditionalInformation"] = extra
    wage["workingWeekDescription"] = WEEKS[hours]
    return wage


def details(rnd: random.Random, standard: Standard, employer: str, provider: str, home: Place) -> Record:
    """An advert's descriptions of the employer, the training and the job, its skills and benefits."""
    job = lower(standard.job)
    release = rnd.choice(
        ["one day a week at college", "block release", "online sessions and workplace visits"]
    )
    details: Record = {
        "employerDescription": (
            f"{employer} is based in {home.town}, {home.county}, and employs around "
            f"{rnd.choice([12, 25, 40, 80, 150, 400])} people."
        ),
        "trainingDescription": (
            f"You will complete the {standard.title} apprenticeship standard with {provider}, "
            f"through {release}."
        ),
        "outcomeDescription": (
            "A permanent role for the right candidate once you complete the apprenticeship."
        ),
        "fullDescription": (
            f"As {article(job)} {job} at {employer} you will learn on the job alongside "
            f"experienced colleagues, with 20% of your paid hours set aside for off-the-job training. "
            f"You will be supported by a workplace mentor and reviewed every 12 weeks."
        ),
        "skills": sorted(rnd.sample(ref.SKILLS[standard.route], k=3)),
        "qualifications": qualifications(standard),
        "companyBenefitsInformation": ", ".join(rnd.sample(_BENEFITS, k=3)) + ".",
    }
    if rnd.random() < 0.3:
        details["additionalTrainingDescription"] = "Functional Skills in English and maths, if needed."
    if rnd.random() < 0.3:
        details["thingsToConsider"] = rnd.choice(
            [
                "The role involves early starts and some weekend work.",
                "You will need to travel between sites, so a driving licence would help.",
                "The work is physically active.",
            ]
        )
    return details


def qualifications(standard: Standard) -> list[Record]:
    """GCSE English and maths, and an A level from level 4 up."""
    found: list[Record] = [
        {
            "weighting": "Essential",
            "qualificationType": "GCSE",
            "subject": "English",
            "grade": "4 (C) or above",
        },
        {
            "weighting": "Essential",
            "qualificationType": "GCSE",
            "subject": "Maths",
            "grade": "4 (C) or above",
        },
    ]
    if standard.level >= 4:
        found.append(
            {
                "weighting": "Desired",
                "qualificationType": "A Level",
                "subject": "Any",
                "grade": "C or above",
            }
        )
    return found


def lower(text: str) -> str:
    # "IT Support Apprentice" -> "IT support apprentice": acronyms keep their capitals.
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in text.split())


def article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def ceil_to(value: float, step: int) -> int:
    """``value`` rounded up to a multiple of ``step``."""
    return -(-int(value) // step) * step
