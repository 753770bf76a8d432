// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title AEO certificates and mutual-recognition agreements (MRAs) between customs.
/// @notice A customs administration certifies Authorized Economic Operators of its own
/// jurisdiction (WCO SAFE Framework); under an MRA, a partner administration grants them the
/// same benefits. `isRecognised` answers "is this trader's AEO status recognised by me?",
/// now or at any past time.
interface IAEORegistry {
    /// @notice Lifecycle of a certificate. Expiry is by date, not a stored status.
    enum Status {
        None,
        Valid,
        Suspended,
        Revoked
    }

    /// @notice Why a certificate is, or is not, recognised by a customs administration.
    enum Reason {
        UnknownCertificate,
        ValidAtHome,
        RecognisedUnderMra,
        NotYetValid,
        Suspended,
        Revoked,
        Expired,
        NoMra,
        MraNotAccepted,
        MraOutOfScope,
        MraTerminated,
        MraExpired
    }

    /// @notice A certificate. `programmes` is a bit set: 1 = AEO-S (security and safety),
    /// 2 = AEO-C (customs simplifications). Hashes commit to the off-chain records.
    struct Certificate {
        address holder;
        bytes2 issuer;
        uint8 programmes;
        Status status;
        uint64 validFrom;
        uint64 validUntil;
        uint64 issuedAt;
        address issuedBy;
        bytes32 documentHash;
        bytes32 dataHash;
        string documentCid;
    }

    /// @notice What a customs administration states when it issues a certificate.
    /// @param number the certificate number, e.g. "CNAEO2026000123" (its id is keccak256 of it)
    /// @param holder the certified operator, an active member of the issuer's jurisdiction
    /// @param programmes bit set: 1 = AEO-S, 2 = AEO-C
    /// @param validFrom first second of validity (unix time)
    /// @param validUntil last second of validity (unix time)
    /// @param documentHash sha-256 of the certificate document
    /// @param documentCid CID of the certificate document in the content store
    /// @param dataHash keccak256 of the RFC 8785 JSON of the MRA data elements
    struct CertificateRequest {
        string number;
        address holder;
        uint8 programmes;
        uint64 validFrom;
        uint64 validUntil;
        bytes32 documentHash;
        string documentCid;
        bytes32 dataHash;
    }

    /// @notice A mutual-recognition agreement proposed by `proposer` to `partner`.
    struct Mra {
        bytes2 proposer;
        bytes2 partner;
        uint8 scope;
        uint8 controls; // control types each side recognises of the other (bit per type, see proposeMra)
        uint64 validUntil;
        uint64 proposedAt;
        uint64 acceptedAt;
        uint64 terminatedAt;
    }

    /// @notice Emitted when a customs administration issues a certificate.
    event CertificateIssued(
        bytes32 indexed certificate,
        string number,
        address indexed holder,
        bytes2 issuer,
        uint8 programmes,
        uint64 validFrom,
        uint64 validUntil,
        address indexed by
    );
    /// @notice Emitted with {CertificateIssued}: the hashes of the off-chain records.
    event CertificateRecordsAnchored(
        bytes32 indexed certificate, bytes32 documentHash, string documentCid, bytes32 dataHash
    );
    /// @notice Emitted on every status change after issuance, with its reason.
    event CertificateStatusChanged(bytes32 indexed certificate, Status status, string reason, address indexed by);
    /// @notice Emitted when a customs administration proposes an MRA.
    event MraProposed(
        uint256 indexed mraId,
        bytes2 indexed proposer,
        bytes2 indexed partner,
        uint8 scope,
        uint8 controls,
        uint64 validUntil,
        address by
    );
    /// @notice Emitted when the partner accepts an MRA; it is active from then on.
    event MraAccepted(uint256 indexed mraId, address indexed by);
    /// @notice Emitted when either side terminates an MRA.
    event MraTerminated(uint256 indexed mraId, string reason, address indexed by);

    /// @notice Issues a certificate to an operator of the caller's jurisdiction.
    function issueCertificate(CertificateRequest calldata request) external returns (bytes32 certificate);

    /// @notice The issuing administration suspends a valid certificate.
    function suspendCertificate(bytes32 certificate, string calldata reason) external;

    /// @notice The issuing administration reinstates a suspended certificate.
    function reinstateCertificate(bytes32 certificate, string calldata reason) external;

    /// @notice The issuing administration revokes a certificate; this is final.
    function revokeCertificate(bytes32 certificate, string calldata reason) external;

    /// @notice Proposes an MRA with `partner` covering the programmes in `scope` and, in
    /// `controls`, the control types each side recognises of the other: 1 documentary,
    /// 2 physical, 4 non-intrusive scan, 8 seal check, 16 sampling (0: none).
    function proposeMra(bytes2 partner, uint8 scope, uint8 controls, uint64 validUntil)
        external
        returns (uint256 mraId);

    /// @notice The partner administration accepts a proposed MRA.
    function acceptMra(uint256 mraId) external;

    /// @notice Either side terminates an MRA.
    function terminateMra(uint256 mraId, string calldata reason) external;

    /// @notice Whether customs of `jurisdiction` recognise `certificate` now, why, and for which programmes.
    function isRecognised(bytes32 certificate, bytes2 jurisdiction)
        external
        view
        returns (bool recognised, Reason reason, uint8 programmes);

    /// @notice The same answer as it stood at time `at` (unix seconds).
    function isRecognisedAt(bytes32 certificate, bytes2 jurisdiction, uint64 at)
        external
        view
        returns (bool recognised, Reason reason, uint8 programmes);

    /// @notice A certificate (status `None` if never issued).
    function certificate(bytes32 id) external view returns (Certificate memory);

    /// @notice The certificate's status at time `at`.
    function statusAt(bytes32 id, uint64 at) external view returns (Status);

    /// @notice An MRA.
    function mra(uint256 mraId) external view returns (Mra memory);

    /// @notice Number of MRAs ever proposed; ids run from 1.
    function mraCount() external view returns (uint256);
}
