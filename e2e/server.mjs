// A static server for the built site: `/` is the dist folder, `/data/` and `/data-broken/`
// map to data folders given on the command line, so the test can serve a damaged copy
// without touching the real one. Usage: node server.mjs DIST DATA BROKEN PORT
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml' };

function resolve({ dist, data, broken }, urlPath) {
  const p = decodeURIComponent(urlPath.split('?')[0]);
  for (const [prefix, dir] of [['/data-broken/', broken], ['/data/', data]]) {
    if (p.startsWith(prefix)) return path.join(dir, p.slice(prefix.length));
  }
  return path.join(dist, p === '/' ? 'index.html' : p);
}

export function serve(dirs, port) {
  const server = http.createServer((req, res) => {
    const file = resolve(dirs, req.url);
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) { res.writeHead(404); res.end('not found'); return; }
      // .gz files are data, not a content encoding: the app gunzips them itself.
      res.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream', 'Content-Length': st.size, 'Cache-Control': 'no-store' });
      fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dist, data, broken, port] = process.argv.slice(2);
  serve({ dist, data, broken }, Number(port || 8090)).then(() => console.log(`serving ${dist} on http://127.0.0.1:${port || 8090}/`));
}
