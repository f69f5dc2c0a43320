"""The import graph keeps its layers (docs/architecture.md, Layers): modules may use tenants/ and
the platform, tenants/ may use the platform, the platform (zhengtong) uses neither, and no module
imports another. The contracts are in .importlinter; import-linter checks the whole graph,
indirect chains included, and names every offending import with its line."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.api import read_configuration

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
CONTRACTS = [c["id"] for c in read_configuration(str(CONFIG))["contracts_options"]]


def test_every_boundary_is_a_contract():
    assert CONTRACTS == ["layers", "modules-independent"]


@pytest.mark.parametrize("contract", CONTRACTS)
def test_import_contract_is_kept(contract):
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), str(CONFIG), "--contract", contract, "--no-cache", "--no-logo"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
