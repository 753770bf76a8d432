// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Jurisdiction codes: ISO 3166-1 alpha-2, two upper-case ASCII letters.
/// @dev The contracts check the shape; the API checks the code is assigned (pycountry).
/// @notice Checks that a jurisdiction code is well formed.
library Jurisdictions {
    /// @notice True when `code` is two upper-case ASCII letters.
    function isWellFormed(bytes2 code) internal pure returns (bool) {
        return _isUpper(code[0]) && _isUpper(code[1]);
    }

    function _isUpper(bytes1 c) private pure returns (bool) {
        return c >= 0x41 && c <= 0x5A;
    }
}
