// The notes' server.js for the cluster benchmark: a loop of N iterations per request (argv[3], default 1e7), then
// which process answered. A Content-Length, so keep-alive clients (ab -k) can keep the connection.
// CRASH_AFTER_MAX_MS=N: the notes' "death by random timeout", process.exit(1) after a random time below N ms.
const http = require('http');
const port = Number(process.argv[2] || 8080);
const work = Number(process.argv[3] ?? 1e7);

http.createServer((req, res) => {
  for (let i = 0; i < work; i++); // simulated CPU work, as in the notes
  const body = `Handled by process ${process.pid}\n`;
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('X-Worker-Pid', String(process.pid));
  res.end(body);
}).listen(port, '127.0.0.1', () => console.log(`Started process ${process.pid}`));

const crashAfterMax = Number(process.env.CRASH_AFTER_MAX_MS || 0);
if (crashAfterMax > 0) {
  setTimeout(() => {
    process.exit(1); // death by random timeout
  }, Math.random() * crashAfterMax);
}
