//! Stored blocks, transactions, receipts and logs as the JSON-RPC types wallets expect.

use alloy_consensus::{transaction::Recovered, BlockHeader, Transaction as _, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::{Block, BlockTransactions, Header, Log, Transaction, TransactionReceipt};

use berapool_primitives::StoredBlock;

/// A stored transaction with its place in the chain.
pub(crate) fn rpc_transaction(
    block: &StoredBlock,
    block_hash: B256,
    index: usize,
) -> Option<Transaction> {
    let tx = block.transactions.get(index)?.clone();
    let sender = *block.senders.get(index)?;
    let base_fee = block.header.base_fee_per_gas();
    Some(Transaction {
        effective_gas_price: Some(tx.effective_gas_price(base_fee)),
        inner: Recovered::new_unchecked(tx, sender),
        block_hash: Some(block_hash),
        block_number: Some(block.header.number),
        block_timestamp: Some(block.header.timestamp),
        transaction_index: Some(index as u64),
    })
}

/// A pooled (pending) transaction.
pub(crate) fn pending_transaction(tx: Recovered<TxEnvelope>) -> Transaction {
    Transaction {
        inner: tx,
        block_hash: None,
        block_number: None,
        block_timestamp: None,
        transaction_index: None,
        effective_gas_price: None,
    }
}

/// A block, with transaction hashes or full transactions.
pub(crate) fn rpc_block(block: &StoredBlock, hash: B256, full: bool) -> Block {
    let transactions = if full {
        BlockTransactions::Full(
            (0..block.transactions.len())
                .filter_map(|i| rpc_transaction(block, hash, i))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(block.transactions.iter().map(|t| *t.tx_hash()).collect())
    };
    let size = alloy_rlp::Encodable::length(&block.header)
        + block
            .transactions
            .iter()
            .map(|t| t.encode_2718_len())
            .sum::<usize>();
    Block {
        header: Header {
            hash,
            inner: block.header.clone(),
            total_difficulty: Some(U256::ZERO),
            size: Some(U256::from(size)),
        },
        uncles: Vec::new(),
        transactions,
        withdrawals: Some(block.withdrawals.clone().into()),
    }
}

/// The receipts of a block, with every log placed (block, transaction, log index).
pub(crate) fn rpc_receipts(
    block: &StoredBlock,
    hash: B256,
    receipts: Vec<alloy_consensus::ReceiptEnvelope>,
) -> Vec<TransactionReceipt> {
    let base_fee = block.header.base_fee_per_gas();
    let mut log_index = 0u64;
    let mut previous_gas = 0u64;
    receipts
        .into_iter()
        .enumerate()
        .filter_map(|(i, receipt)| {
            let tx = block.transactions.get(i)?;
            let tx_hash = *tx.tx_hash();
            let gas_used = receipt.cumulative_gas_used() - previous_gas;
            previous_gas = receipt.cumulative_gas_used();
            let inner = receipt.map_logs(|log| {
                let placed = Log {
                    inner: log,
                    block_hash: Some(hash),
                    block_number: Some(block.header.number),
                    block_timestamp: Some(block.header.timestamp),
                    transaction_hash: Some(tx_hash),
                    transaction_index: Some(i as u64),
                    log_index: Some(log_index),
                    removed: false,
                };
                log_index += 1;
                placed
            });
            let to = tx.to();
            let from = *block.senders.get(i)?;
            let contract_address = tx.kind().is_create().then(|| from.create(tx.nonce()));
            Some(TransactionReceipt {
                inner,
                transaction_hash: tx_hash,
                transaction_index: Some(i as u64),
                block_hash: Some(hash),
                block_number: Some(block.header.number),
                gas_used,
                effective_gas_price: tx.effective_gas_price(base_fee),
                blob_gas_used: None,
                blob_gas_price: None,
                from,
                to,
                contract_address,
            })
        })
        .collect()
}
