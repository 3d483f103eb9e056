// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

interface IStakingPool {
    function submit(address receiver) external payable returns (uint256);
}

/// Stakes in a pool on someone's behalf and counts what it staked.
contract Staker {
    address public immutable pool;
    uint256 public staked;

    /// Gas for `submit` (a first deposit costs about 81,000).
    uint256 constant SUBMIT_GAS = 300_000;

    constructor(address pool_) {
        pool = pool_;
    }

    /// Deposits `msg.value` in the pool, the shares going to `receiver`; refunds it if the pool
    /// refuses. (forge simulates scripts in its own EVM, where the pool's native code is not:
    /// there the call fails and the simulation goes on; on the chain it stakes.)
    function stake(address receiver) external payable returns (bool ok) {
        (ok,) = pool.call{value: msg.value, gas: SUBMIT_GAS}(abi.encodeCall(IStakingPool.submit, (receiver)));
        if (ok) {
            staked += msg.value;
        } else {
            (bool refunded,) = msg.sender.call{value: msg.value}("");
            require(refunded, "refund failed");
        }
    }
}
