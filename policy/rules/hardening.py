"""Host hardening: IMDSv2 on AWS, Shielded VM on GCP, Trusted Launch on Azure where the size supports it,
and no unpinned remote code run at boot (`curl ... | bash` in user data)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from pulumi_policy import Severity

from policy.rules.base import Res, ResourceRule, get, is_false, is_true, known
from policy.rules.encryption import AZURE_VMS, GCP_INSTANCES
from policy.rules.exposure import AWS_INSTANCES

# Azure sizes without Trusted Launch (Gen1-only or unsupported series): A v1/Basic, NC v1/v2,
# ND v1, NV v1, M-series v1, and the H-series without _v3 (per Microsoft's Trusted Launch docs).
NO_TRUSTED_LAUNCH = re.compile(
    r"^(Basic_A|Standard_A\d+$|Standard_NC\d+r?(_Promo)?$|Standard_NC\d+r?s_v2$|Standard_ND\d+r?s?$|"
    r"Standard_NV\d+(_Promo)?$|Standard_M\d|Standard_H\d)",
)


# User data that runs whatever a URL serves at boot, or trusts a key fetched on the fly.
REMOTE_EXEC = re.compile(
    r"((curl|wget)[^\n|;]*\|\s*(sudo\s+)?(ba|z|da)?sh\b|(ba|z)?sh\s+<\(\s*(curl|wget)|apt-key\s+add)"
)
USER_DATA = {
    "digitalocean:index/dropletAutoscale:DropletAutoscale": ("dropletTemplate", "userData"),
    "digitalocean:index/droplet:Droplet": ("userData",),
    "aws:ec2/launchTemplate:LaunchTemplate": ("userData",),
    "aws:ec2/instance:Instance": ("userData",),
    "azure-native:compute:VirtualMachineScaleSet": ("virtualMachineProfile", "userData"),
    "gcp:compute/instanceTemplate:InstanceTemplate": ("metadata", "startup-script"),
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate": ("metadata", "startup-script"),
}


def _decoded(text: str) -> str:
    """User data as text: base64 (AWS, Azure) decoded when it is that."""
    try:
        decoded = base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return text
    return decoded if decoded.isprintable() or "\n" in decoded else text


def _no_remote_exec(res: Res) -> Iterator[str]:
    scripts = [res.get(*USER_DATA[res.type])] if res.type in USER_DATA else []
    if res.type == "azure-native:compute:VirtualMachineScaleSet":
        scripts.append(res.get("virtualMachineProfile", "osProfile", "customData"))
    for script in scripts:
        if not known(script) or not isinstance(script, str):
            continue
        text = _decoded(script)
        if (match := REMOTE_EXEC.search(text)) and not re.search(r"sha256sum -c|gpg --verify", text):
            yield (
                f"user data runs {match.group(0)!r}: whatever that URL serves at boot, unverified. Install from a "
                "signed repository with a pinned key and version, or check a pinned checksum first"
            )


def _imdsv2(res: Res) -> Iterator[str]:
    tokens = res.get("metadataOptions", "httpTokens")
    if known(tokens) and tokens != "required":
        yield f"metadataOptions.httpTokens is {tokens or 'unset (optional: IMDSv1 allowed)'}; must be required"


def _shielded(res: Res) -> Iterator[str]:
    config = res.get("shieldedInstanceConfig")
    if not known(config):
        return
    if not is_true(get(config, "enableSecureBoot")):
        yield "shieldedInstanceConfig.enableSecureBoot must be true"
    for flag in ("enableVtpm", "enableIntegrityMonitoring"):
        if is_false(get(config, flag)):
            yield f"shieldedInstanceConfig.{flag} must not be false"


def _trusted_launch(res: Res) -> Iterator[str]:
    scale_set = res.type.endswith("VirtualMachineScaleSet")
    size = res.get("sku", "name") if scale_set else res.get("hardwareProfile", "vmSize")
    if isinstance(size, str) and NO_TRUSTED_LAUNCH.match(size):
        return
    profile = res.get("virtualMachineProfile") if scale_set else res.props
    security = get(profile, "securityProfile")
    if not known(security):
        return
    kind = get(security, "securityType")
    if kind not in ("TrustedLaunch", "ConfidentialVM"):
        yield f"securityProfile.securityType is {kind or 'unset (Standard)'}; must be TrustedLaunch"
        return
    for flag in ("secureBootEnabled", "vTpmEnabled"):
        if not is_true(get(security, "uefiSettings", flag)):
            yield f"securityProfile.uefiSettings.{flag} must be true"


RULES = [
    ResourceRule(
        name="userdata-no-unpinned-remote-exec",
        area="hardening",
        description="No user data pipes a download into a shell or trusts a key fetched at boot.",
        severity=Severity.HIGH,
        types=tuple(USER_DATA),
        check=_no_remote_exec,
        cannot_see="what a pinned package or image runs itself; scripts fetched by configuration management",
        remediation="Vendor the repository key, pin the package version (components/digitalocean/compute.py).",
    ),
    ResourceRule(
        name="imdsv2-required",
        area="hardening",
        description="AWS instances require IMDSv2 session tokens (httpTokens required).",
        severity=Severity.HIGH,
        types=AWS_INSTANCES,
        check=_imdsv2,
        cannot_see="nothing (a static setting)",
        remediation="metadata_options=LaunchTemplateMetadataOptionsArgs(http_tokens='required', ...).",
    ),
    ResourceRule(
        name="gcp-shielded-vm",
        area="hardening",
        description="GCP instances use Shielded VM: secure boot, vTPM and integrity monitoring.",
        severity=Severity.MEDIUM,
        types=GCP_INSTANCES,
        check=_shielded,
        cannot_see="whether the image supports Shielded VM (UEFI); the API rejects it at create time",
        remediation="shielded_instance_config=...(enable_secure_boot=True, enable_vtpm=True, "
        "enable_integrity_monitoring=True).",
    ),
    ResourceRule(
        name="azure-trusted-launch",
        area="hardening",
        description="Azure scale sets and VMs use Trusted Launch (secure boot, vTPM) where the size supports it.",
        severity=Severity.MEDIUM,
        types=AZURE_VMS,
        check=_trusted_launch,
        cannot_see="whether the image is Gen2; sizes outside the known unsupported list are assumed to support it",
        remediation="security_profile=SecurityProfileArgs(security_type='TrustedLaunch', "
        "uefi_settings=UefiSettingsArgs(secure_boot_enabled=True, v_tpm_enabled=True)).",
    ),
]
