//! The dev-mode methods with anvil's names, `anvil_mine`, `evm_mine`, `evm_increaseTime`, over
//! the dev block driver. Served only with `--dev`.

use berapool_dev_consensus::{DevDriver, DevHandle};

use crate::{
    api::{DevApiServer, Quantity, RpcResult},
    RpcError,
};

/// Blocks one `anvil_mine` call may produce.
pub const MAX_MINE: u64 = 10_000;

/// The dev methods over the block driver.
#[derive(Clone, Debug)]
pub struct DevApi {
    driver: DevHandle,
}

impl DevApi {
    /// The methods over `driver`.
    pub fn new(driver: DevHandle) -> Self {
        Self { driver }
    }
}

fn mine(driver: &mut DevDriver, count: u64, interval: Option<u64>) -> RpcResult<()> {
    for i in 0..count {
        if let (Some(step), true) = (interval, i > 0) {
            driver.increase_time(step);
        }
        driver.produce_block()?;
    }
    Ok(())
}

impl DevApiServer for DevApi {
    fn anvil_mine(&self, count: Option<Quantity>, interval: Option<Quantity>) -> RpcResult<()> {
        let count = count.map_or(1, Quantity::get);
        if count > MAX_MINE {
            return Err(RpcError::TooManyBlocks { max: MAX_MINE });
        }
        let interval = interval.map(Quantity::get);
        self.driver.with(|d| mine(d, count, interval))
    }

    fn evm_mine(&self, timestamp: Option<Quantity>) -> RpcResult<String> {
        self.driver.with(|d| {
            if let Some(timestamp) = timestamp.map(Quantity::get) {
                let head = d.head_timestamp();
                if timestamp <= head {
                    return Err(RpcError::TimestampNotAfterHead { timestamp, head });
                }
                d.set_next_timestamp(timestamp);
            }
            mine(d, 1, None)
        })?;
        Ok("0x0".to_string())
    }

    fn evm_increase_time(&self, seconds: Quantity) -> RpcResult<u64> {
        Ok(self.driver.with(|d| d.increase_time(seconds.get())))
    }
}
