"""Azure Functions (Python v2 model) entry point: POST /api/platform-sync -> plan_sync()."""

from __future__ import annotations

import json

import azure.functions as func
from logic import plan_sync

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="platform-sync", methods=["POST"])
def platform_sync(req: func.HttpRequest) -> func.HttpResponse:
    try:
        body = req.get_json()
    except ValueError:
        return func.HttpResponse('{"error": "body must be JSON"}', status_code=400, mimetype="application/json")
    result = plan_sync(body.get("desired", {}), body.get("actual", {}))
    return func.HttpResponse(json.dumps(result), status_code=200, mimetype="application/json")
