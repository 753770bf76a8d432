"""CheckpointLog: only the anchor role submits; tree sizes strictly increase."""

from typing import Any

from conftest import reverts

ROOT = b"\x07" * 32
SEGMENT = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


def test_anchor_submits_and_sizes_increase(checkpoints: Any, people: Any) -> None:
    tx = checkpoints.submitCheckpoint(10, ROOT, SEGMENT, {"from": people["outsider"]})
    assert tx.events["CheckpointAnchored"]["size"] == 10
    assert tx.events["CheckpointAnchored"]["leavesCid"] == SEGMENT
    assert checkpoints.latest()[0] == 10
    with reverts("CheckpointLogSizeNotIncreasing"):
        checkpoints.submitCheckpoint(10, ROOT, SEGMENT, {"from": people["outsider"]})
    checkpoints.submitCheckpoint(11, ROOT, SEGMENT, {"from": people["outsider"]})
    assert checkpoints.checkpointCount() == 2


def test_others_cannot_submit(checkpoints: Any, people: Any) -> None:
    with reverts("CheckpointLogNotAnchor"):
        checkpoints.submitCheckpoint(1, ROOT, SEGMENT, {"from": people["cn"]})
    with reverts("CheckpointLogNotAnchor"):
        checkpoints.submitCheckpoint(1, ROOT, SEGMENT, {"from": people["exporter"]})
    assert checkpoints.checkpointCount() == 0
