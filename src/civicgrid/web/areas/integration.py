"""Integration pages: ranked properties with filters and the map (profiles: :mod:`property`; review
queue: :mod:`review`; meetings: :mod:`meetings`)."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from civicgrid.web.areas import integration_data as D
from civicgrid.web.areas import scores_data as S
from civicgrid.web.context import wh
from civicgrid.web.registry import table, table_view
from civicgrid.web.templating import render

router = APIRouter()

SUBNAV = [("Properties", "/integration"), ("Map", "/integration/map"), ("Review queue", "/integration/review"),
          ("Meetings", "/integration/meetings")]


def _ranked(request: Request):
    return D.ranked(wh(request), D.Filters.from_query(request.query_params))


@table("integration_ranked", "Ranked properties", "integration.view", cached=True)
def ranked_table(request: Request) -> pd.DataFrame:
    return _ranked(request)[0].drop(columns=["lat", "lon"], errors="ignore")


@table("integration_areas", "Flags and activity by area, per 1,000 residents beside the raw counts", "integration.view", cached=True)
def areas_table(request: Request) -> pd.DataFrame:
    return S.table(wh(request), "area_rollups").drop(columns=["demographics", "as_of"], errors="ignore")


@table("integration_exclusions", "Records that never count against a property (GUIDE §6), all dates",
       "integration.view", cached=True)
def exclusions_table(request: Request) -> pd.DataFrame:
    return S.table(wh(request), "score_exclusions")


@router.get("/integration", response_class=HTMLResponse, name="integration_properties", include_in_schema=False)
def integration_properties(request: Request):
    f = D.Filters.from_query(request.query_params)
    _, summary = _ranked(request)
    scored = D.scored(wh(request))
    return render(request, "integration_list.html", f=f, summary=summary, opts=D.options(wh(request)),
                  windows=D.WINDOWS, flags=D.flags(wh(request)), subnav=SUBNAV, scored=scored,
                  ranked=table_view(request, "integration_ranked", limit=200,
                                    links={"parcel_id": "/integration/property/"}),
                  areas=table_view(request, "integration_areas") if scored else None,
                  exclusions=table_view(request, "integration_exclusions") if scored else None)


@router.get("/integration/map", response_class=HTMLResponse, name="integration_map", include_in_schema=False)
def integration_map(request: Request):
    f = D.Filters.from_query(request.query_params)
    df, summary = _ranked(request)
    return render(request, "integration_map.html", f=f, summary=summary, opts=D.options(wh(request)),
                  windows=D.WINDOWS, flags=D.flags(wh(request)), subnav=SUBNAV, n=len(df),
                  n_located=int(df["lat"].notna().sum()) if len(df) else 0,
                  geojson_url="/integration/properties.geojson" + (f"?{request.url.query}" if request.url.query else ""))


@router.get("/integration/properties.geojson", name="integration_geojson", include_in_schema=False)
def integration_geojson(request: Request):
    return JSONResponse(D.geojson(_ranked(request)[0]), media_type="application/geo+json")
