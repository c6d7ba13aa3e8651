"""Static reference data of the Display Advert API: routes, apprenticeship standards, places.

Routes and standards (title, level, route) are real Institute for Apprenticeships standards; the
LARS codes are the sandbox's stable identifiers for them. Places are real English towns with one
of their real postcode districts and that district's approximate centre, so a generated postcode
and its latitude/longitude agree to within about a mile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The 15 occupational routes, spelled as DfE's course directory spells them.
ROUTES: tuple[str, ...] = (
    "Agriculture, environmental and animal care",
    "Business and administration",
    "Care services",
    "Catering and hospitality",
    "Construction and the built environment",
    "Creative and design",
    "Digital",
    "Education and early years",
    "Engineering and manufacturing",
    "Hair and beauty",
    "Health and science",
    "Legal, finance and accounting",
    "Protective services",
    "Sales, marketing and procurement",
    "Transport and logistics",
)


@dataclass(frozen=True, slots=True)
class Standard:
    """An apprenticeship standard as the course directory lists it, plus what an advert needs."""

    lars_code: int
    name: str
    level: int
    route: str
    job: str
    months: int

    @property
    def title(self) -> str:
        """The directory's title: ``"Software developer (level 4)"``."""
        return f"{self.name} (level {self.level})"

    @property
    def apprenticeship_level(self) -> str:
        """DfE's ApprenticeshipLevel enum name for the standard's level."""
        return APPRENTICESHIP_LEVELS[self.level]


APPRENTICESHIP_LEVELS = {2: "Intermediate", 3: "Advanced", 4: "Higher", 5: "Higher", 6: "Degree", 7: "Degree"}

# Per route (a line ending in a colon), its standards in order: LARS code and name | level |
# the job an advert offers | the months the apprenticeship takes.
_STANDARD_ROWS = """
Digital:
2 Software developer | 4 | Software Developer Apprentice | 24
154 Software development technician | 3 | Junior Developer Apprentice | 18
118 Data analyst | 4 | Data Analyst Apprentice | 24
1 Network engineer | 4 | Network Engineer Apprentice | 24
558 Digital support technician | 3 | IT Support Apprentice | 15
543 Cyber security technician | 3 | Cyber Security Apprentice | 18
122 Digital marketer | 3 | Digital Marketing Apprentice | 18
Business and administration:
279 Business administrator | 3 | Business Administrator | 18
298 Customer service practitioner | 2 | Customer Service Apprentice | 12
285 Team leader or supervisor | 3 | Trainee Team Leader | 15
104 Operations or departmental manager | 5 | Trainee Manager | 30
261 HR support | 3 | HR Assistant Apprentice | 18
Legal, finance and accounting:
138 Assistant accountant | 3 | Accounts Assistant Apprentice | 15
257 Accounts or finance assistant | 2 | Finance Assistant Apprentice | 12
295 Professional accounting or taxation technician | 4 | Trainee Accounting Technician | 24
164 Solicitor | 7 | Solicitor Apprentice | 60
Engineering and manufacturing:
16 Engineering technician | 3 | Engineering Technician Apprentice | 42
225 Maintenance and operations engineering technician | 3 | Maintenance Engineer Apprentice | 42
208 Motor vehicle service and maintenance technician (light vehicle) | 3 | Vehicle Technician Apprentice | 36
Construction and the built environment:
290 Installation electrician and maintenance electrician | 3 | Electrician Apprentice | 42
275 Plumbing and domestic heating technician | 3 | Plumbing Apprentice | 48
38 Bricklayer | 2 | Bricklayer Apprentice | 24
42 Carpentry and joinery | 2 | Carpentry and Joinery Apprentice | 24
105 Civil engineering technician | 3 | Civil Engineering Apprentice | 36
Health and science:
111 Healthcare support worker | 2 | Healthcare Support Worker Apprentice | 13
110 Senior healthcare support worker | 3 | Senior Healthcare Assistant Apprentice | 18
537 Laboratory technician | 3 | Laboratory Technician Apprentice | 24
196 Registered nurse degree (NMC 2018) | 6 | Student Nurse Apprentice | 48
Care services:
255 Adult care worker | 2 | Care Assistant Apprentice | 12
260 Lead adult care worker | 3 | Senior Care Worker Apprentice | 18
Education and early years:
399 Early years practitioner | 2 | Nursery Practitioner Apprentice | 12
441 Early years educator | 3 | Nursery Nurse Apprentice | 18
293 Teaching assistant | 3 | Teaching Assistant Apprentice | 18
Catering and hospitality:
228 Commis chef | 2 | Commis Chef Apprentice | 12
168 Hospitality team member | 2 | Hospitality Team Member Apprentice | 12
Hair and beauty:
170 Hair professional | 2 | Apprentice Hairdresser | 24
234 Beauty therapist | 2 | Beauty Therapist Apprentice | 15
Sales, marketing and procurement:
269 Retailer | 2 | Retail Apprentice | 12
235 Multi-channel marketer | 3 | Marketing Assistant Apprentice | 18
Transport and logistics:
259 Supply chain warehouse operative | 2 | Warehouse Operative Apprentice | 12
219 Large goods vehicle (LGV) driver C + E | 2 | Apprentice HGV Driver | 13
Protective services:
244 Custody and detention officer | 3 | Trainee Custody Officer | 12
Agriculture, environmental and animal care:
230 Horticulture or landscape operative | 2 | Apprentice Gardener | 18
193 Veterinary nurse | 3 | Student Veterinary Nurse | 36
Creative and design:
251 Junior content producer | 3 | Junior Content Producer Apprentice | 15
315 Photographic assistant | 3 | Photography Assistant Apprentice | 15
"""


def _standards(table: str) -> tuple[Standard, ...]:
    found: list[Standard] = []
    route = ""
    for line in table.strip().splitlines():
        if line.endswith(":"):
            route = line.removesuffix(":")
            continue
        standard, level, job, months = (cell.strip() for cell in line.split("|"))
        code, name = standard.split(" ", 1)
        found.append(Standard(int(code), name, int(level), route, job, int(months)))
    return tuple(found)


STANDARDS: tuple[Standard, ...] = _standards(_STANDARD_ROWS)

STANDARDS_BY_CODE: dict[int, Standard] = {s.lars_code: s for s in STANDARDS}


@dataclass(frozen=True, slots=True)
class Place:
    """A real English town, one of its postcode districts and that district's approximate centre."""

    town: str
    county: str
    district: str
    latitude: float
    longitude: float


_P = Place
PLACES: tuple[Place, ...] = (
    _P("London", "Greater London", "SE1", 51.4980, -0.0900),
    _P("London", "Greater London", "E14", 51.5055, -0.0235),
    _P("London", "Greater London", "N1", 51.5380, -0.0990),
    _P("Croydon", "Greater London", "CR0", 51.3730, -0.0980),
    _P("Birmingham", "West Midlands", "B1", 52.4796, -1.9026),
    _P("Birmingham", "West Midlands", "B15", 52.4627, -1.9260),
    _P("Birmingham", "West Midlands", "B3", 52.4820, -1.9000),
    _P("Coventry", "West Midlands", "CV1", 52.4080, -1.5100),
    _P("Wolverhampton", "West Midlands", "WV1", 52.5860, -2.1280),
    _P("Manchester", "Greater Manchester", "M1", 53.4780, -2.2350),
    _P("Salford", "Greater Manchester", "M50", 53.4720, -2.2960),
    _P("Liverpool", "Merseyside", "L1", 53.4020, -2.9800),
    _P("Leeds", "West Yorkshire", "LS1", 53.7966, -1.5479),
    _P("Bradford", "West Yorkshire", "BD1", 53.7950, -1.7520),
    _P("Sheffield", "South Yorkshire", "S1", 53.3810, -1.4700),
    _P("York", "North Yorkshire", "YO1", 53.9590, -1.0820),
    _P("Hull", "East Riding of Yorkshire", "HU1", 53.7440, -0.3320),
    _P("Newcastle upon Tyne", "Tyne and Wear", "NE1", 54.9720, -1.6130),
    _P("Sunderland", "Tyne and Wear", "SR1", 54.9060, -1.3810),
    _P("Middlesbrough", "North Yorkshire", "TS1", 54.5740, -1.2350),
    _P("Carlisle", "Cumbria", "CA1", 54.8920, -2.9320),
    _P("Preston", "Lancashire", "PR1", 53.7590, -2.7000),
    _P("Blackburn", "Lancashire", "BB1", 53.7500, -2.4800),
    _P("Warrington", "Cheshire", "WA1", 53.3900, -2.5910),
    _P("Crewe", "Cheshire", "CW1", 53.0970, -2.4410),
    _P("Stoke-on-Trent", "Staffordshire", "ST1", 53.0270, -2.1770),
    _P("Nottingham", "Nottinghamshire", "NG1", 52.9540, -1.1500),
    _P("Derby", "Derbyshire", "DE1", 52.9220, -1.4770),
    _P("Leicester", "Leicestershire", "LE1", 52.6360, -1.1330),
    _P("Lincoln", "Lincolnshire", "LN1", 53.2300, -0.5450),
    _P("Northampton", "Northamptonshire", "NN1", 52.2380, -0.8930),
    _P("Milton Keynes", "Buckinghamshire", "MK9", 52.0410, -0.7590),
    _P("Luton", "Bedfordshire", "LU1", 51.8780, -0.4200),
    _P("Cambridge", "Cambridgeshire", "CB1", 52.1980, 0.1350),
    _P("Peterborough", "Cambridgeshire", "PE1", 52.5760, -0.2400),
    _P("Norwich", "Norfolk", "NR1", 52.6280, 1.2980),
    _P("Ipswich", "Suffolk", "IP1", 52.0590, 1.1480),
    _P("Chelmsford", "Essex", "CM1", 51.7350, 0.4690),
    _P("Maidstone", "Kent", "ME14", 51.2760, 0.5290),
    _P("Brighton", "East Sussex", "BN1", 50.8270, -0.1400),
    _P("Reading", "Berkshire", "RG1", 51.4540, -0.9700),
    _P("Oxford", "Oxfordshire", "OX1", 51.7520, -1.2580),
    _P("Southampton", "Hampshire", "SO14", 50.9040, -1.4000),
    _P("Portsmouth", "Hampshire", "PO1", 50.7990, -1.0910),
    _P("Bournemouth", "Dorset", "BH1", 50.7220, -1.8700),
    _P("Bristol", "Bristol", "BS1", 51.4530, -2.5930),
    _P("Swindon", "Wiltshire", "SN1", 51.5590, -1.7810),
    _P("Gloucester", "Gloucestershire", "GL1", 51.8650, -2.2440),
    _P("Worcester", "Worcestershire", "WR1", 52.1930, -2.2210),
    _P("Exeter", "Devon", "EX1", 50.7250, -3.5230),
    _P("Plymouth", "Devon", "PL1", 50.3700, -4.1420),
)

# Letters a UK inward code may use in its last two places (never C, I, K, M, O or V).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

STREETS: tuple[str, ...] = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Park Road",
    "Queen Street",
    "Mill Lane",
    "King Street",
    "London Road",
    "Market Street",
    "Albert Road",
    "Manor Road",
    "Chapel Street",
    "North Street",
    "Bridge Street",
)

BUSINESS_PARKS: tuple[str, ...] = (
    "Riverside Business Park",
    "Enterprise Park",
    "Meridian Business Park",
    "Kingsway Industrial Estate",
    "Innovation Centre",
    "Parkway Trading Estate",
)

# Per route, how employers in it tend to be named: {last} is a surname, {town} the employer's town.
EMPLOYER_PATTERNS: dict[str, tuple[str, ...]] = {
    "Agriculture, environmental and animal care": (
        "{last} Landscapes Ltd",
        "{town} Veterinary Group",
        "{last} Grounds Maintenance Ltd",
    ),
    "Business and administration": ("{last} Associates Ltd", "{town} Housing Group", "{last} & {last2} LLP"),
    "Care services": ("{last} Care Homes Ltd", "{town} Home Care Services", "{last} House Care Home"),
    "Catering and hospitality": ("The {last} Arms", "{town} Hotel Group Ltd", "{last}'s Kitchen Ltd"),
    "Construction and the built environment": (
        "{last} Electrical Ltd",
        "{last} & Sons Builders",
        "{town} Plumbing and Heating Ltd",
        "{last} Construction Ltd",
    ),
    "Creative and design": ("{last} Creative Ltd", "{town} Media Studios", "{last} Design Co."),
    "Digital": (
        "{last} Digital Ltd",
        "{town} Software Solutions Ltd",
        "{last} Systems Ltd",
        "{last} Tech Ltd",
    ),
    "Education and early years": (
        "{town} Academy Trust",
        "Little {last}s Day Nursery",
        "{last} Primary School",
    ),
    "Engineering and manufacturing": (
        "{last} Engineering Ltd",
        "{town} Precision Components Ltd",
        "{last} Motors Ltd",
    ),
    "Hair and beauty": ("{last} Hair Studio", "Salon {last}", "{town} Beauty Rooms"),
    "Health and science": (
        "{town} Teaching Hospitals NHS Foundation Trust",
        "{last} Pharmacy Ltd",
        "{last} Laboratories Ltd",
    ),
    "Legal, finance and accounting": (
        "{last} & {last2} Accountants",
        "{last} Solicitors LLP",
        "{town} Finance Ltd",
    ),
    "Protective services": ("{town} Custody Services", "{last} Security Group Ltd"),
    "Sales, marketing and procurement": ("{last} Retail Ltd", "{last} Marketing Ltd", "{town} Outlet Stores"),
    "Transport and logistics": ("{last} Logistics Ltd", "{town} Distribution Ltd", "{last} Haulage Ltd"),
}

SKILLS: dict[str, tuple[str, ...]] = {
    "Agriculture, environmental and animal care": (
        "Physical fitness",
        "Patience",
        "Attention to detail",
        "Team working",
        "Caring with animals",
    ),
    "Business and administration": (
        "Communication skills",
        "IT skills",
        "Organisation skills",
        "Administrative skills",
        "Customer care skills",
    ),
    "Care services": ("Communication skills", "Patience", "Team working", "Initiative", "Caring"),
    "Catering and hospitality": ("Customer care skills", "Team working", "Physical fitness", "Creative"),
    "Construction and the built environment": (
        "Problem solving skills",
        "Physical fitness",
        "Number skills",
        "Attention to detail",
        "Team working",
    ),
    "Creative and design": ("Creative", "IT skills", "Communication skills", "Initiative"),
    "Digital": (
        "Problem solving skills",
        "Analytical skills",
        "IT skills",
        "Logical",
        "Team working",
        "Attention to detail",
    ),
    "Education and early years": ("Communication skills", "Patience", "Creative", "Team working"),
    "Engineering and manufacturing": (
        "Problem solving skills",
        "Number skills",
        "Attention to detail",
        "Analytical skills",
        "Team working",
    ),
    "Hair and beauty": ("Customer care skills", "Creative", "Communication skills", "Presentation skills"),
    "Health and science": ("Communication skills", "Team working", "Caring", "Attention to detail"),
    "Legal, finance and accounting": (
        "Number skills",
        "Analytical skills",
        "IT skills",
        "Organisation skills",
    ),
    "Protective services": ("Communication skills", "Initiative", "Physical fitness", "Team working"),
    "Sales, marketing and procurement": (
        "Customer care skills",
        "Communication skills",
        "Creative",
        "IT skills",
    ),
    "Transport and logistics": ("Organisation skills", "Physical fitness", "Team working", "Number skills"),
}


@dataclass(frozen=True, slots=True)
class MinimumRates:
    """GOV.UK minimum hourly rates from ``since``: the apprentice rate and the National Living Wage."""

    since: date
    apprentice: float
    national_living: float


# Each April's rates (gov.uk/national-minimum-wage-rates), oldest first.
MINIMUM_RATES = (
    MinimumRates(date(2024, 4, 1), 6.40, 11.44),
    MinimumRates(date(2025, 4, 1), 7.55, 12.21),
    MinimumRates(date(2026, 4, 1), 8.00, 12.71),
)


def minimum_rates(on: date) -> MinimumRates:
    """The rates in force on ``on`` (the oldest known before them)."""
    return next((rates for rates in reversed(MINIMUM_RATES) if rates.since <= on), MINIMUM_RATES[0])


def yearly_pay_text(hours: float, rate: float) -> str:
    """A year's pay at ``rate`` for ``hours`` a week, worded as Find an apprenticeship words it.

    ``£14,976 a year`` for 36 hours at £8.00 (a real v2 answer): whole pounds without pence.
    """
    yearly = round(hours * 52 * rate, 2)
    return f"£{yearly:,.0f} a year" if yearly == int(yearly) else f"£{yearly:,.2f} a year"


WAGE_TYPES = ("ApprenticeshipMinimum", "NationalMinimum", "Custom", "CompetitiveSalary")
WAGE_UNITS = ("Unspecified", "Weekly", "Monthly", "Annually")

FIND_AN_APPRENTICESHIP = "https://www.findapprenticeship.service.gov.uk"

# Six-character public hashed ids use this alphabet (no vowels or look-alike digits), as DfE's do.
HASHED_ID_ALPHABET = "46789BCDFGHJKLMNPRSTVWXY"
