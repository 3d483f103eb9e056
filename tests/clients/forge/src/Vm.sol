// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// The forge cheatcodes the script and the test use.
interface Vm {
    function envUint(string calldata name) external view returns (uint256);
    function envAddress(string calldata name) external view returns (address);
    function addr(uint256 key) external pure returns (address);
    function startBroadcast(uint256 key) external;
    function stopBroadcast() external;
}

Vm constant VM = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

// The salt the script deploys the staker with.
bytes32 constant SALT = bytes32(uint256(0xbe7a));

// How much the script stakes.
uint256 constant STAKE = 7 ether;
