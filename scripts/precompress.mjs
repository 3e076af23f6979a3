// Trunk's post-build hook (Trunk.toml): beside each text or wasm file of the built site, a
// gzip (-9) and a brotli (quality 11) copy, for a static host that serves precompressed files
// (nginx gzip_static/brotli_static, Caddy precompressed, Netlify and most CDNs do it on their
// own). Node's zlib only: no other tool to install. Runs when MPG_PRECOMPRESS=1 (about 13 s
// of CPU, too slow for every rebuild of `trunk serve`): `MPG_PRECOMPRESS=1 trunk build --release`.
// By hand: node scripts/precompress.mjs DIR
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const compressible = /\.(wasm|js|css|html|json|svg)$/;
function walk(dir) {
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    const st = fs.lstatSync(file); // not followed: data/ is a link to the (already gzipped) data
    if (st.isDirectory()) walk(file);
    else if (st.isFile() && compressible.test(name)) compress(file);
  }
}

function compress(file) {
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(bytes, { level: 9 }));
  fs.writeFileSync(
    `${file}.br`,
    zlib.brotliCompressSync(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  );
}

walk(process.argv[2]);
