"""chain/: deploy and manifest, bindings, revert decoding, concurrent sends, shared hashing."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from eth_abi.exceptions import EncodingError
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from web3.types import RPCEndpoint

import chain.ledger
from chain.abi import ContractCalls, call_view
from chain.deploy import CustomsBootstrap, deploy, load_manifest, write_manifest
from chain.errors import ChainError, ContractRevert, DeploymentNotFound
from chain.ledger import APPEND_GAS_CEILING, AppendResult, LedgerClient
from chain.logs import event_logs, receipt_events
from chain.node import AnvilNode
from chain.rpc import connect
from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import Entry, entry_hash, sign_entry
from evidence.event_types import EventType
from evidence.roles import Role
from evidence.types import ZERO_ADDRESS, ZERO_HASH, Address, Hash32

Consortium = tuple[LedgerClient, dict[str, LocalAccount]]


@pytest.fixture(scope="module")
def consortium(anvil: AnvilNode) -> Consortium:
    w3 = connect(anvil.url)
    people = {name: Account.create() for name in ("deployer", "cn", "de", "exporter", "importer", "carrier")}
    manifest = deploy(
        w3,
        people["deployer"],
        [
            CustomsBootstrap(people["cn"].address, "CN", "CN-GACC", "China Customs"),
            CustomsBootstrap(people["de"].address, "DE", "DE-GZD", "German Customs"),
        ],
    )
    client = LedgerClient(w3, manifest)
    client.admit_operator(people["cn"], people["exporter"].address, [Role.EXPORTER], "CN", "CN-E", "Exporter")
    client.admit_operator(people["cn"], people["carrier"].address, [Role.CARRIER], "CN", "CN-C", "Carrier")
    client.admit_operator(people["de"], people["importer"].address, [Role.IMPORTER], "DE", "DE-I", "Importer")
    return client, people


def make_entry(
    client: LedgerClient, reference_id: Hash32, actor: str, event: EventType, payload: dict[str, Any]
) -> Entry:
    count, head = client.head(reference_id)
    data = canonical_json(payload)
    return Entry(
        reference_id, count, head, event.type_id, payload_hash(data), payload_cid(data), ZERO_ADDRESS, Address(actor)
    )


def test_manifest_round_trip_and_chain_check(consortium: Consortium, tmp_path: Path, anvil: AnvilNode) -> None:
    client, _ = consortium
    path = tmp_path / "deployment.json"
    write_manifest(client.manifest, path)
    loaded = load_manifest(path, client.w3)
    assert loaded == client.manifest
    assert json.loads(path.read_text())["chain_id"] == 31337
    assert loaded.registry.block < loaded.ledger.block


def test_manifest_of_another_chain_is_refused(consortium: Consortium, tmp_path: Path) -> None:
    client, _ = consortium
    path = tmp_path / "deployment.json"
    data = client.manifest.to_json()
    data["chain_id"] = 1
    path.write_text(json.dumps(data))
    with pytest.raises(DeploymentNotFound, match="chain 1"):
        load_manifest(path, client.w3)


def test_manifest_without_code_is_refused(tmp_path: Path, consortium: Consortium) -> None:
    client, _ = consortium
    with AnvilNode() as fresh:
        path = tmp_path / "deployment.json"
        write_manifest(client.manifest, path)
        # The deployment block is another (or missing), or its contracts have no code.
        with pytest.raises(DeploymentNotFound, match=r"differs|no code"):
            load_manifest(path, connect(fresh.url))


def test_contract_and_evidence_compute_the_same_entry_hash(consortium: Consortium) -> None:
    client, people = consortium
    entry = Entry(
        Hash32(b"\x05" * 32),
        11,
        Hash32(b"\x06" * 32),
        EventType.HANDOVER.type_id,
        Hash32(b"\x07" * 32),
        "bafy-some-cid",
        Address(people["importer"].address),
        Address(people["carrier"].address),
    )
    assert client.hash_entry(entry) == entry_hash(entry, client.domain)


def test_revert_is_decoded_to_the_custom_error(consortium: Consortium) -> None:
    client, people = consortium
    with pytest.raises(ContractRevert) as caught:
        client.admit_operator(people["cn"], Account.create().address, [Role.IMPORTER], "DE", "X", "Y")
    assert caught.value.error == "ConsortiumRegistryForeignJurisdiction"
    assert caught.value.args_by_name["callerJurisdiction"] == "CN"


def test_append_and_read_back_the_record(consortium: Consortium) -> None:
    client, people = consortium
    cid, _ = client.create_consignment(
        people["exporter"], "CHAIN-T-1", "CN", "DE", [], people["importer"].address, people["carrier"].address
    )
    entry = make_entry(client, cid, people["carrier"].address, EventType.LOADING, {"n": 1})
    result = client.append(people["carrier"], entry, sign_entry(entry, client.domain, people["carrier"].key))
    assert result.entry_hash == entry_hash(entry, client.domain)
    record = client.record(cid, 0)
    assert record is not None
    assert record.entry_hash == result.entry_hash and record.actor == people["carrier"].address
    assert record.block_number == result.receipt.block_number
    assert client.head(cid) == (1, result.entry_hash)


def test_fifty_concurrent_appends_from_one_relayer_all_land(consortium: Consortium) -> None:
    """One relayer account sends 50 transactions at once: nonces never collide or skip."""
    client, people = consortium
    relayer, carrier = people["exporter"], people["carrier"]
    ids = [
        client.create_consignment(relayer, f"CONC-{i}", "CN", "DE", [], people["importer"].address, carrier.address)[0]
        for i in range(50)
    ]
    entries = [make_entry(client, cid, carrier.address, EventType.LOADING, {"i": i}) for i, cid in enumerate(ids)]

    def send(entry: Entry) -> AppendResult:
        return client.append(relayer, entry, sign_entry(entry, client.domain, carrier.key))

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(send, entries))
    assert len({r.receipt.tx_hash for r in results}) == 50
    assert all(client.head(cid)[0] == 1 for cid in ids)
    nonces = sorted(int(client.w3.eth.get_transaction(HexStr(r.receipt.tx_hash))["nonce"]) for r in results)
    assert nonces == list(range(nonces[0], nonces[0] + 50))


def test_stale_head_reverts_with_its_custom_error(consortium: Consortium) -> None:
    client, people = consortium
    cid, _ = client.create_consignment(
        people["exporter"], "CHAIN-T-2", "CN", "DE", [], people["importer"].address, people["carrier"].address
    )
    first = make_entry(client, cid, people["carrier"].address, EventType.LOADING, {"n": 1})
    client.append(people["carrier"], first, sign_entry(first, client.domain, people["carrier"].key))
    stale = Entry(
        cid,
        0,
        ZERO_HASH,
        EventType.DEPARTING.type_id,
        Hash32(b"\x01" * 32),
        "c",
        ZERO_ADDRESS,
        Address(people["carrier"].address),
    )
    with pytest.raises(ContractRevert) as caught:
        client.append(people["carrier"], stale, sign_entry(stale, client.domain, people["carrier"].key))
    assert caught.value.error == "ConsignmentLedgerStaleHead"
    assert client.head(cid)[0] == 1


def test_anvil_keeps_a_bounded_history_of_its_own_and_removes_it(tmp_path: Path) -> None:
    """anvil writes a whole state per past block to disk and never removes it; the node bounds
    that window, keeps it beside its state file, and removes it on stop."""
    state = tmp_path / "chain" / "state.json"
    node = AnvilNode(state_path=state, persisted_states=8).start()
    try:
        w3 = connect(node.url)
        history = state.parent / "history"
        assert node.history_dir == history
        w3.provider.make_request("anvil_mine", [hex(1000)])  # type: ignore[arg-type]  # past its memory
        head = w3.eth.block_number
        files = [f for f in history.rglob("*") if f.is_file()]
        assert 0 < len(files) <= 8
        # Reads at a block inside the window answer; the node refuses one beyond it.
        address = w3.eth.accounts[0]
        assert w3.eth.get_balance(address, block_identifier=head - 1) > 0
        beyond = w3.provider.make_request("eth_getBalance", [address, hex(1)])  # type: ignore[arg-type]
        assert "BlockOutOfRange" in str(beyond.get("error"))
    finally:
        node.stop()
    assert not history.exists()

    ephemeral = AnvilNode(persisted_states=2).start()
    directory = ephemeral.history_dir
    assert directory is not None and directory.is_dir()
    ephemeral.kill()
    assert not directory.exists()


def test_raw_logs_decode_as_web3_decodes_them(consortium: Consortium) -> None:
    """chain.logs reads eth_getLogs itself; every event it decodes matches web3's own
    decoding of the same logs, filters included, and carries the block's time."""
    client, people = consortium
    cid, _ = client.create_consignment(
        people["exporter"], "LOGS-1", "CN", "DE", ["NL"], people["importer"].address, people["carrier"].address
    )
    entry = make_entry(client, cid, people["carrier"].address, EventType.LOADING, {"logs": 1})
    result = client.append(people["carrier"], entry, sign_entry(entry, client.domain, people["carrier"].key))
    w3, first, last = client.w3, client.manifest.registry.block, client.w3.eth.block_number
    for contract, name, filters in (
        (client.ledger, "ConsignmentCreated", None),
        (client.ledger, "EventAppended", {"consignment": bytes(cid)}),
        (client.registry, "MemberAdmitted", None),
        (client.registry, "MemberAdmitted", {"account": [people["carrier"].address, people["importer"].address]}),
    ):
        ours = list(event_logs(contract, name, first, last, filters))
        theirs = contract.events[name]().get_logs(argument_filters=filters, from_block=first, to_block=last)
        assert ours, name
        assert [(o.args, o.block_number, o.log_index, o.tx_hash) for o in ours] == [
            (dict(t["args"]), t["blockNumber"], t["logIndex"], bytes(t["transactionHash"])) for t in theirs
        ]
        assert all(o.block_timestamp == w3.eth.get_block(o.block_number)["timestamp"] for o in ours)
    filtered = list(
        event_logs(client.registry, "MemberAdmitted", first, last, {"account": [people["carrier"].address]})
    )
    assert [log.args["account"] for log in filtered] == [people["carrier"].address]
    (appended,) = receipt_events(client.ledger, "EventAppended", result.receipt.logs)
    assert appended.args["actor"] == people["carrier"].address and appended.log_index == result.log_index
    assert receipt_events(client.registry, "MemberAdmitted", result.receipt.logs) == []  # not that contract's


def test_a_transaction_that_reverts_once_mined_is_explained_by_its_custom_error(
    consortium: Consortium, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two entries for the same head are both sent (an append is sent without the node's
    estimate: its relayer checked it); whichever is mined second reverts, and the sender
    names the contract's error, replayed as the relayer on the state its block left, not a
    bare failure."""
    client, people = consortium
    carrier = people["carrier"]
    cid, _ = client.create_consignment(
        people["exporter"], "CHAIN-T-RACE", "CN", "DE", [], people["importer"].address, carrier.address
    )
    rivals = [make_entry(client, cid, carrier.address, EventType.LOADING, {"rival": i}) for i in range(2)]
    provider = client.w3.provider
    forward = provider.make_request
    asked: list[str] = []

    def recorded(method: RPCEndpoint, params: Any) -> Any:
        asked.append(method)
        return forward(method, params)

    monkeypatch.setattr(provider, "make_request", recorded)
    forward(RPCEndpoint("evm_setAutomine"), [False])
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            sent = [
                pool.submit(client.append, people["exporter"], e, sign_entry(e, client.domain, carrier.key))
                for e in rivals
            ]
            deadline = time.monotonic() + 120  # a loaded machine can be slow; the pool is not
            while int(forward(RPCEndpoint("txpool_status"), [])["result"]["pending"], 16) < 2:
                failed = [f.exception() for f in sent if f.done() and f.exception() is not None]
                assert not failed, f"a rival failed before it was mined: {failed}"
                assert time.monotonic() < deadline, "the two transactions never reached the pool"
                time.sleep(0.05)
            forward(RPCEndpoint("evm_mine"), [])
            outcomes = [f.exception() or f.result() for f in sent]
    finally:
        forward(RPCEndpoint("evm_setAutomine"), [True])
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], ContractRevert)
    assert refused[0].error == "ConsignmentLedgerStaleHead"
    assert client.head(cid)[0] == 1
    assert "eth_estimateGas" not in asked


def test_every_kind_of_append_uses_under_half_its_gas_ceiling(consortium: Consortium) -> None:
    """An append is sent with APPEND_GAS_CEILING and no estimate: the first entry of a
    consignment, a handover to a carrier new to it (its costliest kind) and a customs control
    each use under half of it."""
    client, people = consortium
    carrier, newcomer = people["carrier"], Account.create()
    client.admit_operator(people["cn"], newcomer.address, [Role.CARRIER], "CN", "CN-C-GAS", "Carrier two")
    cid, _ = client.create_consignment(
        people["exporter"], "CHAIN-T-GAS", "CN", "DE", [], people["importer"].address, carrier.address
    )
    used = {}
    for event, actor, next_carrier in [
        (EventType.LOADING, carrier, ZERO_ADDRESS),
        (EventType.HANDOVER, carrier, Address(newcomer.address)),
        (EventType.RELEASED, people["de"], ZERO_ADDRESS),
    ]:
        entry = replace(make_entry(client, cid, actor.address, event, {"kind": event.name}), next_carrier=next_carrier)
        used[event.name] = client.append(actor, entry, sign_entry(entry, client.domain, actor.key)).receipt.gas_used
    print(f"gas per append: {used}")
    assert max(used.values()) * 2 <= APPEND_GAS_CEILING, used
    assert used["HANDOVER"] == max(used.values())


def test_an_append_whose_ceiling_proves_short_is_estimated_and_lands(
    consortium: Consortium, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of gas is not a refusal: the sender estimates the append and sends it again, and
    it lands once."""
    client, people = consortium
    carrier = people["carrier"]
    cid, _ = client.create_consignment(
        people["exporter"], "CHAIN-T-SHORT", "CN", "DE", [], people["importer"].address, carrier.address
    )
    entry = make_entry(client, cid, carrier.address, EventType.LOADING, {"short": 1})
    monkeypatch.setattr(chain.ledger, "APPEND_GAS_CEILING", 60_000)  # the first entry takes ~75,600
    before = client.w3.eth.get_transaction_count(carrier.address)
    result = client.append(carrier, entry, sign_entry(entry, client.domain, carrier.key))
    assert client.w3.eth.get_transaction_count(carrier.address) == before + 2  # the short one, then the estimated
    assert result.receipt.gas_used > 60_000
    assert client.head(cid) == (1, result.entry_hash)


def test_contract_calls_bind_as_web3_does_and_refuse_what_it_would(consortium: Consortium) -> None:
    client, _ = consortium
    calls = ContractCalls(client.ledger)
    cid = bytes.fromhex(client.logs.consignments()[0].id[2:])
    assert call_view(calls.head(cid)) == tuple(client.ledger.functions.head(cid).call())
    with pytest.raises(AttributeError, match="no function"):
        calls.noSuchFunction()
    with pytest.raises(EncodingError):
        call_view(calls.head("not 32 bytes"))


def test_a_send_whose_answer_was_lost_is_not_sent_again(
    consortium: Consortium, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The node took the transaction but its answer never came back (a connection lost
    mid-answer): the sender finds it on the node and waits for it, rather than signing the
    call again under the next nonce (which would append twice, or revert the second)."""
    client, people = consortium
    carrier = people["carrier"]
    cid, _ = client.create_consignment(
        people["exporter"], "CHAIN-T-LOST", "CN", "DE", [], people["importer"].address, carrier.address
    )
    entry = make_entry(client, cid, carrier.address, EventType.LOADING, {"lost": 1})
    provider = client.w3.provider
    forward = provider.make_request
    lost: list[str] = []

    def lose_the_first_send_answer(method: RPCEndpoint, params: Any) -> Any:
        answer = forward(method, params)
        if method == "eth_sendRawTransaction" and not lost:
            lost.append(answer["result"])
            raise ChainError("the connection broke mid-answer")
        return answer

    before = client.w3.eth.get_transaction_count(carrier.address)
    monkeypatch.setattr(provider, "make_request", lose_the_first_send_answer)
    result = client.append(carrier, entry, sign_entry(entry, client.domain, carrier.key))
    monkeypatch.undo()
    assert result.receipt.tx_hash == lost[0]
    assert client.w3.eth.get_transaction_count(carrier.address) == before + 1  # one transaction, not two
    assert client.head(cid) == (1, result.entry_hash)


def test_a_pending_count_behind_the_last_send_is_believed_only_when_the_node_lost_it(
    consortium: Consortium, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node that has not yet counted our last transaction (its pending count lags) must not
    make the sender reuse that nonce, which would replace the transaction; a node that lost
    it (it no longer knows the hash) is followed, leaving no gap."""
    client, people = consortium
    sender, relayer = client.sender, people["exporter"]
    transfer = {"to": people["importer"].address, "value": 0, "gas": 21_000}
    first = sender._send(relayer, transfer, 0)
    provider = client.w3.provider
    forward = provider.make_request
    counted = int(forward(RPCEndpoint("eth_getTransactionCount"), [relayer.address, "pending"])["result"], 16)

    def lagging(method: RPCEndpoint, params: Any) -> Any:
        if method == "eth_getTransactionCount":
            return {"jsonrpc": "2.0", "id": 0, "result": hex(counted - 1)}  # the last send not counted
        return forward(method, params)

    monkeypatch.setattr(provider, "make_request", lagging)
    second = sender._send(relayer, transfer, 0)
    monkeypatch.undo()
    nonces = [int(client.w3.eth.get_transaction(HexStr(h))["nonce"]) for h in (first, second)]
    assert nonces == [counted - 1, counted]  # not the same nonce twice
    # The node lost what we sent (it no longer knows the hash): its count is followed.
    sender._last_sent[relayer.address] = "0x" + "00" * 32
    sender._nonces[relayer.address] = counted + 5
    third = sender._send(relayer, transfer, 0)
    assert int(client.w3.eth.get_transaction(HexStr(third))["nonce"]) == counted + 1
