import { open } from 'lmdb';
import { rmSync } from 'node:fs';
rmSync('/tmp/lmx', { recursive: true, force: true });
const db = open({ path: '/tmp/lmx', encoding: 'binary', compression: false });
const base = Date.now() * 4096;
for (let i = 0; i < 5; i++) db.transactionSync(() => db.put(base + i, Buffer.from(`v${i}\n`)), 2 | 0x10000);
console.log([...db.getRange({ start: base, end: base + 4, inclusiveEnd: true })].map((e) => e.value.toString().trim()));
console.log([...db.getRange({ start: base + 1, end: base + 3, inclusiveEnd: true })].map((e) => e.value.toString().trim()));
await db.close();
