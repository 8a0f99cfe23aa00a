"""The qmoi-cloud Pulumi program: validated stack config in, every enabled platform out.

`pulumi up` runs this file; so do the offline plan and the tests (on the mock runtime).
"""

from infra.config import from_pulumi
from stacks import build

build(from_pulumi())
