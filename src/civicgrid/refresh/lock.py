"""One refresh (or backup, restore, link) at a time per warehouse: ``<db>.lock``.

The primitive lives in :mod:`civicgrid.warehouse.lock` (the linkage stage takes it too and
must not import this later stage); it is re-exported here under its refresh-era names, so
``from civicgrid.refresh.lock import RefreshLock, LockBusy`` keeps working.
"""

from __future__ import annotations

from civicgrid.warehouse.lock import EXIT_LOCKED, LockBusy, WarehouseLock, lock_path

#: the warehouse lock as a refresh takes it (same class, same file, same messages)
RefreshLock = WarehouseLock

__all__ = ["EXIT_LOCKED", "LockBusy", "RefreshLock", "WarehouseLock", "lock_path"]
