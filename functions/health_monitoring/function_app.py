"""Azure Functions (Python v2 model) entry point: POST /api/health-monitoring -> assess()."""

from __future__ import annotations

import json

import azure.functions as func
from logic import assess

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="health-monitoring", methods=["POST"])
def health_monitoring(req: func.HttpRequest) -> func.HttpResponse:
    try:
        body = req.get_json()
    except ValueError:
        return func.HttpResponse('{"error": "body must be JSON"}', status_code=400, mimetype="application/json")
    result = assess(body.get("checks", []))
    return func.HttpResponse(json.dumps(result), status_code=result["http_status"], mimetype="application/json")
