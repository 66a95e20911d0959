"""Linkage: every departmental record to a parcel or a block, labelled, reviewable and measured.

Public API::

    from civicgrid.linkage import link_warehouse, relink, evaluate, review_queue, decide

    build_warehouse(cfg, db, after_ingest=link_warehouse)     # link on every build
    report = relink(cfg, db)                                   # link an existing warehouse again
    result = evaluate(cfg, con)                                # hide parcel ids, measure P / R
    queue = review_queue(db)                                   # what a person should look at
    decide(app_db, "reassign", source="pli_condemned", record_id="17", parcel_id="0011E00031000000",
           decided_by="inspector1")                            # re-applied on every rebuild

Modules (one job each): ``ids`` parcel-id rule; ``records`` reading records and source roles;
``keys`` distinct-address normalization and its cache; ``spine`` the parcel spine; ``cascade``
exact address steps; ``fuzzy`` street-name step; ``geo`` centroid step; ``assemble`` the whole
cascade per record; ``decisions`` re-applying review decisions; ``blocks`` the blocks table;
``tables`` warehouse schemas; ``link`` the build hook; ``review`` the queue; ``evaluate`` and
``baselines`` the measurement; ``cli`` the ``civicgrid linkage`` commands. See docs/linkage.md.
"""

from civicgrid.linkage.evaluate import evaluate
from civicgrid.linkage.link import link_hook, link_warehouse, relink
from civicgrid.linkage.report import LinkReport
from civicgrid.linkage.review import decide, review_queue

__all__ = ["LinkReport", "decide", "evaluate", "link_hook", "link_warehouse", "relink", "review_queue"]
