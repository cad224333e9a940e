/** Every command and every script answers --help with its own usage (checked by its text, not only the exit code). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli/program.ts';
import { runCli } from './support/cli.ts';

function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

async function inBatches<T>(items: T[], size: number, fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

test('gossiplearn and each of its subcommands answer --help with their own usage', async () => {
  const paths = [[], ...commandPaths(buildProgram())];
  assert.ok(paths.length >= 8, `found ${paths.length} commands`);
  await inBatches(paths, 4, async (path) => {
    const r = await runCli([...path, '--help']);
    assert.equal(r.code, 0, `${path.join(' ')} --help: exit ${r.code}\n${r.stderr}`);
    assert.match(
      r.stdout,
      new RegExp(`^Usage: gossiplearn${path.map((p) => ` ${p}`).join('')} `),
      `${path.join(' ')} --help printed:\n${r.stdout}`,
    );
  });
});

test('an unknown command is an error even with --help (bare commander would print the main help, exit 0)', async () => {
  for (const args of [['bogus', '--help'], ['bogus'], ['testnet', 'bogus', '--help']]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^error: unknown command '(testnet )?bogus'/, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
});

const scriptsDir = fileURLToPath(new URL('../scripts/', import.meta.url));

test('every script in scripts/ answers --help with its usage and exits 0 without running', async () => {
  const scripts = readdirSync(scriptsDir).filter((f) => f.endsWith('.ts'));
  assert.ok(scripts.length >= 10);
  await inBatches(scripts, 4, async (name) => {
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [scriptsDir + name, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    assert.equal(r.code, 0, `${name} --help: exit ${r.code}\n${r.out.slice(0, 500)}`);
    assert.match(
      r.out,
      new RegExp(`^Usage: (node_modules/\\.bin/node )?scripts/${name.replace('.', '\\.')} `),
      `${name} --help printed:\n${r.out.slice(0, 500)}`,
    );
  });
});
