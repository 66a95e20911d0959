"""Built-in, versioned category mapping tables for the real 311 exports civicgrid ships examples for.

Each table says, for one published export schema, which request types, statuses and responsible
agencies fall in which of the six service categories (see :mod:`civicgrid.service.categories`).
They are judgement calls written down so a city can review and change them: copy one into a YAML
file, edit it, bump ``version`` and ``effective_from``, and pass it to the report. Request types that
are deliberately left out (``Other``, ``Neighborhood Issues``…) go to the text classifier and are
marked for review.

Rules of thumb used here:
  service_request  the resident asks the city to do physical work (pick up, repair, remove, install)
  complaint        the resident reports a violation or behaviour for enforcement against someone else
  permit           an application for a permit, licence, zone or authorisation
  inquiry          a question or request for information; no work is ordered
  feedback         an opinion, suggestion or report meant to inform planning
  transfer         handed to an agency outside city government (status or responsible agency)
"""

from __future__ import annotations


def _by_category(groups: dict[str, list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for cat, names in groups.items():
        for n in names:
            if n in out:
                raise ValueError(f"{n!r} is listed under both {out[n]!r} and {cat!r}")
            out[n] = cat
    return out


LOS_ANGELES_MYLA311 = {
    "name": "los_angeles_myla311",
    "version": "1",
    "effective_from": "2017-01-01",
    "files": ["MyLA311*"],
    "description": "MyLA311 service requests (RequestType, Status, Owner).",
    "statuses": {"Referred Out": "transfer"},
    "outside_agencies": [],
    "request_types": _by_category({
        "service_request": [
            "Bulky Items", "Graffiti Removal", "Illegal Dumping Pickup", "Metal/Household Appliances",
            "Electronic Waste", "Homeless Encampment", "Dead Animal Removal", "Single Streetlight Issue",
            "Multiple Streetlight Issue",
        ],
        "complaint": ["Report Water Waste"],
        "feedback": ["Feedback"],
    }),
}

PITTSBURGH_311 = {
    "name": "pittsburgh_311",
    "version": "1",
    "effective_from": "2015-01-01",
    "files": ["311_requests_*"],
    "description": "Pittsburgh 311 (WPRDC; request_type_name / REQUEST_TYPE and dept / DEPARTMENT).",
    "statuses": {},
    "outside_agencies": [
        "Pittsburgh Water and Sewer Authority", "ACHD - Housing", "ACHD - Food Safety", "SPIN Scooters",
        "Scoobi", "Port Authority Transit", "Parking Authority",
    ],
    "request_types": _by_category({
        "complaint": [
            "Abandoned Vehicle (parked on street)", "Abandoned Vehicle", "Weeds/Debris", "Building Maintenance",
            "Building Without a Permit", "Illegal Parking", "Drug Enforcement", "Excessive Noise/Disturbances",
            "Noise", "Health Hazard", "Vacant Building", "Unpermitted Electrical Work", "Unpermitted HVAC Work",
            "Unpermitted Fire System Work", "Unpermitted Sign Construction", "Unpermitted Land Operations",
            "Zoning Issue", "Speeding", "Traffic Enforcement", "Nuisance Bar", "Boat/Trailer on Street",
            "Junk Vehicles", "Construction Site Maintenance", "Misconduct/City Employee",
            "Fire Safety System Not Working", "Fire Safety System Issue", "Overgrowth", "Dumping, Private Property",
            "Refuse Violations", "Couch on Porch", "Operating Without a License", "Food Safety Complaints",
            "Signs, Advertising or Political", "Early Set Out", "Late Set Out", "Panhandling", "Gang Activity",
            "Discrimination/Unfair Practices", "Tenant/Landlord Problems", "Overcrowding", "COVID - 19 Violations",
            "Electrical Violation", "HVAC Not Functioning", "Sidewalk has Ice or Litter",
            "Sidewalk, Lack of Snow/Ice Removal", "Improper Work in a Historic District", "Fire Lane",
            "Blocked or Closed Sidewalks", "Dumpster (on Street)", "Commercial Refuse/Dumpsters",
            "Retaining Wall (Private Property)", "Vacant Lot", "Police - Submit a Tip", "Rodent control",
            "Stagnant Water", "Smoke detectors", "Illegal Dumping",
        ],
        "service_request": [
            "Litter, Public Property", "Graffiti, Documentation", "Graffiti, Documentation (DO NOT USE)",
            "Broken Sidewalk", "Sidewalk/Curb/ADA Ramp Maintenance", "Request New Sign", "Replace/Repair a Sign",
            "Replace/Repair Sign", "Utility Cut - Other", "Utility Cut - PWSA", "Snow/Ice removal", "Potholes",
            "Collapsed Catch Basin", "Missed Refuse Pick Up", "Missed Recycling Pick Up", "Pruning (city tree)",
            "Water/Drinking Fountains", "Landslide", "City Facility", "Road", "Street Cleaning/Sweeping", "Wires",
            "Traffic or Pedestrian Signal, Repair", "Traffic or Pedestrian Signal, Request", "Grate, Stormwater",
            "Paving Concern/Problem", "Paving Request", "Repair City Steps", "Bridge Maintenance",
            "ADA Ramp, Installation", "Manhole Cover", "Manhole Covers, PWSA", "Tree Issues", "Fence",
            "Fence Maintenance", "Traffic Calming", "Pavement Marking, New", "Trail Maintenance",
            "Traffic Signal Request", "Crosswalk, New", "Drainage/Leak", "Sign", "Sewage", "Sewers", "Playground",
            "Retaining Wall Maintenance", "Retaining Wall", "Retaining Wall (Public)", "Graffiti in Right of Way",
            "Graffiti", "Graffiti on Structure", "Utility Pole", "Street Light - Repair", "Park Shelter", "Shelters",
            "Tree Removal", "Bike Lane Bollard", "Dead tree (Public property)", "Water Runoff in ROW",
            "Port A Potty", "Leaves/Street Cleaning", "Parks Trails", "Curb Cuts", "Brick or Block Repair",
            "Litter Can, Public", "Lights", "Concrete Slab Repair", "Traffic Shop", "Bicycle Parking",
            "Crosswalk and Street Markings, Maintenance", "Blue Bin Containers", "Guide Rail", "Barricades", "Field",
            "Overgrowth, Parks", "Stormwater Runoff", "Catch Basin, Clogged", "City Steps, Need Cleared",
            "Court, Basketball or Tennis", "No Dumping Sign", "Salt Box", "Curb Painting, New", "Leak",
            "Water Main Break", "Traffic Signals Surtrac", "Parking Lot", "Curb/Request for Asphalt Windrow",
            "City Owned Property Maintenance", "Flooding", "Tree Fallen Across Sidewalk", "Tree Fallen Across Road",
            "Greenways", "Blocked or Closed Trails", "Sinkhole", "Litter", "Dead Animal", "Bulk Pick Up",
            "Ballfield", "Root prune", "Special Pick Up", "Pedestrian Signal Maintenance", "Angle Iron",
            "Board Up (City-owned property only)", "Electronic/Hazardous Waste Disposal", "Stump Grind/Removal",
            "Water Pressure", "Patrol", "Homeless", "Handicap Parking Signs, Removal", "Lead Testing Kit",
            "Street Obstruction/Closure",
        ],
        "permit": [
            "Handicapped Parking Application", "Permit Parking (Request for RPP zone)", "Loading Zone, Request",
            "Curb paint application", "Parking Meter Request", "Dog License", "Special Events",
        ],
        "inquiry": [
            "Real Estate Tax", "Planning Issues", "Economic Development", "EMS Procedures", "Fire Prevention",
            "Paper street", "Ticket, Police-issued", "Towed Vehicle", "Americans with Disabilities",
            "Building Benchmark Ordinance", "Ethics Office", "Commission on Human Relations",
        ],
        "feedback": [
            "Capital Budget Candidate", "Crashes and Close Calls", "Bicycle/Pedestrian Concerns", "City Cuts Concern",
        ],
        "transfer": [
            "SPIN (Stand Up) Scooters", "Scoobi (Sit-Down Scooter) Parking", "PWSA Billing or Shut Off", "HACP",
            "PAT", "PRT", "County Maintenance", "Parking Authority", "PPA Parking Lot", "URA property",
        ],
    }),
}

#: generic keyword rules, tried after a source's own table (and for sources without one).
#: Regular expressions, matched case-insensitively against request type, status and agency.
KEYWORD_RULES: list[tuple[str, str]] = [
    (r"\b(?:referred out|transferr?ed|forwarded to|outside agency)\b", "transfer"),
    (r"\b(?:permit application|licen[cs]e application|apply for|application)\b", "permit"),
    (r"\b(?:feedback|compliment|suggestion)\b", "feedback"),
    (r"\b(?:question|information|inquiry|enquiry|status check)\b", "inquiry"),
    (r"\b(?:complaint|violation|nuisance|noise)\b", "complaint"),
]

BUILTIN_MAPPINGS: dict[str, dict] = {m["name"]: m for m in (LOS_ANGELES_MYLA311, PITTSBURGH_311)}
