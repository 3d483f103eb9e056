// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import {Staker} from "../src/Staker.sol";
import {SALT, STAKE, VM} from "../src/Vm.sol";

/// Deploys a Staker with CREATE2 (`new C{salt: …}()` goes through the deterministic deployer)
/// and stakes through it for the key's account.
contract Stake {
    function run() external {
        uint256 key = VM.envUint("KEY");
        VM.startBroadcast(key);
        Staker staker = new Staker{salt: SALT}(VM.envAddress("POOL"));
        staker.stake{value: STAKE}(VM.addr(key));
        VM.stopBroadcast();
    }
}
