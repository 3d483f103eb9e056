//! Dev-mode methods with anvil's names, for scripts and test suites written against anvil:
//! `anvil_mine`, `evm_mine`, `evm_increaseTime`. Served only with `--dev`.

use alloy_primitives::U64;
use jsonrpsee::{types::Params, RpcModule};

use super::RpcError;
use crate::dev::{DevDriver, DevHandle};

/// Blocks one `anvil_mine` call may produce.
pub const MAX_MINE: u64 = 10_000;

/// A number given as a JSON number or a hex quantity.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Number {
    Plain(u64),
    Quantity(U64),
}

impl Number {
    fn get(self) -> u64 {
        match self {
            Self::Plain(n) => n,
            Self::Quantity(q) => q.to(),
        }
    }
}

fn optional(params: &Params<'_>, index: usize) -> Result<Option<u64>, RpcError> {
    let values: Vec<serde_json::Value> = match params.as_str() {
        None => Vec::new(),
        Some(_) => params
            .parse()
            .map_err(|_| RpcError::InvalidParams("parameters must be an array".into()))?,
    };
    match values.get(index) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => serde_json::from_value::<Number>(value.clone())
            .map(|n| Some(n.get()))
            .map_err(|_| RpcError::InvalidParams(format!("parameter {index} is not a number"))),
    }
}

fn mine(driver: &mut DevDriver, count: u64, interval: Option<u64>) -> Result<(), RpcError> {
    for i in 0..count {
        if let (Some(step), true) = (interval, i > 0) {
            driver.increase_time(step);
        }
        driver.produce_block().map_err(RpcError::internal)?;
    }
    Ok(())
}

/// The dev methods over `driver`.
pub fn dev_module(
    driver: DevHandle,
) -> Result<RpcModule<DevHandle>, jsonrpsee::core::RegisterMethodError> {
    let mut m = RpcModule::new(driver);
    m.register_blocking_method("anvil_mine", |p, driver, _| {
        let count = optional(&p, 0)?.unwrap_or(1);
        if count > MAX_MINE {
            return Err(RpcError::InvalidParams(format!(
                "at most {MAX_MINE} blocks per call"
            )));
        }
        let interval = optional(&p, 1)?;
        driver.with(|d| mine(d, count, interval))?;
        Ok::<_, RpcError>(())
    })?;
    m.register_blocking_method("evm_mine", |p, driver, _| {
        let timestamp = optional(&p, 0)?;
        driver.with(|d| {
            if let Some(timestamp) = timestamp {
                let head = d.head_timestamp();
                if timestamp <= head {
                    return Err(RpcError::InvalidParams(format!(
                        "timestamp {timestamp} is not after the head's {head}"
                    )));
                }
                d.set_next_timestamp(timestamp);
            }
            mine(d, 1, None)
        })?;
        Ok::<_, RpcError>("0x0")
    })?;
    m.register_method("evm_increaseTime", |p, driver, _| {
        let seconds = optional(&p, 0)?
            .ok_or_else(|| RpcError::InvalidParams("missing the number of seconds".into()))?;
        Ok::<_, RpcError>(driver.with(|d| d.increase_time(seconds)))
    })?;
    Ok(m)
}
