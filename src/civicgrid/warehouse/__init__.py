"""The warehouse: one DuckDB file, rebuilt by `civicgrid build` and swapped in atomically.

Readers open it read-only (:func:`open_readonly`). Its tables are a public interface,
documented in docs/warehouse.md.
"""

from civicgrid.warehouse.build import BuildReport, build_warehouse
from civicgrid.warehouse.db import WarehouseError, open_readonly

__all__ = ["BuildReport", "WarehouseError", "build_warehouse", "open_readonly"]
