"""Comparing two plan documents like `pulumi preview --diff`, and the pull-request comment rendered from it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.cli import compare
from infra.plan import Plan
from infra.report.compare import COMMENT_LIMIT, change_path, change_values, excerpt, render_compare_markdown
from infra.report.diff import CREATE, DELETE, REPLACE, UPDATE, diff_documents, plan_document_problems
from infra.report.plan import plan_document

LT = "aws:ec2/launchTemplate:LaunchTemplate"
URN = "urn:pulumi:{}::qmoi-cloud::{}::{}".format


def resource(name: str, props: dict[str, Any], type_: str = LT, stack: str = "dev", **extra: Any) -> dict[str, Any]:
    return {"urn": URN(stack, type_, name), "type": type_, "name": name, "custom": True, "props": props} | extra


def document(resources: list[dict[str, Any]], costs: dict[str, float] | None = None, stack: str = "dev") -> dict:
    """A plan document: resources, and a monthly cost per resource name."""
    costs = costs or {}
    by_name = {r["name"]: r["urn"] for r in resources}
    total = sum(costs.values())
    return {
        "schemaVersion": 2,
        "project": "qmoi-cloud",
        "stack": stack,
        "resources": resources,
        "cost": {
            "monthlyTotal": total,
            "byProvider": {"aws": total},
            "budget": {"monthlyUsd": 2500, "headroomUsd": 2500 - total},
            "resources": {
                by_name[n]: {"monthly": c, "items": [{"label": f"{n} instance hours", "monthly": c}]}
                for n, c in costs.items()
            },
        },
    }


BASE = document(
    [
        resource("web", {"instanceType": "t3.large", "namePrefix": "web-", "tags": {"owner": "a"}}),
        resource("old", {"instanceType": "t3.medium", "namePrefix": "old-"}),
    ],
    {"web": 60.74, "old": 30.37},
)


def kinds(diff: Any) -> list[tuple[str, str]]:
    return [(c.name, c.kind) for c in diff.changes]


def test_the_diff_of_identical_plans_is_empty_and_costs_nothing() -> None:
    diff = diff_documents(BASE, copy.deepcopy(BASE))
    assert diff.is_empty and not diff.changes
    assert diff.delta == 0
    assert diff.headline() == "monthly cost unchanged ($91.11)"
    assert diff.summary() == "0 to create, 0 to update, 0 to replace, 0 to delete, 2 unchanged"


def test_resources_are_created_updated_and_deleted_by_urn_with_their_properties() -> None:
    head = document(
        [
            resource("web", {"instanceType": "t3.xlarge", "namePrefix": "web-", "tags": {"owner": "a"}}),
            resource("new", {"instanceType": "t3.large", "namePrefix": "new-"}),
        ],
        {"web": 121.47, "new": 60.74},
    )
    diff = diff_documents(BASE, head)
    assert kinds(diff) == [("new", CREATE), ("old", DELETE), ("web", UPDATE)]
    (change,) = diff.of_kind(UPDATE)
    assert [(p.path, p.before, p.after) for p in change.properties] == [("instanceType", "t3.large", "t3.xlarge")]
    assert change.symbol == "~" and not change.reasons
    assert change.cost_delta == pytest.approx(60.73)
    assert diff.headline().startswith("monthly cost will increase by $91.10 (+100.0%)")
    assert diff.summary() == "1 to create, 1 to update, 0 to replace, 1 to delete, 0 unchanged"


def test_an_input_that_forces_a_new_resource_is_a_replacement_with_its_reason_and_source() -> None:
    head = copy.deepcopy(BASE)
    head["resources"][0]["props"]["namePrefix"] = "frontend-"
    diff = diff_documents(BASE, head)
    (change,) = diff.changes
    assert (change.name, change.kind, change.symbol) == ("web", REPLACE, "+-")
    (reason,) = change.reasons
    assert reason.what == "namePrefix changes: forces a new resource"
    assert reason.source.endswith("/docs/resources/launch_template")
    assert diff.to_json()["changes"][0]["replaceReasons"][0]["inferred"] is True
    assert "inferred offline" in render_compare_markdown(diff)


def test_a_cheaper_plan_reads_as_a_decrease() -> None:
    head = document([BASE["resources"][0]], {"web": 60.74})
    assert diff_documents(BASE, head).headline().startswith("monthly cost will decrease by $30.37 (-33.3%)")


def test_replace_on_changes_recorded_on_a_resource_makes_a_change_a_replacement() -> None:
    command = "command:local:Command"
    base = document([resource("publish", {"create": "deploy.sh", "update": "update.sh", "triggers": ["a"]}, command)])
    head = copy.deepcopy(base)
    head["resources"][0]["props"]["triggers"] = ["b"]
    assert kinds(diff_documents(base, head)) == [("publish", UPDATE)]  # an update command: no replacement
    head["resources"][0]["replaceOnChanges"] = ["triggers[*]"]
    (change,) = diff_documents(base, head).changes
    assert change.kind == REPLACE
    assert change.reasons[0].what == "triggers[0] changes: replace_on_changes 'triggers[*]'"


def test_a_resource_whose_forcing_input_comes_from_a_replaced_resource_is_replaced_too() -> None:
    """The dependent's recorded value may not change offline (mock ids); Pulumi sees it unknown and replaces."""
    vpc = resource("vpc", {"cidrBlock": "10.0.0.0/16"}, "aws:ec2/vpc:Vpc")
    subnet = resource(
        "subnet",
        {"vpcId": "vpc-1", "cidrBlock": "10.0.0.0/20"},
        "aws:ec2/subnet:Subnet",
        propertyDependencies={"vpcId": [vpc["urn"]]},
    )
    table = resource(
        "rt",
        {"vpcId": "vpc-1", "tags": {}},
        "aws:ec2/routeTable:RouteTable",
        propertyDependencies={"vpcId": [vpc["urn"]]},
    )
    flow = resource(
        "igw",
        {"vpcId": "vpc-1"},
        "aws:ec2/internetGateway:InternetGateway",
        propertyDependencies={"vpcId": [vpc["urn"]]},
    )
    base = document([vpc, subnet, table, flow])
    head = copy.deepcopy(base)
    head["resources"][0]["props"]["cidrBlock"] = "10.1.0.0/16"
    diff = diff_documents(base, head)
    assert dict(kinds(diff)) == {"vpc": REPLACE, "subnet": REPLACE, "rt": REPLACE, "igw": UPDATE}
    subnet_change = next(c for c in diff.changes if c.name == "subnet")
    assert subnet_change.reasons[0].what.startswith("vpcId comes from vpc, which is replaced")
    igw = next(c for c in diff.changes if c.name == "igw")
    assert igw.notes == ("vpcId takes the new value of vpc, which is replaced",)


def test_a_provider_whose_region_changes_replaces_every_resource_it_manages_and_is_not_counted() -> None:
    provider = resource("aws-provider", {"region": "us-east-1"}, "pulumi:providers:aws")
    ref = f"{provider['urn']}::provider-id"
    bucket = resource("bucket", {"bucket": "b"}, "aws:s3/bucket:Bucket", provider=ref)
    base = document([provider, bucket])
    head = copy.deepcopy(base)
    head["resources"][0]["props"]["region"] = "eu-west-1"
    diff = diff_documents(base, head)
    assert [(c.name, c.kind) for c in diff.resources] == [("bucket", REPLACE)]
    assert [(c.name, c.kind) for c in diff.provider_changes] == [("aws-provider", REPLACE)]
    assert diff.resources[0].reasons[0].what.startswith("its provider aws-provider is replaced")
    assert diff.summary() == "0 to create, 0 to update, 1 to replace, 0 to delete, 0 unchanged"


def test_an_alias_keeps_a_renamed_resource_and_a_new_urn_without_one_is_create_and_delete() -> None:
    base = document([resource("nat", {"subnetId": "s-1"}, "aws:ec2/natGateway:NatGateway")])
    renamed = resource("nat-0", {"subnetId": "s-1"}, "aws:ec2/natGateway:NatGateway")
    assert kinds(diff_documents(base, document([renamed]))) == [("nat", DELETE), ("nat-0", CREATE)]
    renamed["aliases"] = [base["resources"][0]["urn"]]
    diff = diff_documents(base, document([renamed]))
    assert not diff.changes and diff.unchanged == 1
    moved = resource("nat", {"subnetId": "s-1"}, "aws:ec2/natGateway:NatGateway")
    moved["urn"] = moved["urn"].replace("::aws:ec2", "::qmoi:aws:Network$aws:ec2")
    changes = diff_documents(base, document([moved])).changes
    (created,), (deleted,) = [c for c in changes if c.kind == CREATE], [c for c in changes if c.kind == DELETE]
    assert created.kind == CREATE and "Pulumi creates this one and deletes that one" in created.notes[0]
    assert deleted.kind == DELETE and deleted.notes[0].startswith("recreated as")


def test_a_policy_document_change_shows_the_statement_that_changed_not_two_long_strings() -> None:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "AllowCloudFrontRead",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::1:distribution/A"}},
        },
    ]
    policy: dict[str, Any] = {"Version": "2012-10-17", "Statement": statements}
    base = document(
        [resource("policy", {"bucket": "b", "policy": json.dumps(policy)}, "aws:s3/bucketPolicy:BucketPolicy")]
    )
    head = copy.deepcopy(base)
    changed = copy.deepcopy(policy)
    changed["Statement"][1]["Condition"]["StringEquals"]["AWS:SourceArn"] = "arn:aws:cloudfront::1:distribution/B"
    head["resources"][0]["props"]["policy"] = json.dumps(changed)
    (change,) = diff_documents(base, head).changes
    assert change.kind == UPDATE  # a bucket policy is updated in place
    (prop,) = change.properties
    assert (prop.path, prop.document, prop.label) == (
        "policy.Statement[1].Condition.StringEquals.AWS:SourceArn",
        "policy",
        'Sid "AllowCloudFrontRead"',
    )
    assert (
        change_path(prop)
        == 'policy (JSON) Statement[1].Condition.StringEquals.AWS:SourceArn [Sid "AllowCloudFrontRead"]'
    )
    # Statements matched by Sid: one added in front shifts nothing else.
    changed["Statement"].insert(0, {"Sid": "DenyDelete", "Effect": "Deny", "Action": "s3:DeleteBucket"})
    head["resources"][0]["props"]["policy"] = json.dumps(changed)
    props = diff_documents(base, head).changes[0].properties
    assert [(p.path, p.label, p.before) for p in props] == [
        ("policy.Statement[0]", 'Sid "DenyDelete"', None),
        (
            "policy.Statement[2].Condition.StringEquals.AWS:SourceArn",
            'Sid "AllowCloudFrontRead"',
            "arn:aws:cloudfront::1:distribution/A",
        ),
    ]


def test_long_strings_are_shown_around_their_first_difference() -> None:
    before = "#!/bin/bash\n" + "echo setup\n" * 40 + "curl https://example.com/v1/install.sh | sh\n"
    after = before.replace("/v1/", "/v2/")
    old, new = excerpt(before, after, 60)
    assert "v1" in old and "v2" in new and old.startswith("…")
    base = document([resource("lt", {"userData": before, "namePrefix": "lt-"})])
    head = document([resource("lt", {"userData": after, "namePrefix": "lt-"})])
    (prop,) = diff_documents(base, head).changes[0].properties
    assert "/v1/" in change_values(prop, 60)[0] and "/v2/" in change_values(prop, 60)[1]


def test_ignore_changes_leaves_the_ignored_inputs_out_as_the_engine_does() -> None:
    base = document([resource("web", {"namePrefix": "web-", "tags": {"owner": "a"}})])
    head = document([resource("web", {"namePrefix": "web-", "tags": {"owner": "b"}}, ignoreChanges=["tags"])])
    assert not diff_documents(base, head).changes


def test_a_subnet_range_that_grows_is_updated_in_place_and_one_that_shrinks_is_replaced() -> None:
    subnet = "gcp:compute/subnetwork:Subnetwork"
    base = document([resource("subnet", {"ipCidrRange": "10.0.0.0/20"}, subnet)])
    grown = document([resource("subnet", {"ipCidrRange": "10.0.0.0/19"}, subnet)])
    shrunk = document([resource("subnet", {"ipCidrRange": "10.0.0.0/21"}, subnet)])
    assert kinds(diff_documents(base, grown)) == [("subnet", UPDATE)]
    (change,) = diff_documents(base, shrunk).changes
    assert change.kind == REPLACE and "unless the new range contains the old one" in change.reasons[0].what


def test_a_type_missing_from_the_replacement_table_is_said_to_be_unknown_not_silently_an_update() -> None:
    instance = "aws:ec2/instance:Instance"
    base = document([resource("vm", {"instanceType": "t3.large"}, instance)])
    head = document([resource("vm", {"instanceType": "t3.xlarge"}, instance)])
    (change,) = diff_documents(base, head).changes
    assert change.kind == UPDATE and "not in the replacement table" in change.notes[0]


def test_the_pr_comment_says_not_priced_per_resource_and_lists_cost_details_never_zero_dollars() -> None:
    head = copy.deepcopy(BASE)
    web = head["resources"][0]["urn"]
    head["cost"]["resources"][web]["items"].append({"label": "64 GB OS disk", "monthly": None, "unpriced": "no price"})
    head["cost"]["notPriced"] = [{"resource": "web", "item": "64 GB OS disk", "why": "no price"}]
    text = render_compare_markdown(diff_documents(BASE, head))
    assert "<details><summary>Cost details (2 resources with a charge)</summary>" in text
    assert "| └ `64 GB OS disk` | - | NOT PRICED | |" in text
    assert "| **`web`** `aws:ec2/launchTemplate:LaunchTemplate` | $60.74 | $60.74 + NOT PRICED | +$0.00 |" in text
    assert "**NOT PRICED (1)**, not in the totals" in text and "at least $91.11" in text


def test_the_pr_comment_of_a_huge_diff_fits_the_limit_and_keeps_the_headline_and_summary() -> None:
    props = {f"setting{i}": "x" * 200 for i in range(40)}
    head = document(
        [resource(f"r{i:05d}", props | {"namePrefix": "r"}) for i in range(3000)],
        {f"r{i:05d}": 10.0 for i in range(3000)},
    )
    diff = diff_documents(BASE, head)
    for limit in (COMMENT_LIMIT, 20_000, 3_000):
        text = render_compare_markdown(diff, limit)
        assert len(text) <= limit
        assert text.startswith(f"### qmoi-cloud `dev`: {diff.headline()}\n\n**Resources: {diff.summary()}.**")
    assert "monthly cost will increase by $29,908.89" in render_compare_markdown(diff)
    assert "…and 29" in render_compare_markdown(diff)  # long lists are summarised, not cut


def test_the_pr_comment_shows_cost_per_provider_and_policy_verdicts() -> None:
    head = copy.deepcopy(BASE)
    head["resources"][0]["props"]["instanceType"] = "t3.xlarge"
    head["cost"]["resources"][head["resources"][0]["urn"]]["monthly"] = 91.11 + 30.36 - 30.37
    head["cost"]["byProvider"]["aws"] = head["cost"]["monthlyTotal"] = 121.47
    head["policy"] = {
        "passed": False,
        "mandatory": 1,
        "advisory": 0,
        "violations": [{"policy": "no-public-buckets", "level": "mandatory", "resource": "web", "message": "public"}],
    }
    text = render_compare_markdown(diff_documents(BASE, head))
    assert "| aws | $91.11 | $121.47 | +$30.36 |" in text
    assert "#### Policy: FAILED" in text and "`no-public-buckets`" in text
    assert "`instanceType`: `t3.large` → `t3.xlarge`" in text


def test_a_shipped_plan_compared_with_its_own_json_is_unchanged(stack_plan: Callable[[str], Plan]) -> None:
    plan = stack_plan("dev")
    doc = plan_document(plan)
    assert doc["cost"]["monthlyTotal"] > 0
    diff = diff_documents(doc, copy.deepcopy(doc))
    assert diff.is_empty and diff.unchanged == plan.resource_count


def test_compare_reads_the_base_json_from_a_file_and_renders_the_requested_format(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps(BASE), encoding="utf-8")
    head = document(
        [resource("web", {"instanceType": "t3.large", "namePrefix": "web-", "tags": {"owner": "b"}})], {"web": 60.74}
    )
    text = compare(base, json.dumps(head), "text")
    assert text.splitlines()[:2] == [
        "qmoi-cloud dev: monthly cost will decrease by $30.37 (-33.3%), from $91.11 to $60.74",
        "Resources: 0 to create, 1 to update, 0 to replace, 1 to delete, 0 unchanged",
    ]
    assert "~  web (aws:ec2/launchTemplate:LaunchTemplate) update, $60.74 -> $60.74" in text
    assert "~ tags.owner: a => b" in text
    assert json.loads(compare(base, json.dumps(head), "json"))["costDelta"] == pytest.approx(-30.37)


def test_a_base_in_a_newer_schema_is_refused_and_an_older_one_is_read_with_a_note() -> None:
    newer = copy.deepcopy(BASE) | {"schemaVersion": 99}
    assert "newer than this code reads" in plan_document_problems(newer, "dev")[0]
    older = {k: v for k, v in BASE.items() if k != "schemaVersion"}
    assert plan_document_problems(older, "dev") == []
    assert "schema version 1" in diff_documents(older, BASE).notes[0]
