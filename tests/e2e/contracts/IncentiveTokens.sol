// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// An incentive token as PoL would pay one: an OpenZeppelin 5 ERC-20 anyone may mint.
contract IncentiveToken is ERC20 {
    constructor() ERC20("Incentive", "INC") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// Balances without a working `transfer`: every transfer reverts.
contract RevertingToken {
    error TransferBlocked();

    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address, uint256) external pure returns (bool) {
        revert TransferBlocked();
    }
}

/// `transfer` moves nothing and returns false.
contract FalseToken {
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address, uint256) external pure returns (bool) {
        return false;
    }
}

/// `transfer` moves the tokens and returns nothing, as old tokens do.
contract NoReturnToken {
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address to, uint256 amount) external {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }
}

/// `transfer` burns all the gas it is given.
contract GasBurnerToken {
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address, uint256) external view returns (bool) {
        while (gasleft() > 0) {}
        return true;
    }
}

interface ICollector {
    function claim(address[] calldata tokens) external payable;
}

/// `transfer` calls back into the collector that is paying it out.
contract ReentrantToken {
    mapping(address => uint256) public balanceOf;
    address public collector;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function setCollector(address collector_) external {
        collector = collector_;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        ICollector(collector).claim(new address[](0));
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
        return true;
    }
}

/// Moves its whole balance of a token the way the collector does, for comparing call gas.
contract Forwarder {
    function forward(IERC20 token, address to) external {
        uint256 amount = token.balanceOf(address(this));
        require(token.transfer(to, amount));
    }
}

/// STATICCALLs `claim` on a collector and returns what came back.
contract StaticCaller {
    function tryClaim(address collector) external view returns (bool ok, bytes memory data) {
        (ok, data) = collector.staticcall(abi.encodeCall(ICollector.claim, (new address[](0))));
    }
}

/// A token whose `transfer` buys the next collector's tokens (itself) from inside the claim
/// that is paying it out: every collector in the list is entered while the ones before it
/// wait, one native call nested in the next.
contract BouncingToken {
    address[] public collectors;
    uint256 public next;

    receive() external payable {}

    function setCollectors(address[] calldata collectors_) external {
        collectors = collectors_;
        next = 0;
    }

    function balanceOf(address) external pure returns (uint256) {
        return 1;
    }

    function transfer(address, uint256) external returns (bool) {
        if (next < collectors.length) {
            address collector = collectors[next++];
            address[] memory tokens = new address[](1);
            tokens[0] = address(this);
            ICollector(collector).claim{value: 100 ether}(tokens);
        }
        return true;
    }
}
