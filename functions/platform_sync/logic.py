"""Diff the desired platform inventory against what a cloud reports: what to create, delete, update.

Input: {"desired": {name: {...settings}}, "actual": {name: {...settings}}}.
"""

from __future__ import annotations

from typing import Any


def plan_sync(desired: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]) -> dict[str, Any]:
    create = sorted(set(desired) - set(actual))
    delete = sorted(set(actual) - set(desired))
    update = {
        name: sorted(
            k for k in desired[name].keys() | actual[name].keys() if desired[name].get(k) != actual[name].get(k)
        )
        for name in sorted(set(desired) & set(actual))
        if desired[name] != actual[name]
    }
    return {"create": create, "delete": delete, "update": update, "in_sync": not (create or delete or update)}
