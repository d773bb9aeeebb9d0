"""The composition root: the FastAPI app factory (`app.factory.create_app`) and what only it
wires together (health and /metrics routes, the root redirect, the OpenAPI guard responses),
and the schema as a whole (`app.schema`). The one package that imports every domain."""
