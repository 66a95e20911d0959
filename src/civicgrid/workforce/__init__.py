"""Hometown workforce analytics: hires, separations, turnover, retention, representation, hiring.

Reads the HR tables of the warehouse (``roster_records``, ``job_postings``, ``job_applicants`` and a
``reference`` benchmark), follows people across yearly rosters (:mod:`.spells`), and reports the
metrics of GUIDE §5 with groups under 5 people suppressed (:mod:`.privacy`). Entry point:
:func:`workforce_report` (JSON-ready dict; optionally writes ``workforce_turnover``,
``workforce_retention``, ``workforce_representation``).
"""

from civicgrid.workforce.privacy import PrivacyError
from civicgrid.workforce.report import after_ingest_hook, summary_lines, workforce_report
from civicgrid.workforce.settings import SettingsError, WorkforceSettings, load_settings

__all__ = ["PrivacyError", "SettingsError", "WorkforceSettings", "after_ingest_hook", "load_settings",
           "summary_lines", "workforce_report"]
