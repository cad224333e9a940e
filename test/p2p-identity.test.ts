import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentityError, loadOrCreateIdentity } from '../src/p2p/identity.ts';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gl-identity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the key file is created with mode 0600 on first start and reused after', async (t) => {
  const path = join(tempDir(t), 'peer.key');
  const first = await loadOrCreateIdentity(path);
  assert.equal(first.created, true);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.match(first.peerId, /^12D3KooW/);
  const again = await loadOrCreateIdentity(path);
  assert.equal(again.created, false);
  assert.equal(again.peerId, first.peerId);
});

test('a key file readable by others is refused with a clear error', async (t) => {
  const path = join(tempDir(t), 'peer.key');
  await loadOrCreateIdentity(path);
  chmodSync(path, 0o644);
  await assert.rejects(
    loadOrCreateIdentity(path),
    (e: Error) => e instanceof IdentityError && /readable by others.*chmod 600/.test(e.message),
  );
});

test('a key file with garbage content is refused, not overwritten', async (t) => {
  const path = join(tempDir(t), 'peer.key');
  writeFileSync(path, 'not a key at all', { mode: 0o600 });
  await assert.rejects(
    loadOrCreateIdentity(path),
    (e: Error) => e instanceof IdentityError && e.message.startsWith(`${path}: not a protobuf-marshalled`),
  );
  writeFileSync(path, '', { mode: 0o600 });
  await assert.rejects(loadOrCreateIdentity(path), /0 bytes/);
});
