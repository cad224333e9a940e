import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { wallClock } from '../src/core/wall-clock.ts';

test('a late wall-clock timer runs after the socket data that arrived while the process was busy', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', () => r()));
  const peer = await accepted;
  const events: string[] = [];
  peer.on('data', () => events.push('data'));
  try {
    const fired = new Promise<void>((r) => {
      wallClock.schedule(10, () => {
        events.push('timer');
        r();
      });
    });
    client.write('update');
    // The process is busy well past the timer's due time, as on an oversubscribed host.
    const busyUntil = performance.now() + 100;
    while (performance.now() < busyUntil);
    await fired;
    assert.deepEqual(events, ['data', 'timer']);
  } finally {
    client.destroy();
    peer.destroy();
    await new Promise((r) => server.close(r));
  }
});

test('a wall-clock timer can be cancelled, also once it is waiting for pending I/O', async () => {
  let ran = 0;
  const cancel = wallClock.schedule(5, () => ran++);
  cancel();
  const late = wallClock.schedule(1, () => ran++);
  // Both expire during the busy spell and fire in due order in one timers phase: the late timer
  // defers its callback to after pending I/O, then the second cancels it before that comes.
  setTimeout(() => late(), 2);
  const busyUntil = performance.now() + 30;
  while (performance.now() < busyUntil);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(ran, 0);
});
