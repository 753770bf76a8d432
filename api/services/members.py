"""Consortium members: the node's directory, API keys, custodial keys, admissions,
suspensions and governance proposals."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eth_account.signers.local import LocalAccount

from api.index.rows import Participant
from api.services.errors import Conflict, NotFound, Unauthenticated
from api.services.keys import hash_api_key, new_api_key
from api.services.node import Node

__all__ = ["MembersService", "Participant"]
from evidence.errors import RuleViolation
from evidence.roles import Role
from evidence.rules import MemberView
from evidence.rules.registry import check_admission, check_approval, check_suspension, needs_majority
from evidence.types import Address


class MembersService:
    """Who is who on this node, checked against the registry on chain."""

    def __init__(self, node: Node) -> None:
        self.node = node

    # --- the directory -----------------------------------------------------------------

    def add_participant(
        self, address: str, keystore: str | None, name: str, legal_id: str, jurisdiction: str, roles: list[Role]
    ) -> Participant:
        """Record a participant this node knows (and, if custodial, holds the key of)."""
        participant = Participant(Address(address), name, legal_id, jurisdiction, frozenset(roles), keystore)
        self.node.index.add_participant(participant)
        return participant

    def issue_api_key(self, address: str, label: str = "default") -> str:
        """A new API key for a participant; only its hash is stored."""
        key = new_api_key()
        self.node.index.add_api_key(address, hash_api_key(key), label)
        return key

    def identify(self, api_key: str | None) -> Participant:
        """The participant an API key belongs to, whatever its standing on chain."""
        if not api_key:
            raise Unauthenticated("missing API key: send it in the X-API-Key header")
        participant = self.node.index.participant_by_key(hash_api_key(api_key))
        if participant is None:
            raise Unauthenticated("unknown API key")
        return participant

    def authenticate(self, api_key: str | None) -> Participant:
        """The participant an API key belongs to, if it is an active member now: a suspended,
        removed or not yet admitted member keeps no access through its keys."""
        participant = self.identify(api_key)
        info = self.node.chain.member(participant.address)
        status = info.status
        if status != "active":
            raise RuleViolation(
                "MemberNotActive",
                f"{participant.address} is {'not a member' if status == 'none' else status} on chain; "
                "its API keys give no access until it is an active member",
            )
        return replace(participant, standing=info.view())  # what the request's rules read of it

    def participant(self, address: str) -> Participant:
        """A participant known to this node."""
        participant = self.node.index.participant(address)
        if participant is None:
            raise NotFound(f"no participant {address} on this node")
        return participant

    def participants(self) -> list[dict[str, Any]]:
        """Every participant this node knows, with its status on chain."""
        return [self.describe(p) for p in self.node.index.participants()]

    def describe(self, p: Participant) -> dict[str, Any]:
        """A participant with the registry's view of it."""
        info = self.node.chain.member(p.address)
        return {
            "address": p.address,
            "name": p.name,
            "legal_id": p.legal_id,
            "jurisdiction": p.jurisdiction,
            "roles": sorted(r.value for r in (info.roles or p.roles)),
            "status": info.status,
            "custodial": p.keystore is not None,
        }

    def account(self, p: Participant) -> LocalAccount:
        """The custodial signing key of a participant."""
        if p.keystore is None:
            raise RuleViolation("CustodialKeyRequired", f"{p.address} holds its own key; this node cannot sign for it")
        return self.node.keyring.unlock(p.address, p.keystore)

    def view(self, address: str) -> MemberView:
        """The registry's view of a member, as the rules need it."""
        return self.node.chain.member(address).view()

    def view_of(self, caller: Participant) -> MemberView:
        """The registry's view of the caller: as read when its API key was checked, in this
        request, else read now."""
        return caller.standing if caller.standing is not None else self.view(caller.address)

    # --- admissions and governance ----------------------------------------------------

    def register(
        self,
        caller: Participant,
        name: str,
        legal_id: str,
        jurisdiction: str,
        roles: list[Role],
        address: str | None = None,
    ) -> dict[str, Any]:
        """A customs administration registers a member: an operator of its own jurisdiction
        directly; another customs administration, or an auditor or anchor (whose powers span
        the consortium), through a governance proposal the customs majority must approve.

        Without ``address`` the node creates and keeps the member's key (custodial); with
        it, the member holds its own key and signs its entries itself."""
        check_admission(self.view_of(caller), roles, jurisdiction)
        keystore: str | None = None
        if address is None:
            account, keystore = self.node.keyring.create()
            address = account.address
        elif self.node.index.participant(address) is not None:
            raise Conflict(f"{address} is already registered on this node")
        signer = self.account(caller)
        chain = self.node.chain
        proposal: dict[str, Any] | None = None
        if Role.CUSTOMS in roles:
            proposal_id, _ = chain.propose_customs(signer, address, jurisdiction, legal_id, name)
            proposal = chain.proposal(proposal_id)
        elif needs_majority(roles):
            proposal_id, _ = chain.propose_member(signer, address, roles, jurisdiction, legal_id, name)
            proposal = chain.proposal(proposal_id)
        else:
            chain.admit_operator(signer, address, roles, jurisdiction, legal_id, name)
        participant = self.add_participant(address, keystore, name, legal_id, jurisdiction, roles)
        api_key = self.issue_api_key(address)
        return {"participant": self.describe(participant), "api_key": api_key, "proposal": proposal}

    def set_suspended(self, caller: Participant, address: str, suspended: bool) -> dict[str, Any]:
        """A customs administration suspends or reinstates an operator of its jurisdiction."""
        target = self.node.chain.member(address)
        check_suspension(self.view_of(caller), target.view(), target.status, suspended)
        self.node.chain.set_suspended(self.account(caller), address, suspended)
        known = self.node.index.participant(address)
        return self.describe(known) if known else {"address": address}

    def approve_proposal(self, caller: Participant, proposal_id: int) -> dict[str, Any]:
        """An active customs administration approves a governance proposal."""
        proposal = self.proposal(proposal_id)
        now = int(self.node.chain.w3.eth.get_block("latest")["timestamp"])
        expired = now > proposal["expires_at"]
        check_approval(self.view_of(caller), proposal["executed"], proposal["approvers"], expired)
        self.node.chain.approve_proposal(self.account(caller), proposal_id)
        return self.proposal(proposal_id)

    def proposal(self, proposal_id: int) -> dict[str, Any]:
        """A governance proposal."""
        return self.node.chain.proposal(proposal_id)
