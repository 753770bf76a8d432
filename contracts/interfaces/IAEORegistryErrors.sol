// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Errors of the AEO registry; each names the rule it enforces.
/// @notice The API reports each error by name as `rule`.
interface IAEORegistryErrors {
    /// @notice The zero address was given where an account is needed.
    error AEORegistryZeroAddress();
    /// @notice The caller is not an active customs administration.
    error AEORegistryNotCustoms(address account);
    /// @notice Only the issuing customs administration may change a certificate.
    error AEORegistryNotIssuer(bytes32 certificate, bytes2 issuer, bytes2 callerJurisdiction);
    /// @notice The holder must be an active member of the issuing jurisdiction.
    error AEORegistryInvalidHolder(address holder, bytes2 issuer);
    /// @notice A certificate number starts with its issuer's jurisdiction code (e.g. "CN…").
    error AEORegistryNumberOutsideNamespace(bytes2 issuer);
    /// @notice A certificate with this number already exists.
    error AEORegistryCertificateExists(bytes32 certificate);
    /// @notice No certificate with this id.
    error AEORegistryUnknownCertificate(bytes32 certificate);
    /// @notice Programmes must be a non-empty subset of AEO-S (1) and AEO-C (2).
    error AEORegistryInvalidProgrammes(uint8 programmes);
    /// @notice `controls` names a control type bit that does not exist.
    error AEORegistryInvalidControls(uint8 controls);
    /// @notice validFrom must lie before validUntil.
    error AEORegistryInvalidValidity(uint64 validFrom, uint64 validUntil);
    /// @notice The certificate is not in the status this change needs (a revoked one never changes).
    error AEORegistryWrongStatus(bytes32 certificate, uint8 status);
    /// @notice A status change needs a reason.
    error AEORegistryReasonRequired();
    /// @notice An MRA is between two different, well-formed jurisdictions.
    error AEORegistryInvalidPartner(bytes2 partner);
    /// @notice No MRA with this id.
    error AEORegistryUnknownMra(uint256 mraId);
    /// @notice Only the partner administration accepts an MRA.
    error AEORegistryNotMraPartner(uint256 mraId, bytes2 callerJurisdiction);
    /// @notice Only the two administrations of an MRA terminate it.
    error AEORegistryNotMraParty(uint256 mraId, bytes2 callerJurisdiction);
    /// @notice The MRA was already accepted, or already terminated.
    error AEORegistryMraClosed(uint256 mraId);
    /// @notice The MRA's validity has already ended.
    error AEORegistryMraExpired(uint256 mraId, uint64 validUntil);
}
