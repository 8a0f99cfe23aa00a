"""The model the policy pack carries with it, so `policy/` runs anywhere: `policy/vendor/`, a generated copy.

The budget rules price the stack with the cost model (`infra.cost`), which reads the validated
configuration (`infra.config`), the price catalog (`infra.catalog`) and the plan's record types
(`infra.plan.records`); a few deploy contracts read naming rules of `infra.config`. A pack published
with `pulumi policy publish` and run by Pulumi Cloud policy groups has only its own directory and
the packages of its `requirements.txt`, so those four leaf packages travel inside it:
`policy/vendor/infra/...`, which `policy/__main__.py` puts first on the import path.

One piece of code: the copy is generated from `infra/` by `python -m infra policies --write-config`
(never edited by hand: every Python file says so in its first line), and a test fails when it
differs from what the sources give (tests/policy/test_standalone_pack.py). The linters, the type
checker, the layer test and the duplicates tool leave `vendor/` out: its source is checked where
it lives. The alternative, an installable distribution of these packages named in
`policy/requirements.txt`, would need a package index every machine that runs `pulumi preview`
can reach (a local path cannot be published); the copy needs nothing but PyPI.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from infra.check.pack_config import POLICY_DIR
from infra.config import ROOT

VENDOR_DIR = POLICY_DIR / "vendor"
# What the pack's rules import, and what that imports (tests/policy/test_standalone_pack.py checks the
# copy is closed under imports): package -> the files it takes (globs relative to the package).
VENDORED: dict[str, tuple[str, ...]] = {
    "infra": ("__init__.py",),
    "infra/catalog": ("__init__.py", "catalog.csv", "known.json"),
    "infra/config": ("*.py",),
    "infra/cost": ("*.py", "rules/*.py"),
    "infra/plan": ("__init__.py", "records.py"),
}
HEADER = (
    "# GENERATED from {source} by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).\n"
)
README = """# policy/vendor: generated, do not edit

A copy of the parts of `infra/` the policy pack's rules use (`infra.config`, `infra.catalog`,
`infra.cost`, `infra.plan.records`), so that `policy/` runs on its own: published with
`pulumi policy publish` and enforced by Pulumi Cloud policy groups, or copied anywhere.
`policy/__main__.py` puts this folder first on the import path.

Regenerate it with `python -m infra policies --write-config` after changing any of those
packages; a test fails while it differs from the sources. `MANIFEST` lists every file with
the sha256 of its content.
"""


def _sources() -> list[Path]:
    found: set[Path] = set()
    for package, patterns in VENDORED.items():
        for pattern in patterns:
            found |= {p for p in (ROOT / package).glob(pattern) if p.is_file() and "__pycache__" not in p.parts}
    return sorted(found)


def vendored_files() -> dict[str, bytes]:
    """Every file of `policy/vendor/` (path relative to it -> content), as the sources give them."""
    files: dict[str, bytes] = {}
    for source in _sources():
        relative = source.relative_to(ROOT).as_posix()
        content = source.read_bytes()
        if source.suffix == ".py":
            content = HEADER.format(source=relative).encode() + content
        files[relative] = content
    manifest = "".join(f"{hashlib.sha256(content).hexdigest()}  {path}\n" for path, content in sorted(files.items()))
    return files | {"README.md": README.encode(), "MANIFEST": manifest.encode()}


def _present(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def stale_files(root: Path = VENDOR_DIR) -> list[str]:
    """The files of `root` that differ from what the sources give (missing, changed or left over)."""
    wanted, present = vendored_files(), _present(root) if root.is_dir() else {}
    return sorted(path for path in set(wanted) | set(present) if wanted.get(path) != present.get(path))


def write_vendor(root: Path = VENDOR_DIR) -> list[Path]:
    """Rewrite `root` (policy/vendor) from the sources; returns the files written or removed."""
    wanted = vendored_files()
    touched = []
    for path in stale_files(root):
        target = root / path
        if path in wanted:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(wanted[path])
        else:
            target.unlink()
        touched.append(target)
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return touched
