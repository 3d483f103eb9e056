//! Blocks and receipts from storage, and the numbers block tags and ids name.

use alloy_consensus::Header;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::B256;
use alloy_rpc_types_eth::{Block, TransactionReceipt};
use berapool_engine::Head;
use berapool_primitives::StoredBlock;
use berapool_storage::{ChainStore, StorageError};

use super::{convert, EthApi};
use crate::{api::RpcResult, RpcError};

/// The block number `tag` names, if that block exists (`head` is the request's snapshot).
pub(super) fn resolve_tag(
    store: &ChainStore,
    head: &Head,
    tag: BlockNumberOrTag,
) -> RpcResult<Option<u64>> {
    let head = head.number();
    Ok(match tag {
        BlockNumberOrTag::Latest | BlockNumberOrTag::Pending => Some(head),
        BlockNumberOrTag::Earliest => Some(0),
        BlockNumberOrTag::Number(n) => (n <= head).then_some(n),
        BlockNumberOrTag::Safe | BlockNumberOrTag::Finalized => {
            let (safe, finalized) = store.safe_and_finalized()?;
            let hash = if tag == BlockNumberOrTag::Safe {
                safe
            } else {
                finalized
            };
            store.block_number(hash)?.filter(|n| *n <= head)
        }
    })
}

/// The block number `id` names, if that block exists.
pub(super) fn resolve(store: &ChainStore, head: &Head, id: BlockId) -> RpcResult<Option<u64>> {
    match id {
        BlockId::Number(tag) => resolve_tag(store, head, tag),
        BlockId::Hash(hash) => Ok(store
            .block_number(hash.block_hash)?
            .filter(|n| *n <= head.number())),
    }
}

/// The header of block `number` (the snapshot's own for the head).
pub(super) fn header_at(store: &ChainStore, head: &Head, number: u64) -> RpcResult<Header> {
    if number == head.number() {
        return Ok(head.header.clone());
    }
    Ok(store
        .header(number)?
        .ok_or(StorageError::MissingBlock(number))?)
}

/// The canonical block at `number` with its hash.
pub(super) fn stored_block(
    store: &ChainStore,
    number: u64,
) -> RpcResult<Option<(StoredBlock, B256)>> {
    let Some(block) = store.block(number)? else {
        return Ok(None);
    };
    let hash = store
        .block_hash(number)?
        .ok_or(StorageError::MissingBlock(number))?;
    Ok(Some((block, hash)))
}

/// The receipts of `block`, placed in the chain.
pub(super) fn receipts_of(
    store: &ChainStore,
    block: &StoredBlock,
    hash: B256,
) -> RpcResult<Vec<TransactionReceipt>> {
    let receipts = store
        .receipts(block.header.number)?
        .ok_or(StorageError::MissingBlock(block.header.number))?;
    Ok(convert::rpc_receipts(block, hash, receipts))
}

impl EthApi {
    /// `eth_getBlockByNumber`.
    pub(super) fn block_by_number(
        &self,
        tag: BlockNumberOrTag,
        full: bool,
    ) -> RpcResult<Option<Block>> {
        let head = self.chain.head();
        let number = resolve_tag(self.chain.store(), &head, tag)?;
        self.block_at(number, full)
    }

    /// `eth_getBlockByHash`.
    pub(super) fn block_by_hash(&self, hash: B256, full: bool) -> RpcResult<Option<Block>> {
        let number = self.chain.store().block_number(hash)?;
        self.block_at(number, full)
    }

    fn block_at(&self, number: Option<u64>, full: bool) -> RpcResult<Option<Block>> {
        let Some(number) = number else {
            return Ok(None);
        };
        Ok(stored_block(self.chain.store(), number)?
            .map(|(b, hash)| convert::rpc_block(&b, hash, full)))
    }

    /// `eth_getBlockReceipts`.
    pub(super) fn block_receipts(&self, id: BlockId) -> RpcResult<Option<Vec<TransactionReceipt>>> {
        let head = self.chain.head();
        let store = self.chain.store();
        let Some(number) = resolve(store, &head, id)? else {
            return Ok(None);
        };
        let Some((block, hash)) = stored_block(store, number)? else {
            return Ok(None);
        };
        receipts_of(store, &block, hash).map(Some)
    }

    /// The block `id` names, or an error saying it does not exist.
    pub(super) fn require_block(&self, head: &Head, id: BlockId) -> RpcResult<u64> {
        resolve(self.chain.store(), head, id)?.ok_or(RpcError::UnknownBlock(id))
    }
}
