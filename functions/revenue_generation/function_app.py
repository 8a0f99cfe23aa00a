"""Azure Functions (Python v2 model) entry point: POST /api/revenue-generation -> project_revenue()."""

from __future__ import annotations

import json

import azure.functions as func
from logic import project_revenue

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="revenue-generation", methods=["POST"])
def revenue_generation(req: func.HttpRequest) -> func.HttpResponse:
    try:
        body = req.get_json()
    except ValueError:
        return func.HttpResponse('{"error": "body must be JSON"}', status_code=400, mimetype="application/json")
    result = project_revenue(body.get("subscriptions", []))
    return func.HttpResponse(json.dumps(result), status_code=200, mimetype="application/json")
