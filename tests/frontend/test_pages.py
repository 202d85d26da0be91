"""GraphiQL and the panel come from the package: every asset the pages name is served by
the app itself, under a CSP that allows nothing else, and no page runs inline script."""

from __future__ import annotations

import re

from graphql import GraphQLObjectType, build_schema

from hindsight.api.export import sdl
from hindsight.domain.analytics.metrics import METRICS
from tests.conftest import Api

ASSET = re.compile(r'(?:src|href)="([^"]+)"')
CSP = "default-src 'self'"


async def _page(api: Api, path: str) -> str:
    response = await api.http.get(path, headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith(CSP)
    return response.text


async def test_graphiql_loads_only_packaged_assets(api: Api) -> None:
    html = await _page(api, "/graphql")
    assets = ASSET.findall(html)
    assert "/static/graphiql/graphiql.min.js" in assets and "/static/graphiql-init.js" in assets
    assert "<script>" not in html and "unpkg" not in html
    for asset in assets:
        assert asset.startswith("/static/"), asset
        response = await api.http.get(asset)
        assert response.status_code == 200 and response.content, asset
    css = (await api.http.get("/static/graphiql/graphiql.min.css")).text
    assert "data:" not in css and "http" not in css  # fonts and images are files here


async def test_embedded_graphiql_prefills_the_demo_token(api: Api) -> None:
    html = await _page(api, "/graphql")
    prefilled = "Authorization&quot;: &quot;Bearer " in html
    assert prefilled == api.services.settings.embedded


async def test_vendored_licences_and_versions_ship(api: Api) -> None:
    versions = (await api.http.get("/static/graphiql/VERSIONS")).text
    assert "graphiql@3.8.3" in versions and "react@18.3.1" in versions
    for name in ("graphiql", "react", "react-dom", "plugin-explorer"):
        licence = await api.http.get(f"/static/graphiql/licenses/{name}.LICENSE")
        assert licence.status_code == 200 and "MIT" in licence.text


async def test_panel_is_served_at_the_root(api: Api) -> None:
    html = await _page(api, "/")
    assert "<script>" not in html
    for asset in ASSET.findall(html):
        assert (await api.http.get(asset)).status_code == 200, asset


async def test_panel_tiles_come_from_the_metric_registry(api: Api) -> None:
    """The panel draws one tile per registry entry marked ``tile``, named as in GraphQL."""
    response = await api.http.get("/panel/metrics.json")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith(CSP)
    tiles = response.json()["metrics"]
    assert [t["name"] for t in tiles] == [m.camel_name for m in METRICS if m.tile]
    block = build_schema(sdl()).get_type("MetricBlock")
    assert isinstance(block, GraphQLObjectType)
    for t in tiles:
        assert t["name"] in block.fields and t["label"], t
        assert t["kind"] in ("count", "rate") and t["better"] in (-1, 0, 1), t
    panel = (await api.http.get("/static/panel/documents.js")).text
    assert 'from "./metrics.js"' in panel  # the GraphQL fragment asks for exactly these
