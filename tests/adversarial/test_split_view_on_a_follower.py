"""A node that follows the consortium's Merkle log (its relayer is no anchor): a checkpoint
beyond the leaves it holds is one it has not followed yet, never a split-view alarm; a
checkpoint whose segment does not extend its log to the anchored root is one, raised by the
follower that found it. (Its own module: the bogus checkpoint stays on this runtime's chain.)"""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from api.http.app import create_app
from api.runtime import Runtime
from tests.api.conftest import auth
from tests.api.test_batch import open_consignment, register_carrier, signed_chain
from tests.support import Keys, anchor_now, checkpoint_log, checkpointer, rogue_anchor, second_node


def _share_content(source: Runtime, target: Runtime) -> None:
    """What the content network does between two nodes: the blocks of one reach the other."""
    blocks = "blocks"
    shutil.copytree(source.settings.data_dir / blocks, target.settings.data_dir / blocks, dirs_exist_ok=True)


def _health(runtime: Runtime) -> tuple[int, dict[str, object]]:
    with TestClient(create_app(runtime=runtime)) as client:
        answer = client.get("/healthz")
        return answer.status_code, answer.json()


def test_a_follower_behind_the_log_is_no_split_view_and_a_segment_off_its_log_is(
    client: TestClient, keys: Keys, demo_runtime: Runtime, tmp_path: Path
) -> None:
    account, headers = register_carrier(client, keys, "Follower Rail", "CN-FOLLOW")
    open_consignment(client, keys, "FOLLOW-0001", account.address)
    with second_node(demo_runtime, tmp_path) as (follower, _):
        follower.services.follower.stop()  # offline while the log grows
        items = signed_chain(client, headers, account, "FOLLOW-0001", 20)
        assert client.post("/v1/batch/entries", json={"entries": items}, headers=headers).status_code == 201
        anchor_now(demo_runtime)
        operated = demo_runtime.services.node.index.latest_checkpoint()
        assert operated is not None and follower.services.node.index.log_leaf_count() < operated.size

        # Behind is not split: nothing to judge until the follower has read the segment.
        assert checkpointer(follower).watch() is None
        assert _health(follower)[0] == 200

        _share_content(demo_runtime, follower)
        follower.services.follower.run_once()
        followed = follower.services.node.index.latest_checkpoint()
        assert followed is not None and followed.size == operated.size
        assert checkpointer(follower).watch() is None and _health(follower)[0] == 200

        # A rogue anchor (admitted by a colluding majority) anchors a head whose segment is a
        # real one, of leaves the follower holds already: it cannot extend the log to that root.
        rogue = rogue_anchor(demo_runtime, keys, "CN-ROGUE-2")
        bogus_size = operated.size + 7
        checkpoint_log(demo_runtime).submit(rogue, bogus_size, b"\x66" * 32, operated.leaves_cid)

        follower.services.follower.run_once()
        split = checkpointer(follower).watch()
        assert split is not None and str(bogus_size) in split, split
        status, body = _health(follower)
        assert status == 503 and body["error"] == "split_view"
        # Nothing of the bogus head is taken; what the follower proved stays.
        assert follower.services.node.index.latest_checkpoint() == followed
        auditor = auth(keys, "auditor")
        assert client.get("/v1/batch/checkpoint", headers=auditor).json()["size"] == operated.size
