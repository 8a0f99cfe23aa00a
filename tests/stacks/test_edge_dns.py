"""The other clouds' CDN domains inside Cloudflare zones get their DNS-only records in Cloudflare, from the
clouds' outputs: ACM validation CNAMEs, the GCP load balancer's A record, Front Door's _dnsauth TXT and CNAME."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
import yaml

from components.cloudflare.dns import DnsOnlyRecord
from infra.config import load_stack_file
from infra.plan.mocks import PlatformMocks
from infra.plan.runner import plan_stack_file
from stacks.edge import check_names
from tests.conftest import ROOT

DNS = "cloudflare:index/dnsRecord:DnsRecord"
PREFIX = "qmoi-cloudflare-cloud-records-"
OUTSIDE = "media.example.com"
# Upstream outputs changed by name: they must reach the Cloudflare records unchanged (ACM order reversed).
OVERRIDES: dict[str, dict[str, Any]] = {
    "qmoi-aws-cdn-certificate": {
        "domainValidationOptions": [
            {
                "domainName": d,
                "resourceRecordName": f"_check-{i}.{d}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_answer-{i}.acm-validations.aws.",
            }
            for i, d in enumerate([OUTSIDE, "dev.qmoi.cloud", "dev.qmoi.ai"])
        ]
    },
    "qmoi-gcp-cdn-address": {"address": "203.0.113.7"},
    "qmoi-azure-cdn-endpoint": {"hostName": "changed-endpoint.z01.azurefd.net"},
    "qmoi-azure-cdn-domain-dev-assets-qmoi-ai": {
        "validationProperties": {"validationToken": "changed-token-123", "expirationDate": ""}
    },
}


def cloud_records(plan) -> dict[str, dict]:
    return {r.name.removeprefix(PREFIX): r.inputs for r in plan.of_type(DNS) if r.name.startswith(PREFIX)}


def slug(domain: str) -> str:
    return domain.replace(".", "-")


@pytest.fixture(scope="module")
def changed_plan(tmp_path_factory):
    """The dev stack with one CloudFront domain outside every zone, planned with upstream outputs changed."""
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["qmoi-cloud:aws"]["cloudfront"]["domains"].append(OUTSIDE)
    document["config"]["qmoi-cloud:digitalocean"]["enabled"] = False
    path = tmp_path_factory.mktemp("edge-dns") / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(document))
    return plan_stack_file(load_stack_file("dev", path), PlatformMocks(overrides=OVERRIDES))


def test_each_cloudfront_domain_gets_its_acm_validation_cname_unproxied_in_its_zone(dev_plan):
    records = cloud_records(dev_plan)
    domains = dev_plan.config.aws.cloudfront.domains
    acm = dev_plan.outputs["aws"]["certificate_validation_records"]  # the certificate's domainValidationOptions
    assert len(acm) == len(domains) == 2
    for domain in domains:
        option = next(o for o in acm if o["name"].endswith(f".{domain}."))
        record = records[f"aws-validation-{slug(domain)}"]
        assert record["type"] == option["type"] == "CNAME" and record["proxied"] is False
        assert record["name"] == option["name"].rstrip(".")
        assert record["content"] == option["value"].rstrip(".")
        assert record["zoneId"] == dev_plan.config.cloudflare.zone_of(domain).zone_id


def test_the_gcp_cdn_domain_gets_an_unproxied_a_record_to_the_global_address(dev_plan):
    address = dev_plan.outputs["gcp"]["cdn_address"]
    assert address.count(".") == 3
    for domain in dev_plan.config.gcp.cdn.domains:
        record = cloud_records(dev_plan)[f"gcp-origin-{slug(domain)}"]
        assert (record["type"], record["name"], record["content"], record["proxied"]) == ("A", domain, address, False)


def test_the_azure_custom_domain_gets_its_dnsauth_txt_and_a_cname_to_the_endpoint(dev_plan):
    host = dev_plan.outputs["azure"]["cdn_domain"]
    exported = dev_plan.outputs["azure"]["custom_domain_records"]
    records = cloud_records(dev_plan)
    for domain in dev_plan.config.azure.cdn.domains:
        token = exported[domain]["txt_value"]
        txt, cname = records[f"azure-dnsauth-{slug(domain)}"], records[f"azure-origin-{slug(domain)}"]
        assert (txt["type"], txt["name"], txt["content"], txt["proxied"]) == (
            "TXT",
            f"_dnsauth.{domain}",
            f'"{token}"',
            False,
        )
        assert len(token) == 32 and host.endswith(".azurefd.net") and exported[domain]["cname"] == host
        assert (cname["type"], cname["name"], cname["content"], cname["proxied"]) == ("CNAME", domain, host, False)


def test_cloud_records_are_untagged_children_of_their_component_on_a_free_zone(dev_plan):
    component = dev_plan.named("qmoi-cloudflare-cloud-records")
    children = [r for r in dev_plan.of_type(DNS) if r.name.startswith(PREFIX)]
    assert len(children) == 5  # 2 ACM + 1 GCP + 2 Azure; DigitalOcean needs its own DNS
    assert dev_plan.config.cloudflare.zone_plan == "free"  # record tags need a paid plan
    assert all(r.parent == component.urn and "tags" not in r.inputs for r in children)
    assert all(len(r.inputs["comment"]) <= 100 for r in children)
    assert dev_plan.outputs["cloudflare"]["cloud_records"]["gcp-origin-dev-media-qmoi-ai"] == "dev.media.qmoi.ai"


def test_changed_upstream_outputs_flow_into_the_records_and_acm_options_are_matched_by_domain(changed_plan):
    records = cloud_records(changed_plan)
    assert (records["aws-validation-dev-qmoi-ai"]["name"], records["aws-validation-dev-qmoi-ai"]["content"]) == (
        "_check-2.dev.qmoi.ai",
        "_answer-2.acm-validations.aws",
    )
    assert records["aws-validation-dev-qmoi-cloud"]["name"] == "_check-1.dev.qmoi.cloud"
    assert records["gcp-origin-dev-media-qmoi-ai"]["content"] == "203.0.113.7"
    assert records["azure-dnsauth-dev-assets-qmoi-ai"]["content"] == '"changed-token-123"'
    assert records["azure-origin-dev-assets-qmoi-ai"]["content"] == "changed-endpoint.z01.azurefd.net"


def test_a_domain_outside_every_zone_gets_no_record_but_stays_in_the_aws_exports(changed_plan):
    assert not any(OUTSIDE in str(r.inputs.get("name")) for r in changed_plan.of_type(DNS))
    assert f"aws-validation-{slug(OUTSIDE)}" not in cloud_records(changed_plan)
    exported = {r["name"] for r in changed_plan.outputs["aws"]["certificate_validation_records"]}
    assert f"_check-0.{OUTSIDE}." in exported


def test_a_cdn_domain_that_is_also_a_proxied_edge_hostname_is_refused(dev_plan):
    hostname = dev_plan.config.cloudflare.zones[0].hostnames[0]
    clash = DnsOnlyRecord("gcp", "origin", hostname, "z", "A", hostname, "203.0.113.7", "GCP load balancer")
    with pytest.raises(pulumi.RunError, match=f"'{hostname}' is both a gcp CDN domain and in cloudflare.zones"):
        check_names(dev_plan.config, [clash])
