// Compiles one Solidity file with the pinned solc (optimizer on, 200 runs, Cancun) and prints
// the runtime bytecode of the named contract: `node compile-solidity.mjs <file.sol> <Contract>`.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");

const [file, name] = process.argv.slice(2);
if (!file || !name) {
  console.error("usage: node compile-solidity.mjs <file.sol> <Contract>");
  process.exit(2);
}
const source = path.basename(file);
const input = {
  language: "Solidity",
  sources: { [source]: { content: fs.readFileSync(file, "utf8") } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const contract = output.contracts?.[source]?.[name];
if (!contract) {
  console.error(`no contract ${name} in ${file}`);
  process.exit(1);
}
console.log("0x" + contract.evm.deployedBytecode.object);
