// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import {Staker} from "../src/Staker.sol";
import {SALT, STAKE, VM} from "../src/Vm.sol";

/// Run with `--fork-url` after the script: reads, on a fork of the devnet, what it deployed.
contract ForkTest {
    address constant CREATE2_DEPLOYER = 0x4e59b44847b379578588920cA78FbF26c0B4956C;

    function test_the_script_deployed_the_staker_at_its_create2_address() external view {
        address pool = VM.envAddress("POOL");
        bytes32 init = keccak256(abi.encodePacked(type(Staker).creationCode, abi.encode(pool)));
        address staker = address(
            uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), CREATE2_DEPLOYER, SALT, init))))
        );
        require(staker.code.length > 0, "no staker at the CREATE2 address");
        require(Staker(staker).pool() == pool, "wrong pool");
        require(Staker(staker).staked() == STAKE, "wrong stake");
    }
}
