//! The EVM face of the staking-pool system: ABI decoding, gas, events and storage on EVM
//! accounts, installed into alloy-evm's `PrecompilesMap`. Built on `pool-state`; not yet
//! implemented (see the issue tracker).
