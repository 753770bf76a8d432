"""EIP-712 entry hashing, signing and recovery, against an independent computation."""

import pytest
from eth_abi.abi import encode
from eth_account import Account
from eth_utils.crypto import keccak

from evidence.eip712 import (
    Domain,
    Entry,
    compact_signature,
    entry_hash,
    expand_signature,
    recover_signer,
    sign_entry,
)
from evidence.errors import LedgerValueError
from evidence.types import ZERO_ADDRESS, Address, Hash32

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
KEY = "0x" + "42" * 32
ACTOR = Account.from_key(KEY).address
DOMAIN = Domain(chain_id=31337, verifying_contract=Address("0x5FbDB2315678afecb367f032d93F642f64180aa3"))
ENTRY = Entry(
    consignment=Hash32(keccak(text="CQ-DUI-2026-0001")),
    seq=3,
    prev_hash=Hash32(b"\x01" * 32),
    event_type=Hash32(keccak(text="LOADING")),
    payload_hash=Hash32(b"\x02" * 32),
    cid="bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq",
    next_carrier=ZERO_ADDRESS,
    actor=ACTOR,
)


def independent_digest(entry: Entry, domain: Domain, type_name: str = "Entry") -> bytes:
    """EIP-712 written out by hand from the spec, with eth_abi only."""
    type_string = type_name + (
        "(bytes32 consignment,uint64 seq,bytes32 prevHash,bytes32 eventType,bytes32 payloadHash,"
        "string cid,address nextCarrier,address actor)"
    )
    struct_hash = keccak(
        encode(
            ["bytes32", "bytes32", "uint64", "bytes32", "bytes32", "bytes32", "bytes32", "address", "address"],
            [
                keccak(text=type_string),
                entry.consignment,
                entry.seq,
                entry.prev_hash,
                entry.event_type,
                entry.payload_hash,
                keccak(text=entry.cid),
                entry.next_carrier,
                entry.actor,
            ],
        )
    )
    domain_type = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    separator = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                keccak(text=domain_type),
                keccak(text="BorderLedger"),
                keccak(text="1"),
                domain.chain_id,
                domain.verifying_contract,
            ],
        )
    )
    return keccak(b"\x19\x01" + separator + struct_hash)


def test_entry_hash_matches_the_spec_computed_by_hand() -> None:
    assert entry_hash(ENTRY, DOMAIN) == independent_digest(ENTRY, DOMAIN)


def test_entry_hash_binds_every_field_and_the_domain() -> None:
    base = entry_hash(ENTRY, DOMAIN)
    assert entry_hash(ENTRY.__class__(**{**ENTRY.__dict__, "seq": 4}), DOMAIN) != base
    assert entry_hash(ENTRY.__class__(**{**ENTRY.__dict__, "cid": "x"}), DOMAIN) != base
    assert entry_hash(ENTRY, Domain(1, DOMAIN.verifying_contract)) != base
    assert entry_hash(ENTRY, Domain(31337, Address("0x" + "11" * 20))) != base


def test_signature_recovers_the_actor() -> None:
    signature = sign_entry(ENTRY, DOMAIN, KEY)
    assert len(signature) == 65
    assert recover_signer(ENTRY, DOMAIN, signature) == ACTOR


def test_signature_over_other_entry_recovers_someone_else() -> None:
    signature = sign_entry(ENTRY, DOMAIN, KEY)
    other = ENTRY.__class__(**{**ENTRY.__dict__, "seq": 9})
    assert recover_signer(other, DOMAIN, signature) != ACTOR


def test_malleable_high_s_signature_is_refused() -> None:
    signature = sign_entry(ENTRY, DOMAIN, KEY)
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    flipped = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v if v in (27, 28) else v ^ 1])
    with pytest.raises(LedgerValueError, match="malleable"):
        recover_signer(ENTRY, DOMAIN, flipped)


def test_truncated_signature_is_refused() -> None:
    with pytest.raises(LedgerValueError, match="65 bytes"):
        recover_signer(ENTRY, DOMAIN, b"\x00" * 64)


def test_direct_encoding_equals_eth_account_typed_data_encoder() -> None:
    from eth_account.messages import encode_typed_data

    from evidence.eip712 import ENTRY_TYPES

    for entry in (ENTRY, ENTRY.__class__(**{**ENTRY.__dict__, "seq": 2**63, "cid": "ünïcode", "next_carrier": ACTOR})):
        signable = encode_typed_data(DOMAIN.as_dict(), ENTRY_TYPES, entry.message())
        assert entry_hash(entry, DOMAIN) == keccak(b"\x19" + signable.version + signable.header + signable.body)


def test_recovery_id_must_be_27_or_28() -> None:
    signature = bytearray(sign_entry(ENTRY, DOMAIN, KEY))
    signature[64] = 30
    with pytest.raises(LedgerValueError, match="recovery id"):
        recover_signer(ENTRY, DOMAIN, bytes(signature))


def test_a_log_entry_is_another_type_whose_signature_never_passes_for_a_ledger_entry() -> None:
    """Finding 7 of the trust review: batched entries are signed as ``LogEntry``, so no relayer
    can replay one through ConsignmentLedger.appendEvent (which recovers an ``Entry``)."""
    log_digest = entry_hash(ENTRY, DOMAIN, log=True)
    assert log_digest == independent_digest(ENTRY, DOMAIN, "LogEntry") != entry_hash(ENTRY, DOMAIN)
    log_signature = sign_entry(ENTRY, DOMAIN, KEY, log=True)
    assert recover_signer(ENTRY, DOMAIN, log_signature, log=True) == ACTOR
    assert recover_signer(ENTRY, DOMAIN, log_signature) != ACTOR
    assert recover_signer(ENTRY, DOMAIN, sign_entry(ENTRY, DOMAIN, KEY), log=True) != ACTOR


@pytest.mark.parametrize("seq", range(8))
def test_compact_signature_round_trips_both_parities(seq: int) -> None:
    """ERC-2098, as the ledger takes signatures: (r, yParity ‖ s) and back, for either parity."""
    entry = ENTRY.__class__(**{**ENTRY.__dict__, "seq": seq})
    signature = sign_entry(entry, DOMAIN, KEY)
    r, vs = compact_signature(signature)
    assert len(r) == len(vs) == 32 and r == signature[:32]
    assert vs[0] >> 7 == signature[64] - 27
    assert expand_signature(r, vs) == signature
    assert recover_signer(entry, DOMAIN, expand_signature(r, vs)) == ACTOR


def test_compact_form_refuses_what_the_ledger_refuses() -> None:
    signature = sign_entry(ENTRY, DOMAIN, KEY)
    s = int.from_bytes(signature[32:64], "big")
    high_s = signature[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    with pytest.raises(LedgerValueError, match="malleable"):
        compact_signature(high_s)
    with pytest.raises(LedgerValueError, match="65 bytes"):
        compact_signature(signature[:64])
    with pytest.raises(LedgerValueError, match="27 or 28"):
        compact_signature(signature[:64] + b"\x01")
