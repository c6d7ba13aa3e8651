"""A Faker provider for RAPIDS-style apprenticeship data (occupations, codes, phone numbers)."""

from __future__ import annotations

from typing import Any

from faker.providers import BaseProvider

# Registered-apprenticeship occupations with RAPIDS-style codes, O*NET-SOC codes, term hours,
# on-the-job (OJT) competencies and related technical instruction (RTI) courses, in hours.
OCCUPATIONS: tuple[dict[str, Any], ...] = (
    {
        "title": "Application Developer",
        "rapids_code": "2016CB",
        "onet_code": "15-1252.00",
        "type": "competency_based",
        "term_hours": 2000,
        "ojt": [
            ("Software Design and Architecture", 400),
            ("Front-End Development", 500),
            ("Back-End Services and APIs", 500),
            ("Testing and Quality Assurance", 300),
            ("Version Control and Deployment", 300),
        ],
        "rti": [
            ("Programming Fundamentals", 144),
            ("Web Application Development", 144),
            ("Databases and SQL", 96),
        ],
    },
    {
        "title": "Computer User Support Specialist",
        "rapids_code": "0870CB",
        "onet_code": "15-1232.00",
        "type": "competency_based",
        "term_hours": 2000,
        "ojt": [
            ("Hardware Installation and Troubleshooting", 500),
            ("Operating Systems Support", 400),
            ("Network Fundamentals", 400),
            ("Service Desk and Ticketing", 400),
            ("Security Fundamentals", 300),
        ],
        "rti": [
            ("IT Fundamentals", 120),
            ("Desktop Support Technician", 160),
            ("Networking Essentials", 120),
        ],
    },
    {
        "title": "Electrician",
        "rapids_code": "0159HY",
        "onet_code": "47-2111.00",
        "type": "hybrid",
        "term_hours": 8000,
        "ojt": [
            ("Residential Wiring", 2000),
            ("Commercial and Industrial Wiring", 2500),
            ("Conduit Bending and Installation", 1000),
            ("Motor Controls", 1500),
            ("Safety and Code Compliance", 1000),
        ],
        "rti": [
            ("Electrical Theory I", 180),
            ("Electrical Theory II", 180),
            ("National Electrical Code", 200),
            ("OSHA 30", 30),
        ],
    },
    {
        "title": "Machinist (CNC)",
        "rapids_code": "0296HY",
        "onet_code": "51-4041.00",
        "type": "hybrid",
        "term_hours": 8000,
        "ojt": [
            ("Blueprint Reading and Layout", 1000),
            ("Manual Mill and Lathe Operation", 2500),
            ("CNC Setup and Programming", 3000),
            ("Inspection and Metrology", 1500),
        ],
        "rti": [("Shop Mathematics", 144), ("Blueprint Reading", 144), ("CNC Programming", 216)],
    },
    {
        "title": "Medical Assistant",
        "rapids_code": "1076CB",
        "onet_code": "31-9092.00",
        "type": "competency_based",
        "term_hours": 2000,
        "ojt": [
            ("Patient Intake and Vital Signs", 500),
            ("Clinical Procedures", 600),
            ("Medical Records and Billing", 500),
            ("Phlebotomy and Specimen Collection", 400),
        ],
        "rti": [
            ("Medical Terminology", 90),
            ("Anatomy and Physiology", 120),
            ("Clinical Skills", 150),
        ],
    },
    {
        "title": "Pharmacy Technician",
        "rapids_code": "1060CB",
        "onet_code": "29-2052.00",
        "type": "competency_based",
        "term_hours": 2000,
        "ojt": [
            ("Prescription Processing", 700),
            ("Inventory Management", 400),
            ("Sterile Compounding", 500),
            ("Customer Service and Counseling Support", 400),
        ],
        "rti": [
            ("Pharmacology", 120),
            ("Pharmacy Law and Ethics", 60),
            ("Pharmacy Calculations", 80),
        ],
    },
    {
        "title": "Welder, Combination",
        "rapids_code": "0627HY",
        "onet_code": "51-4121.00",
        "type": "hybrid",
        "term_hours": 6000,
        "ojt": [
            ("Shielded Metal Arc Welding", 1500),
            ("Gas Metal Arc Welding", 1500),
            ("Gas Tungsten Arc Welding", 1500),
            ("Cutting Processes and Fabrication", 1500),
        ],
        "rti": [
            ("Welding Safety", 40),
            ("Welding Symbols and Blueprints", 120),
            ("Metallurgy", 120),
        ],
    },
    {
        "title": "Carpenter",
        "rapids_code": "0065HY",
        "onet_code": "47-2031.00",
        "type": "hybrid",
        "term_hours": 8000,
        "ojt": [
            ("Layout and Foundations", 1500),
            ("Framing", 2500),
            ("Interior Systems and Finish", 2500),
            ("Concrete Forms", 1500),
        ],
        "rti": [
            ("Construction Math", 144),
            ("Blueprint Reading for Construction", 144),
            ("Jobsite Safety", 40),
        ],
    },
)

FILE_CATEGORIES = (
    "Transcript",
    "Certificate",
    "Resume",
    "Apprenticeship Agreement",
    "Offer Letter",
)
GRADE_TITLES = ("Unit Exam", "Lab Assignment", "Project", "Final Exam", "Midterm Exam", "Quiz")


class RapidsProvider(BaseProvider):
    """Faker methods for apprenticeship data."""

    def rapids_occupation(self, index: int) -> dict[str, Any]:
        """The catalogue occupation ``index`` (wrapping around)."""
        return OCCUPATIONS[index % len(OCCUPATIONS)]

    def phone10(self) -> str:
        """A US phone number as 10 digits, with a valid area code and exchange (e.g. 8022272728)."""
        area = f"{self.random_int(2, 9)}{self.numerify('##')}"
        exchange = f"{self.random_int(2, 9)}{self.numerify('##')}"
        return f"{area}{exchange}{self.numerify('####')}"

    def file_category(self) -> str:
        return str(self.random_element(FILE_CATEGORIES))

    def grade_title(self, course: str) -> str:
        return f"{course}: {self.random_element(GRADE_TITLES)}"
