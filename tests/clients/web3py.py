"""web3.py against the devnet: the node's accounts, send_transaction from one of them, a log
filter polled for the deposit, and the shares read back. Prints a JSON summary."""

import json
import os
import time

from web3 import Web3

w3 = Web3(Web3.HTTPProvider(os.environ["RPC_URL"]))
pool_address = Web3.to_checksum_address(os.environ["POOL"])
abi = [
    {
        "name": "submit",
        "type": "function",
        "stateMutability": "payable",
        "inputs": [{"name": "receiver", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "name": "balanceOf",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "account", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
]
pool = w3.eth.contract(address=pool_address, abi=abi)
accounts = w3.eth.accounts
me = accounts[2]
logs = w3.eth.filter({"address": pool_address})
blocks = w3.eth.filter("latest")
tx = pool.functions.submit(me).transact({"from": me, "value": w3.to_wei(30, "ether")})
receipt = w3.eth.wait_for_transaction_receipt(tx, timeout=30)
entries = []
deadline = time.time() + 30
while not entries and time.time() < deadline:
    entries = logs.get_new_entries()
    time.sleep(0.2)
new_blocks = blocks.get_new_entries()
print(
    json.dumps(
        {
            "accounts": len(accounts),
            "account": me,
            "status": receipt["status"],
            "logs": len(entries),
            "blocks": len(new_blocks),
            "shares": str(pool.functions.balanceOf(me).call()),
        }
    )
)
