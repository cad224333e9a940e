/**
 * CRC-32 in Node: zlib's (hardware-assisted, ~7x the portable loop on 400 KB frames), where this Node
 * has it (22.2 and later); the portable one otherwise. Chosen by the `#crc32` import map in package.json.
 */
import * as zlib from 'node:zlib';
import { crc32 as portable } from './crc32-portable.ts';

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

export const crc32: (bytes: Uint8Array) => number = native ? (bytes) => native(bytes) : portable;
