// The solc command line forge calls (`--version`, `--standard-json` on stdin), over the pinned
// solc from npm: forge downloads native compilers from the internet, which the test machines
// cannot reach, and is told (`--use`) to run this instead. Imports resolve against the working
// directory, `--base-path` and `--include-path`s.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const solc = require('solc');
const args = process.argv.slice(2);

if (args.includes('--version')) {
  console.log('solc, the solidity compiler commandline interface');
  console.log(`Version: ${solc.version()}`);
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  console.error('solc-shim: only --version and --standard-json are supported');
  process.exit(2);
}
const roots = [process.cwd()];
for (let i = 0; i < args.length; i++) {
  if ((args[i] === '--base-path' || args[i] === '--include-path') && args[i + 1]) {
    roots.push(path.resolve(args[i + 1]));
  }
}
function findImports(name) {
  for (const root of roots) {
    const file = path.resolve(root, name);
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
  }
  return { error: `file not found: ${name}` };
}
const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
