// Compiles one Solidity file with the pinned solc (optimizer on, 200 runs, Cancun) and prints
// the runtime bytecode of the named contract: `node compile-solidity.mjs <file.sol> <Contract>`;
// with `--creation`, its creation bytecode instead. Imports resolve beside the file and in the
// installed packages (`@openzeppelin/contracts/...`).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");

const args = process.argv.slice(2);
const creation = args.includes("--creation");
const [file, name] = args.filter((a) => a !== "--creation");
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
    outputSelection: { "*": { "*": ["evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const here = path.dirname(new URL(import.meta.url).pathname);
function findImports(name) {
  for (const root of [path.dirname(path.resolve(file)), path.join(here, "node_modules")]) {
    const candidate = path.resolve(root, name);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
  }
  return { error: `file not found: ${name}` };
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
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
const code = creation ? contract.evm.bytecode : contract.evm.deployedBytecode;
console.log("0x" + code.object);
