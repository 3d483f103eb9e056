//! Native effects on the system contracts the pool system drives: the same storage writes,
//! logs and balance moves their bytecode makes, without an EVM sub-call.

pub mod beacon_deposit;
pub mod beacon_roots;
pub mod eip7002;
