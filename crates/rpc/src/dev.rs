//! The dev-mode methods with anvil's names (and hardhat's, where anvil has them), served only
//! with `--dev`:
//!
//! - blocks and the clock: `anvil_mine`, `evm_mine`, `evm_increaseTime`,
//!   `evm_setNextBlockTimestamp`, the mining modes, `evm_setBlockGasLimit`, `anvil_setCoinbase`;
//! - state edits (`anvil_setBalance`, `anvil_addBalance`, `anvil_setCode`, `anvil_setNonce`,
//!   `anvil_setStorageAt`): each is mined at once into a block of its own, which applies it
//!   before anything else and stores it, so a restart, a re-execution and the block's
//!   validation agree with what readers saw; the block carries no transactions, so an edit
//!   changes nothing else whatever the mining mode;
//! - `evm_snapshot`/`evm_revert` and `anvil_reset`, which unwind blocks through the state
//!   history;
//! - impersonation for `eth_sendTransaction`, the pool (`anvil_dropTransaction`) and
//!   `anvil_nodeInfo`.

use alloy_evm::revm::bytecode::Bytecode;
use alloy_primitives::{Address, Bytes, FixedBytes, B256, U256};
use berapool_dev_consensus::{DevDriver, DevHandle};
use berapool_primitives::StateEdit;

use crate::{
    api::{DevApiServer, Quantity, RpcResult},
    eth::{DevAccounts, EthApi},
    RpcError,
};

/// Blocks one `anvil_mine` call may produce.
pub const MAX_MINE: u64 = 10_000;

/// The dev methods over the block driver.
#[derive(Clone, Debug)]
pub struct DevApi {
    driver: DevHandle,
    eth: EthApi,
    accounts: DevAccounts,
}

impl DevApi {
    /// The methods over `driver`, reading through `eth`, impersonating through `accounts`.
    pub fn new(driver: DevHandle, eth: EthApi, accounts: DevAccounts) -> Self {
        Self {
            driver,
            eth,
            accounts,
        }
    }

    /// Mines `edit` into a block of its own.
    fn edit(&self, edit: StateEdit) -> RpcResult<()> {
        self.driver
            .with(|d| d.produce_block_with_edits(vec![edit]))?;
        Ok(())
    }

    fn head_balance(&self, address: Address) -> RpcResult<U256> {
        let chain = self.eth.chain();
        let state = chain.state_at(chain.head().number())?;
        Ok(state.account(&address)?.map_or(U256::ZERO, |a| a.balance))
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

    fn set_balance(&self, address: Address, balance: U256) -> RpcResult<()> {
        self.edit(StateEdit::Balance { address, balance })
    }

    fn add_balance(&self, address: Address, amount: U256) -> RpcResult<()> {
        // Read and mined under the driver, so no other block moves the balance in between.
        self.driver.with(|d| {
            let balance = self.head_balance(address)?.saturating_add(amount);
            d.produce_block_with_edits(vec![StateEdit::Balance { address, balance }])?;
            Ok(())
        })
    }

    fn set_code(&self, address: Address, code: Bytes) -> RpcResult<()> {
        // Refused here, with the reason, rather than as a failed block.
        Bytecode::new_raw_checked(code.clone())
            .map_err(|e| RpcError::InvalidEdit(format!("code: {e:?}")))?;
        self.edit(StateEdit::Code { address, code })
    }

    fn set_nonce(&self, address: Address, nonce: Quantity) -> RpcResult<()> {
        self.edit(StateEdit::Nonce {
            address,
            nonce: nonce.get(),
        })
    }

    fn set_storage_at(&self, address: Address, slot: U256, value: U256) -> RpcResult<bool> {
        self.edit(StateEdit::Storage {
            address,
            slot,
            value,
        })?;
        Ok(true)
    }

    fn impersonate_account(&self, address: Address) -> RpcResult<()> {
        self.accounts.impersonate(address);
        Ok(())
    }

    fn stop_impersonating_account(&self, address: Address) -> RpcResult<()> {
        self.accounts.stop_impersonating(address);
        Ok(())
    }

    fn auto_impersonate_account(&self, on: bool) -> RpcResult<()> {
        self.accounts.impersonate_all(on);
        Ok(())
    }

    fn snapshot(&self) -> RpcResult<U256> {
        Ok(U256::from(self.driver.with(|d| d.snapshot())))
    }

    fn revert(&self, id: U256) -> RpcResult<bool> {
        let Ok(id) = u64::try_from(id) else {
            return Ok(false);
        };
        Ok(self.driver.with(|d| d.revert(id))?)
    }

    fn reset(&self, options: Option<serde_json::Value>) -> RpcResult<()> {
        let forking = options.as_ref().is_some_and(|o| match o {
            serde_json::Value::Null => false,
            serde_json::Value::Object(map) => map
                .get("forking")
                .or_else(|| map.get("jsonRpcUrl"))
                .is_some_and(|v| !v.is_null()),
            _ => true,
        });
        if forking {
            return Err(RpcError::ForkingUnsupported);
        }
        self.driver.with(|d| d.reset())?;
        Ok(())
    }

    fn drop_transaction(&self, hash: B256) -> RpcResult<Option<B256>> {
        Ok(self.eth.pool().remove(&hash).then_some(hash))
    }

    fn drop_all_transactions(&self) -> RpcResult<()> {
        self.eth.pool().clear();
        Ok(())
    }

    fn set_next_block_timestamp(&self, timestamp: Quantity) -> RpcResult<()> {
        Ok(self
            .driver
            .with(|d| d.set_next_timestamp(timestamp.get()))?)
    }

    fn set_block_gas_limit(&self, limit: Quantity) -> RpcResult<bool> {
        let limit = limit.get();
        if limit < berapool_engine::MIN_GAS_LIMIT {
            return Err(RpcError::InvalidEdit(format!(
                "gas limit {limit} is below the minimum {}",
                berapool_engine::MIN_GAS_LIMIT
            )));
        }
        self.driver.with(|d| d.set_target_gas_limit(limit));
        Ok(true)
    }

    fn set_coinbase(&self, address: Address) -> RpcResult<()> {
        self.driver.with(|d| d.set_coinbase(address));
        Ok(())
    }

    fn set_proposer(&self, pubkey: Option<FixedBytes<48>>) -> RpcResult<()> {
        self.driver
            .with(|d| d.set_proposer(pubkey))
            .map_err(RpcError::InvalidProposer)?;
        Ok(())
    }

    fn node_info(&self) -> RpcResult<serde_json::Value> {
        let chain = self.eth.chain();
        let head = chain.head();
        let mining = self.driver.with(|d| d.mining());
        let base_fee = head
            .header
            .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
            .unwrap_or_default();
        Ok(serde_json::json!({
            "currentBlockNumber": head.number(),
            "currentBlockTimestamp": head.header.timestamp,
            "currentBlockHash": head.hash,
            "hardFork": "prague",
            "transactionOrder": "fees",
            "environment": {
                "baseFee": base_fee,
                "chainId": chain.spec().chain_id(),
                "gasLimit": head.header.gas_limit,
                "gasPrice": self.eth.current_gas_price()?,
            },
            "forkConfig": {
                "forkUrl": null,
                "forkBlockNumber": null,
                "forkRetryBackoff": null,
            },
            "mining": {
                "automine": mining.automine,
                "intervalSeconds": mining.interval.map(|i| i.as_secs()),
            },
        }))
    }
}
