"""CheckpointLog: only the anchor role submits; tree sizes strictly increase."""

import pytest
from brownie import CheckpointLog
from conftest import reverts

from evidence.roles import Role

ROOT = b"\x07" * 32


@pytest.fixture(scope="module")
def checkpoints(registry, accounts, people):
    registry.admitOperator(
        people["outsider"], [Role.ANCHOR.role_id], b"CN", "CN-NODE", "CN node", {"from": people["cn"]}
    )
    return CheckpointLog.deploy(registry, {"from": accounts[0]})


def test_anchor_submits_and_sizes_increase(checkpoints, people):
    tx = checkpoints.submitCheckpoint(10, ROOT, {"from": people["outsider"]})
    assert tx.events["CheckpointAnchored"]["size"] == 10
    assert checkpoints.latest()[0] == 10
    with reverts("CheckpointLogSizeNotIncreasing"):
        checkpoints.submitCheckpoint(10, ROOT, {"from": people["outsider"]})
    checkpoints.submitCheckpoint(11, ROOT, {"from": people["outsider"]})
    assert checkpoints.checkpointCount() == 2


def test_others_cannot_submit(checkpoints, people):
    with reverts("CheckpointLogNotAnchor"):
        checkpoints.submitCheckpoint(1, ROOT, {"from": people["cn"]})
    with reverts("CheckpointLogNotAnchor"):
        checkpoints.submitCheckpoint(1, ROOT, {"from": people["exporter"]})
    assert checkpoints.checkpointCount() == 0
