"""Bindings to the AEORegistry: certificates, MRAs, recognition, history from the logs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract

from chain.abi import call_view, decode_jurisdiction
from chain.compile import load_artifact
from chain.logs import receipt_events
from chain.sender import Receipt, TransactionSender
from evidence.aeo import STATUS_NAMES, Reason
from evidence.types import Hash32


def certificate_id(number: str) -> Hash32:
    """The on-chain id of a certificate: keccak256 of its number."""
    return Hash32(keccak(text=number))


@dataclass(frozen=True)
class CertificateInfo:
    """A certificate as the AEORegistry records it."""

    id: Hash32
    holder: str
    issuer: str
    programmes: int
    status: str
    valid_from: int
    valid_until: int
    issued_at: int
    issued_by: str
    document_hash: Hash32
    data_hash: Hash32
    document_cid: str


@dataclass(frozen=True)
class Recognition:
    """The registry's answer to "is this certificate recognised by these customs?"."""

    recognised: bool
    reason: Reason
    programmes: int


class AEOClient:
    """The deployed AEORegistry."""

    def __init__(self, w3: Web3, address: str, deployed_block: int, sender: TransactionSender) -> None:
        self.w3 = w3
        self.sender = sender
        self.deployed_block = deployed_block
        self.contract: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=load_artifact("AEORegistry")["abi"]
        )

    def issue(
        self,
        customs: LocalAccount,
        number: str,
        holder: str,
        programmes: int,
        valid_from: int,
        valid_until: int,
        document_hash: bytes,
        document_cid: str,
        data_hash: bytes,
    ) -> Receipt:
        """Issue a certificate as ``customs``."""
        request = (
            number,
            Web3.to_checksum_address(holder),
            programmes,
            valid_from,
            valid_until,
            document_hash,
            document_cid,
            data_hash,
        )
        return self.sender.transact(customs, self.contract.functions.issueCertificate(request))

    def change_status(self, customs: LocalAccount, number: str, action: str, reason: str) -> Receipt:
        """``action`` is suspend, reinstate or revoke."""
        fn = {
            "suspend": self.contract.functions.suspendCertificate,
            "reinstate": self.contract.functions.reinstateCertificate,
            "revoke": self.contract.functions.revokeCertificate,
        }[action]
        return self.sender.transact(customs, fn(bytes(certificate_id(number)), reason))

    def certificate(self, number: str) -> CertificateInfo:
        """The certificate ``number`` (status "none" if never issued)."""
        cid = certificate_id(number)
        c = call_view(self.contract.functions.certificate(bytes(cid)))
        (
            holder,
            issuer,
            programmes,
            status,
            valid_from,
            valid_until,
            issued_at,
            issued_by,
            doc_hash,
            data_hash,
            doc_cid,
        ) = c
        return CertificateInfo(
            cid,
            holder,
            decode_jurisdiction(issuer) if status else "",
            programmes,
            STATUS_NAMES[status],
            valid_from,
            valid_until,
            issued_at,
            issued_by,
            Hash32(bytes(doc_hash)),
            Hash32(bytes(data_hash)),
            doc_cid,
        )

    def recognition(self, number: str, jurisdiction: str, at: int | None = None) -> Recognition:
        """Whether customs of ``jurisdiction`` recognise the certificate now, or at unix time ``at``."""
        cid = bytes(certificate_id(number))
        code = jurisdiction.encode("ascii")
        if at is None:
            recognised, reason, programmes = call_view(self.contract.functions.isRecognised(cid, code))
        else:
            recognised, reason, programmes = call_view(self.contract.functions.isRecognisedAt(cid, code, at))
        return Recognition(bool(recognised), Reason(reason), int(programmes))

    def recognised_at_block(self, number: str, jurisdiction: str, block: int) -> Recognition:
        """Whether customs of ``jurisdiction`` recognised the certificate as the registry stood
        at ``block`` (exact to the block, where timestamps may be shared by several)."""
        cid = bytes(certificate_id(number))
        fn = self.contract.functions.isRecognised(cid, jurisdiction.encode("ascii"))
        recognised, reason, programmes = call_view(fn, block)
        return Recognition(bool(recognised), Reason(reason), int(programmes))

    def certificates_of(self, holder: str, to_block: int) -> list[str]:
        """Numbers of the certificates issued to ``holder`` up to ``to_block``, from the logs."""
        logs = self.contract.events.CertificateIssued().get_logs(
            argument_filters={"holder": Web3.to_checksum_address(holder)},
            from_block=self.deployed_block,
            to_block=to_block,
        )
        return [str(log["args"]["number"]) for log in sorted(logs, key=lambda g: (g["blockNumber"], g["logIndex"]))]

    def propose_mra(
        self, customs: LocalAccount, partner: str, scope: int, controls: int, valid_until: int
    ) -> tuple[int, Receipt]:
        """Propose an MRA (programmes ``scope``, control types ``controls``); returns its id."""
        receipt = self.sender.transact(
            customs, self.contract.functions.proposeMra(partner.encode("ascii"), scope, controls, valid_until)
        )
        logs = receipt_events(self.contract, "MraProposed", receipt.logs)
        return int(logs[0].args["mraId"]), receipt

    def accept_mra(self, customs: LocalAccount, mra_id: int) -> Receipt:
        """The partner accepts an MRA."""
        return self.sender.transact(customs, self.contract.functions.acceptMra(mra_id))

    def terminate_mra(self, customs: LocalAccount, mra_id: int, reason: str) -> Receipt:
        """Either side terminates an MRA."""
        return self.sender.transact(customs, self.contract.functions.terminateMra(mra_id, reason))

    def mra(self, mra_id: int, block: int | None = None, now: int | None = None) -> dict[str, Any]:
        """An MRA with its state now, or as the registry held it at ``block`` (whose
        timestamp is ``now``, if the caller read it already)."""
        proposer, partner, scope, controls, valid_until, proposed_at, accepted_at, terminated_at = call_view(
            self.contract.functions.mra(mra_id), block
        )
        if now is None:
            now = self._time(block)
        if terminated_at:
            state = "terminated"
        elif not accepted_at:
            state = "expired" if now > valid_until else "proposed"
        else:
            state = "expired" if now > valid_until else "active"
        return {
            "id": mra_id,
            "proposer": decode_jurisdiction(proposer),
            "partner": decode_jurisdiction(partner),
            "scope": scope,
            "controls": controls,
            "valid_until": valid_until,
            "proposed_at": proposed_at,
            "accepted_at": accepted_at or None,
            "terminated_at": terminated_at or None,
            "state": state,
        }

    def mras(self, block: int | None = None) -> list[dict[str, Any]]:
        """Every MRA, oldest first (as of ``block``, default the latest)."""
        count = int(call_view(self.contract.functions.mraCount(), block))
        now = self._time(block)
        return [self.mra(i, block, now) for i in range(1, count + 1)]

    def _time(self, block: int | None) -> int:
        return int(self.w3.eth.get_block("latest" if block is None else block)["timestamp"])

    def history(self, number: str) -> list[dict[str, Any]]:
        """Every change of a certificate, read from the chain's logs, oldest first."""
        cid = bytes(certificate_id(number))
        events = self.contract.events
        logs = list(
            events.CertificateIssued().get_logs(argument_filters={"certificate": cid}, from_block=self.deployed_block)
        )
        logs += events.CertificateStatusChanged().get_logs(
            argument_filters={"certificate": cid}, from_block=self.deployed_block
        )
        logs.sort(key=lambda log: (log["blockNumber"], log["logIndex"]))
        out = []
        for log in logs:
            block = self.w3.eth.get_block(log["blockNumber"])
            args = log["args"]
            issued = log["event"] == "CertificateIssued"
            out.append(
                {
                    "change": "issued" if issued else STATUS_NAMES[args["status"]],
                    "status": "valid" if issued else STATUS_NAMES[args["status"]],
                    "reason": "issued" if issued else args["reason"],
                    "actor": args["by"],
                    "tx_hash": "0x" + bytes(log["transactionHash"]).hex(),
                    "block_number": int(log["blockNumber"]),
                    "log_index": int(log["logIndex"]),
                    "block_time": int(block["timestamp"]),
                    "contract": self.contract.address,
                }
            )
        return out
