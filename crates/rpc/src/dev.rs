//! The dev-mode methods with anvil's names over the dev block driver: `anvil_mine`, `evm_mine`,
//! `evm_increaseTime` and the mining modes (`evm_setAutomine`, `anvil_getAutomine`,
//! `evm_setIntervalMining`). Served only with `--dev`.

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
    if let Some(step) = interval {
        // Refused whole, before the first block, rather than stopped half-way.
        driver.check_time_shift(step.saturating_mul(count.saturating_sub(1)))?;
    }
    for i in 0..count {
        if let (Some(step), true) = (interval, i > 0) {
            driver.increase_time(step)?;
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
                d.set_next_timestamp(timestamp)?;
            }
            mine(d, 1, None)
        })?;
        Ok("0x0".to_string())
    }

    fn evm_increase_time(&self, seconds: Quantity) -> RpcResult<u64> {
        Ok(self.driver.with(|d| d.increase_time(seconds.get()))?)
    }

    fn evm_set_automine(&self, on: bool) -> RpcResult<()> {
        self.driver.with(|d| d.set_automine(on));
        Ok(())
    }

    fn get_automine(&self) -> RpcResult<bool> {
        Ok(self.driver.with(|d| d.mining().automine))
    }

    fn evm_set_interval_mining(&self, seconds: Quantity) -> RpcResult<()> {
        let seconds = seconds.get();
        let interval = (seconds > 0).then(|| std::time::Duration::from_secs(seconds));
        self.driver.with(|d| d.set_interval(interval));
        Ok(())
    }
}
