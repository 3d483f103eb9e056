// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

interface IWrapped {
    function deposit() external payable;
    function withdraw(uint256 amount) external;
}

/// A contract that holds WBERA and unwraps it; its `receive` needs more than the stipend (a
/// fresh storage write), so it only works when the payment forwards gas.
contract Receiver {
    uint256 public received;
    uint256 public gasAtReceive;

    function wrap(address token) external payable {
        IWrapped(token).deposit{value: msg.value}();
    }

    function unwrap(address token, uint256 amount) external {
        IWrapped(token).withdraw(amount);
    }

    receive() external payable {
        gasAtReceive = gasleft();
        received += msg.value;
    }
}

/// A `receive` that only logs, which fits in the 2,300 stipend; `unwrapWithGas` hands the
/// token exactly `gasLimit`.
contract StipendReceiver {
    event Received(uint256 gasLeft);

    function wrap(address token) external payable {
        IWrapped(token).deposit{value: msg.value}();
    }

    function unwrapWithGas(address token, uint256 amount, uint256 gasLimit) external {
        IWrapped(token).withdraw{gas: gasLimit}(amount);
    }

    receive() external payable {
        emit Received(gasleft());
    }
}

/// No `receive`: BERA cannot be paid to it, so unwrapping must fail and leave the WBERA.
contract NoReceiver {
    function wrap(address token) external payable {
        IWrapped(token).deposit{value: msg.value}();
    }

    function unwrap(address token, uint256 amount) external {
        IWrapped(token).withdraw(amount);
    }
}
