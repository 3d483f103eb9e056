// viem's watchBlocks over WebSocket: prints the numbers of the first `count` blocks it is
// told about as JSON, or fails within the timeout.
import { createPublicClient, webSocket } from 'viem';

const [url, count = '3'] = process.argv.slice(2);
const client = createPublicClient({ transport: webSocket(url) });
const seen = [];
const timer = setTimeout(() => {
  console.error(`watchBlocks: ${seen.length} blocks in 30 s`);
  process.exit(1);
}, 30_000);
const unwatch = client.watchBlocks({
  onBlock: (block) => {
    seen.push(block.number.toString());
    if (seen.length >= Number(count)) {
      unwatch();
      clearTimeout(timer);
      console.log(JSON.stringify(seen));
      process.exit(0);
    }
  },
  onError: (error) => {
    console.error(`watchBlocks: ${error.message}`);
    process.exit(1);
  },
});
