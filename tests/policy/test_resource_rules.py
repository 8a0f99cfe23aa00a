# ruff: noqa: E501  (test data tables read better unwrapped)
"""Every resource rule, through the real pack over gRPC: a compliant baseline passes, one change fails it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy.conftest import RESOURCE_CONFIG, TAGS, check, record, with_change

LAUNCH_TEMPLATE = {
    "metadataOptions": {"httpTokens": "required"},
    "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "volumeSize": 30}}],
    "networkInterfaces": [{"associatePublicIpAddress": "false"}],
    "tags": TAGS,
}
AZURE_STORAGE = {
    "encryption": {"requireInfrastructureEncryption": True},
    "minimumTlsVersion": "TLS1_2",
    "enableHttpsTrafficOnly": True,
    "allowBlobPublicAccess": False,
    "tags": TAGS,
}
AZURE_VMSS = {
    "sku": {"name": "Standard_D8s_v3"},
    "virtualMachineProfile": {
        "securityProfile": {
            "encryptionAtHost": True,
            "securityType": "TrustedLaunch",
            "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
        },
        "networkProfile": {"networkInterfaceConfigurations": [{"name": "nic", "ipConfigurations": [{"name": "ip"}]}]},
    },
    "tags": TAGS,
}
KEY_POLICY = (
    '{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"kms:*","Resource":"*"}]}'
)
GCS_BUCKET = {
    "publicAccessPrevention": "enforced",
    "uniformBucketLevelAccess": True,
    "encryption": {"defaultKmsKeyName": "projects/p/locations/us/keyRings/r/cryptoKeys/k"},
    "labels": TAGS,
}
GCP_TEMPLATE = {
    "shieldedInstanceConfig": {"enableSecureBoot": True, "enableVtpm": True, "enableIntegrityMonitoring": True},
    "networkInterfaces": [{"network": "vpc"}],
    "labels": TAGS,
}
CLOUDFRONT = {
    "defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"},
    "viewerCertificate": {
        "acmCertificateArn": "arn:aws:acm:us-east-1:1:certificate/x",
        "minimumProtocolVersion": "TLSv1.2_2021",
    },
    "tags": TAGS,
}
NSG = {
    "securityRules": [
        {
            "name": "ssh-from-bastion",
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "sourceAddressPrefix": "10.0.0.0/8",
            "destinationPortRange": "22",
        }
    ],
    "tags": TAGS,
}

# (test id, rule, type token, compliant props, path to change, failing value)
CASES: list[tuple[str, str, str, dict[str, Any], tuple[str | int, ...], Any]] = [
    ("aws-kms-key-without-rotation", "kms-key-rotation", "aws:kms/key:Key",
     {"enableKeyRotation": True, "policy": KEY_POLICY, "tags": TAGS}, ("enableKeyRotation",), False),
    ("gcp-key-rotating-every-two-years", "kms-key-rotation", "gcp:kms/cryptoKey:CryptoKey",
     {"rotationPeriod": "7776000s", "labels": TAGS}, ("rotationPeriod",), "63072000s"),
    ("gcs-cmek-block-without-key", "cmek-where-configured", "gcp:storage/bucket:Bucket",
     GCS_BUCKET, ("encryption", "defaultKmsKeyName"), None),
    ("azure-storage-without-infrastructure-encryption", "azure-storage-infrastructure-encryption",
     "azure-native:storage:StorageAccount", AZURE_STORAGE, ("encryption", "requireInfrastructureEncryption"), False),
    ("azure-scale-set-without-encryption-at-host", "azure-encryption-at-host",
     "azure-native:compute:VirtualMachineScaleSet", AZURE_VMSS,
     ("virtualMachineProfile", "securityProfile", "encryptionAtHost"), False),
    ("launch-template-with-unencrypted-root-volume", "ebs-encryption", "aws:ec2/launchTemplate:LaunchTemplate",
     LAUNCH_TEMPLATE, ("blockDeviceMappings", 0, "ebs", "encrypted"), "false"),
    ("azure-storage-accepting-tls-1-0", "azure-storage-tls", "azure-native:storage:StorageAccount",
     AZURE_STORAGE, ("minimumTlsVersion",), "TLS1_0"),
    ("azure-storage-accepting-plain-http", "azure-storage-tls", "azure-native:storage:StorageAccount",
     AZURE_STORAGE, ("enableHttpsTrafficOnly",), False),
    ("function-app-accepting-http", "function-app-https", "azure-native:web:WebApp",
     {"httpsOnly": True, "siteConfig": {"minTlsVersion": "1.2"}, "tags": TAGS}, ("httpsOnly",), False),
    ("function-app-with-tls-1-0", "function-app-https", "azure-native:web:WebApp",
     {"httpsOnly": True, "siteConfig": {"minTlsVersion": "1.2"}, "tags": TAGS}, ("siteConfig", "minTlsVersion"), "1.0"),
    ("front-door-domain-with-tls-1-0", "front-door-tls", "azure-native:cdn:AFDCustomDomain",
     {"tlsSettings": {"minimumTlsVersion": "TLS12"}}, ("tlsSettings", "minimumTlsVersion"), "TLS10"),
    ("cloudfront-allowing-http", "cloudfront-https", "aws:cloudfront/distribution:Distribution",
     CLOUDFRONT, ("defaultCacheBehavior", "viewerProtocolPolicy"), "allow-all"),
    ("cloudfront-custom-certificate-with-tls-1-0", "cloudfront-https", "aws:cloudfront/distribution:Distribution",
     CLOUDFRONT, ("viewerCertificate", "minimumProtocolVersion"), "TLSv1"),
    ("gcp-ssl-policy-with-tls-1-0", "gcp-ssl-policy-tls12", "gcp:compute/sSLPolicy:SSLPolicy",
     {"minTlsVersion": "TLS_1_2", "profile": "MODERN"}, ("minTlsVersion",), "TLS_1_0"),
    ("gcs-bucket-without-public-access-prevention", "gcs-public-access-prevention", "gcp:storage/bucket:Bucket",
     GCS_BUCKET, ("publicAccessPrevention",), "inherited"),
    ("gcs-bucket-granted-to-all-users", "gcs-public-access-prevention", "gcp:storage/bucketIAMMember:BucketIAMMember",
     {"bucket": "b", "role": "roles/storage.objectViewer", "member": "serviceAccount:cdn@p.iam.gserviceaccount.com"},
     ("member",), "allUsers"),
    ("azure-storage-allowing-blob-public-access", "azure-blob-public-access", "azure-native:storage:StorageAccount",
     AZURE_STORAGE, ("allowBlobPublicAccess",), True),
    ("public-azure-container", "azure-blob-public-access", "azure-native:storage:BlobContainer",
     {"accountName": "acct", "publicAccess": "None"}, ("publicAccess",), "Blob"),
    ("public-read-spaces-bucket", "spaces-private", "digitalocean:index/spacesBucket:SpacesBucket",
     {"acl": "private", "region": "nyc3"}, ("acl",), "public-read"),
    ("aws-security-group-opening-ssh", "no-open-management-ports", "aws:ec2/securityGroup:SecurityGroup",
     {"ingress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}], "tags": TAGS},
     ("ingress", 0, "fromPort"), 22),
    ("gcp-firewall-opening-ssh-to-the-internet", "no-open-management-ports", "gcp:compute/firewall:Firewall",
     {"allows": [{"protocol": "tcp", "ports": ["22"]}], "sourceRanges": ["35.235.240.0/20"]},
     ("sourceRanges",), ["0.0.0.0/0"]),
    ("azure-nsg-opening-ssh-to-the-internet", "no-open-management-ports", "azure-native:network:NetworkSecurityGroup",
     NSG, ("securityRules", 0, "sourceAddressPrefix"), "Internet"),
    ("digitalocean-firewall-opening-rdp", "no-open-management-ports", "digitalocean:index/firewall:Firewall",
     {"inboundRules": [{"protocol": "tcp", "portRange": "443", "sourceAddresses": ["0.0.0.0/0", "::/0"]}]},
     ("inboundRules", 0, "portRange"), "3389"),
    ("launch-template-with-public-ip", "no-public-ip-on-instances", "aws:ec2/launchTemplate:LaunchTemplate",
     LAUNCH_TEMPLATE, ("networkInterfaces", 0, "associatePublicIpAddress"), "true"),
    ("gcp-template-with-external-ip", "no-public-ip-on-instances", "gcp:compute/instanceTemplate:InstanceTemplate",
     GCP_TEMPLATE, ("networkInterfaces", 0, "accessConfigs"), [{"networkTier": "STANDARD"}]),
    ("azure-scale-set-with-public-ip", "no-public-ip-on-instances", "azure-native:compute:VirtualMachineScaleSet",
     AZURE_VMSS,
     ("virtualMachineProfile", "networkProfile", "networkInterfaceConfigurations", 0, "ipConfigurations", 0,
      "publicIPAddressConfiguration"), {"name": "pip"}),
    ("lambda-url-without-auth", "no-unauthenticated-functions", "aws:lambda/functionUrl:FunctionUrl",
     {"functionName": "f", "authorizationType": "AWS_IAM"}, ("authorizationType",), "NONE"),
    ("gcp-function-invokable-by-all-users", "no-unauthenticated-functions",
     "gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember",
     {"cloudFunction": "f", "role": "roles/cloudfunctions.invoker", "member": "serviceAccount:lb@p.iam.gserviceaccount.com"},
     ("member",), "allUsers"),
    ("launch-template-allowing-imdsv1", "imdsv2-required", "aws:ec2/launchTemplate:LaunchTemplate",
     LAUNCH_TEMPLATE, ("metadataOptions", "httpTokens"), "optional"),
    ("gcp-template-without-secure-boot", "gcp-shielded-vm", "gcp:compute/instanceTemplate:InstanceTemplate",
     GCP_TEMPLATE, ("shieldedInstanceConfig", "enableSecureBoot"), False),
    ("azure-scale-set-without-trusted-launch", "azure-trusted-launch", "azure-native:compute:VirtualMachineScaleSet",
     AZURE_VMSS, ("virtualMachineProfile", "securityProfile", "securityType"), "Standard"),
    ("launch-template-without-owner-tag", "required-tags", "aws:ec2/launchTemplate:LaunchTemplate",
     LAUNCH_TEMPLATE, ("tags", "owner"), None),
    ("gcs-bucket-without-cost-center-label", "required-tags", "gcp:storage/bucket:Bucket",
     GCS_BUCKET, ("labels", "cost-center"), None),
    ("azure-resource-group-without-tags", "required-tags", "azure-native:resources:ResourceGroup",
     {"location": "eastus", "tags": TAGS}, ("tags",), {"owner": "platform-team"}),
    ("droplet-pool-piping-a-download-into-bash", "userdata-no-unpinned-remote-exec",
     "digitalocean:index/dropletAutoscale:DropletAutoscale",
     {"config": {"minInstances": 1, "maxInstances": 2},
      "dropletTemplate": {"size": "s-2vcpu-4gb", "tags": [f"{k}:{v}" for k, v in TAGS.items()],
                          "userData": "#cloud-config\npackages:\n  - [do-agent, '3.17.1']\n"}},
     ("dropletTemplate", "userData"), "#cloud-config\nruncmd:\n  - curl -sSL https://example.com/install.sh | bash\n"),
    ("droplet-pool-without-environment-tag", "required-tags", "digitalocean:index/dropletAutoscale:DropletAutoscale",
     {"dropletTemplate": {"size": "s-2vcpu-4gb", "tags": [f"{k}:{v}" for k, v in TAGS.items()]}},
     ("dropletTemplate", "tags"), ["project:qmoi-cloud", "owner:platform-team", "cost-center:cc-1042"]),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "type_", "props", "path", "value"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_compliant_baseline_passes_and_one_change_fails_the_rule(pack, rule, type_, props, path, value):
    baseline = check(pack, record(type_, "baseline", props), config=RESOURCE_CONFIG)
    assert baseline.violations == [], [v.detail for v in baseline.violations]
    changed = check(pack, record(type_, "changed", with_change(props, path, value)), config=RESOURCE_CONFIG)
    failing = [v for v in changed.violations if v.policy == rule]
    assert failing, f"{rule} did not fire; got {[v.policy for v in changed.violations]}"
    assert all(v.level == "mandatory" and v.resource == "changed" for v in failing)
    assert "changed" in failing[0].detail


def test_every_resource_rule_has_a_failing_case():
    from policy.rules import RULES
    from policy.rules.base import ResourceRule

    covered = {c[1] for c in CASES}
    assert {r.name for r in RULES if isinstance(r, ResourceRule)} <= covered
