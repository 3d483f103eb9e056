// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// A plain OpenZeppelin 5 ERC-20: what the share token's `transfer` gas is measured against.
contract ReferenceToken is ERC20 {
    constructor() ERC20("Reference", "REF") {
        _mint(msg.sender, 1_000_000 ether);
    }
}
