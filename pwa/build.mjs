#!/usr/bin/env node
// Trunk post_build hook (Trunk.toml): runs once Trunk has written every file of the build
// into its staging directory, before that directory becomes dist/.
//
// 1. Draws the install icons (PNG) the manifest names. They are drawn here rather than
//    committed so that the look lives in code beside the theme colours, not in binaries.
// 2. Writes sw.js from pwa/sw.js with the list of every file of the build and a version
//    hashed from their names and contents: the worker must name the hashed files Trunk
//    produced, and a new build must give a new sw.js byte for byte, or browsers would never
//    see an update.
//
// PIPESCOPE_SERVICE_WORKER=off writes pwa/sw-off.js instead (see README, "Offline and
// installing"). Run by hand: TRUNK_STAGING_DIR=dist node pwa/build.mjs

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STAGING = process.env.TRUNK_STAGING_DIR;
if (!STAGING) {
  console.error('pwa/build.mjs: TRUNK_STAGING_DIR is not set (run it as a Trunk hook, or set it to dist)');
  process.exit(2);
}

// --- Icons -------------------------------------------------------------------------------
// The brand mark of the top bar (style/main.css .brand-mark): a rounded square shaded from
// the accent blue to the danger red, here with a white trace across it.
const ACCENT = [0x09, 0x69, 0xda];
const DANGER = [0xd1, 0x24, 0x2f];
const TRACE = [[0.16, 0.58], [0.36, 0.58], [0.45, 0.3], [0.56, 0.74], [0.64, 0.5], [0.84, 0.5]];

/** RGBA pixels of the icon, `size` square; `maskable` fills the square (the OS cuts the shape). */
function drawIcon(size, maskable) {
  const px = Buffer.alloc(size * size * 4);
  const radius = maskable ? 0 : 0.2;
  // Maskable icons may be cut to a circle of 80% of their width: keep the trace inside it.
  const shrink = maskable ? 0.72 : 1;
  const trace = TRACE.map(([x, y]) => [0.5 + (x - 0.5) * shrink, 0.5 + (y - 0.5) * shrink]);
  const half = 0.035 * shrink; // half the trace's width
  const SS = 4; // samples per axis per pixel, for smooth edges
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let cover = 0;
      let white = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const u = (x + (sx + 0.5) / SS) / size;
          const v = (y + (sy + 0.5) / SS) / size;
          if (!insideRounded(u, v, radius)) continue;
          cover++;
          if (nearPolyline(u, v, trace, half)) white++;
        }
      }
      const n = SS * SS;
      const t = (x + y) / (2 * size);
      const i = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) {
        const base = ACCENT[c] + (DANGER[c] - ACCENT[c]) * t;
        const w = cover ? white / cover : 0;
        px[i + c] = Math.round(base + (255 - base) * w);
      }
      px[i + 3] = Math.round((255 * cover) / n);
    }
  }
  return px;
}

function insideRounded(u, v, r) {
  if (r === 0) return true;
  const dx = Math.max(r - u, u - (1 - r), 0);
  const dy = Math.max(r - v, v - (1 - r), 0);
  return dx * dx + dy * dy <= r * r;
}

function nearPolyline(u, v, pts, half) {
  for (let k = 1; k < pts.length; k++) {
    const [ax, ay] = pts[k - 1];
    const [bx, by] = pts[k];
    const ex = bx - ax;
    const ey = by - ay;
    const t = Math.max(0, Math.min(1, ((u - ax) * ex + (v - ay) * ey) / (ex * ex + ey * ey)));
    const dx = u - (ax + t * ex);
    const dy = v - (ay + t * ey);
    if (dx * dx + dy * dy <= half * half) return true;
  }
  return false;
}

// zlib.crc32 is Node >= 20.15; the table is for older ones.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = zlib.crc32 ?? ((buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
});

/** A minimal PNG (8-bit RGBA, no interlace) of `rgba` pixels. */
function encodePng(size, rgba) {
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Names must match pwa/manifest.webmanifest.
const ICONS = [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['icon-maskable-512.png', 512, true],
];
for (const [name, size, maskable] of ICONS) {
  fs.writeFileSync(path.join(STAGING, name), encodePng(size, drawIcon(size, maskable)));
}

// --- Service worker ------------------------------------------------------------------------
function walk(dir, rel = '') {
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(dir, r));
    else if (entry.isFile()) out.push(r);
  }
  return out;
}

const files = walk(STAGING).filter((f) => f !== 'sw.js').sort();
const hash = crypto.createHash('sha256');
for (const f of files) {
  hash.update(f + '\0');
  hash.update(fs.readFileSync(path.join(STAGING, f)));
  hash.update('\0');
}
const version = hash.digest('hex').slice(0, 16);
// The page is cached as './' (what a visitor opens), not as index.html: hosts that
// redirect one to the other would otherwise leave the shell uncached.
const precache = ['./', ...files.filter((f) => f !== 'index.html').map(encodeURI)];

const off = (process.env.PIPESCOPE_SERVICE_WORKER || '').toLowerCase() === 'off';
const sw = off
  ? fs.readFileSync(path.join(HERE, 'sw-off.js'), 'utf8')
  : fs.readFileSync(path.join(HERE, 'sw.js'), 'utf8')
    .replace("'__PIPESCOPE_VERSION__'", JSON.stringify(version))
    .replace('__PIPESCOPE_FILES__', JSON.stringify(precache, null, 2));
fs.writeFileSync(path.join(STAGING, 'sw.js'), sw);
console.log(off
  ? 'pwa/build.mjs: offline use turned off (PIPESCOPE_SERVICE_WORKER=off): wrote the self-removing sw.js'
  : `pwa/build.mjs: wrote sw.js, version ${version}, ${precache.length} files; icons ${ICONS.map((i) => i[0]).join(', ')}`);
