//! Blocks and receipts from storage, and the numbers block tags and ids name.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::B256;
use alloy_rpc_types_eth::{Block, TransactionReceipt};
use berapool_engine::Blockchain;
use berapool_primitives::StoredBlock;
use berapool_storage::StorageError;

use super::{convert, EthApi};
use crate::api::RpcResult;

/// The block number `tag` names, if that block exists.
pub(super) fn resolve_tag(chain: &Blockchain, tag: BlockNumberOrTag) -> RpcResult<Option<u64>> {
    let head = chain.head().0.number;
    Ok(match tag {
        BlockNumberOrTag::Latest | BlockNumberOrTag::Pending => Some(head),
        BlockNumberOrTag::Earliest => Some(0),
        BlockNumberOrTag::Number(n) => (n <= head).then_some(n),
        BlockNumberOrTag::Safe | BlockNumberOrTag::Finalized => {
            let (safe, finalized) = chain.store().safe_and_finalized()?;
            let hash = if tag == BlockNumberOrTag::Safe {
                safe
            } else {
                finalized
            };
            chain.store().block_number(hash)?
        }
    })
}

/// The block number `id` names, if that block exists.
pub(super) fn resolve(chain: &Blockchain, id: BlockId) -> RpcResult<Option<u64>> {
    match id {
        BlockId::Number(tag) => resolve_tag(chain, tag),
        BlockId::Hash(hash) => Ok(chain.store().block_number(hash.block_hash)?),
    }
}

/// The canonical block at `number` with its hash.
pub(super) fn stored_block(
    chain: &Blockchain,
    number: u64,
) -> RpcResult<Option<(StoredBlock, B256)>> {
    let Some(block) = chain.store().block(number)? else {
        return Ok(None);
    };
    let hash = chain
        .store()
        .block_hash(number)?
        .ok_or(StorageError::MissingBlock(number))?;
    Ok(Some((block, hash)))
}

/// The receipts of `block`, placed in the chain.
pub(super) fn receipts_of(
    chain: &Blockchain,
    block: &StoredBlock,
    hash: B256,
) -> RpcResult<Vec<TransactionReceipt>> {
    let receipts = chain
        .store()
        .receipts(block.header.number)?
        .ok_or(StorageError::MissingBlock(block.header.number))?;
    Ok(convert::rpc_receipts(block, hash, receipts))
}

impl EthApi {
    /// `eth_getBlockByNumber` / `eth_getBlockByHash` once the number is known.
    pub(super) fn block_at(&self, number: Option<u64>, full: bool) -> RpcResult<Option<Block>> {
        let Some(number) = number else {
            return Ok(None);
        };
        self.engine.with_chain(|chain| {
            Ok(stored_block(chain, number)?.map(|(b, hash)| convert::rpc_block(&b, hash, full)))
        })
    }

    /// `eth_getBlockReceipts`.
    pub(super) fn block_receipts(&self, id: BlockId) -> RpcResult<Option<Vec<TransactionReceipt>>> {
        self.engine.with_chain(|chain| {
            let Some(number) = resolve(chain, id)? else {
                return Ok(None);
            };
            let Some((block, hash)) = stored_block(chain, number)? else {
                return Ok(None);
            };
            receipts_of(chain, &block, hash).map(Some)
        })
    }
}
